"""Accounts, contacts and opportunities through the gateway: validation, concurrency,
trash, lists, ownership scopes, events."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories.auth import Tenant, add_user, signup

A = "/api/v1/accounts"
C = "/api/v1/contacts"
OPP = "/api/v1/opportunities"


async def _create(api: httpx.AsyncClient, path: str, body: dict, headers: dict) -> dict:
    r = await api.post(path, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


class TestValidation:
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            (A, {"name": "X", "colour": "red"}, "body.colour"),  # unknown field
            (A, {"name": "X", "size": "big"}, "body.size"),  # wrong type
            (A, {"name": "x" * 201}, "body.name"),  # oversize text
            (A, {"name": "X", "domain": "not a domain"}, "body.domain"),
            (A, {}, "body.name"),
            (C, {"last_name": "L", "email": "nope"}, "body.email"),  # invalid email
            (C, {"last_name": "L", "time_zone": "Mars/Olympus"}, "body.time_zone"),
            (OPP, {"name": "D", "amount": 12.5}, "body.amount"),  # floats lose cents
            (OPP, {"name": "D", "amount": "1.234"}, "body.amount"),
            (OPP, {"name": "D", "currency": "dollars"}, "body.currency"),
            (
                OPP,
                {"name": "D", "stage_id": "00000000-0000-0000-0000-000000000000"},
                "body.stage_id",
            ),  # unknown stage
        ],
    )
    async def test_bad_input_names_the_field_and_writes_nothing(
        self, api: httpx.AsyncClient, path: str, body: dict, field: str
    ) -> None:
        tenant = await signup(api)
        r = await api.post(path, json=body, headers=tenant.admin.headers)
        assert r.status_code == 422, r.text
        assert field in [d["field"] for d in r.json()["error"]["details"]]
        listed = await api.get(path, headers=tenant.admin.headers)
        assert listed.json()["items"] == []

    async def test_domain_is_normalised(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        acct = await _create(
            api, A, {"name": "Acme", "domain": "https://www.Acme.COM/about"}, tenant.admin.headers
        )
        assert acct["domain"] == "acme.com"


class TestAmounts:
    async def test_amount_round_trips_exactly_with_its_currency(
        self, api: httpx.AsyncClient
    ) -> None:
        """The earlier build showed "$undefined": amounts are decimal strings, exact."""
        tenant = await signup(api)
        opp = await _create(
            api, OPP, {"name": "Big", "amount": "12345.67", "currency": "EUR"}, tenant.admin.headers
        )
        assert (opp["amount"], opp["currency"]) == ("12345.67", "EUR")
        assert opp["probability"] == 10  # first stage of the default pipeline
        assert opp["weighted_amount"] == "1234.57"
        again = (await api.get(f"{OPP}/{opp['id']}", headers=tenant.admin.headers)).json()
        assert again["amount"] == "12345.67"
        big = await _create(
            api, OPP, {"name": "Huge", "amount": "9999999999999999.99"}, tenant.admin.headers
        )
        assert big["amount"] == "9999999999999999.99"


class TestConcurrency:
    async def test_etag_and_if_match(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        r = await api.post(A, json={"name": "Acme"}, headers=h)
        first_tag = r.headers["etag"]
        acct = r.json()
        ok = await api.patch(
            f"{A}/{acct['id']}", json={"industry": "Software"}, headers={**h, "If-Match": first_tag}
        )
        assert ok.status_code == 200
        assert ok.headers["etag"] != first_tag
        stale = await api.patch(
            f"{A}/{acct['id']}", json={"industry": "Retail"}, headers={**h, "If-Match": first_tag}
        )
        assert stale.status_code == 412
        assert stale.json()["error"]["code"] == "stale_write"
        assert stale.headers["etag"] == ok.headers["etag"]
        assert (await api.get(f"{A}/{acct['id']}", headers=h)).json()["industry"] == "Software"


class TestTrash:
    async def test_delete_moves_to_trash_and_restore_brings_back(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        acct = await _create(api, A, {"name": "Gone Inc"}, h)
        assert (await api.delete(f"{A}/{acct['id']}", headers=h)).status_code == 204
        assert (await api.get(f"{A}/{acct['id']}", headers=h)).status_code == 404
        assert (await api.get(A, headers=h)).json()["items"] == []
        trash = (await api.get(A, params={"trash": "true"}, headers=h)).json()["items"]
        assert [t["id"] for t in trash] == [acct["id"]]
        r = await api.post(f"{A}/{acct['id']}/restore", headers=h)
        assert r.status_code == 200
        assert r.json()["deleted_at"] is None
        assert [x["id"] for x in (await api.get(A, headers=h)).json()["items"]] == [acct["id"]]


class TestLists:
    async def test_filters_sort_and_pages(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        await api.post(
            "/api/v1/custom-fields",
            json={
                "object_type": "account",
                "key": "tier",
                "label": "Tier",
                "field_type": "select",
                "options": ["Gold", "Silver"],
            },
            headers=h,
        )
        for i in range(12):
            await _create(
                api, A,
                {"name": f"Co {i:02d}", "size": i * 10, "industry": "Software" if i % 2 else None,
                 "custom_fields": {"tier": "Gold" if i % 3 == 0 else "Silver"}},
                h,
            )  # fmt: skip
        seen, cursor = [], None
        while True:
            params = {"sort": "-size", "limit": "5", "filter": ["size:gte:20"]}
            if cursor:
                params["cursor"] = cursor
            page = (await api.get(A, params=params, headers=h)).json()
            seen += [x["size"] for x in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == [110, 100, 90, 80, 70, 60, 50, 40, 30, 20]
        gold = (
            await api.get(A, params={"filter": "cf.tier:eq:Gold", "sort": "name"}, headers=h)
        ).json()["items"]
        assert [g["name"] for g in gold] == ["Co 00", "Co 03", "Co 06", "Co 09"]
        by_industry = (
            await api.get(A, params={"sort": "industry", "limit": "200"}, headers=h)
        ).json()["items"]
        assert by_industry[-1]["industry"] is None  # empty values sort last
        empty = (await api.get(A, params={"filter": "industry:empty:"}, headers=h)).json()["items"]
        assert len(empty) == 6
        for sort in (
            "industry",
            "-industry",
        ):  # pages across the end of the values, into the empty ones
            names, cursor = [], None
            while True:
                params = {"sort": sort, "limit": "4", **({"cursor": cursor} if cursor else {})}
                page = (await api.get(A, params=params, headers=h)).json()
                names += [(x["industry"], x["name"]) for x in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert len(names) == len(set(names)) == 12
            assert [n[0] for n in names] == ["Software"] * 6 + [None] * 6

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"filter": "colour:eq:red"}, "query.filter.0"),
         ({"filter": "size:near:3"}, "query.filter.0"),
         ({"filter": "size:gte:many"}, "query.filter"), ({"sort": "cf.nope"}, "query"),
         ({"cursor": "garbage"}, "query.cursor")],
    )  # fmt: skip
    async def test_bad_list_parameters_are_named(
        self, api: httpx.AsyncClient, params: dict, field: str
    ) -> None:
        tenant = await signup(api)
        r = await api.get(A, params=params, headers=tenant.admin.headers)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == field


class TestCustomFields:
    async def test_values_are_validated_on_write(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        for body in (
            {"object_type": "contact", "key": "score", "label": "Score", "field_type": "number"},
            {
                "object_type": "contact",
                "key": "renewal",
                "label": "Renewal",
                "field_type": "date",
                "required": True,
            },
        ):
            assert (
                await api.post("/api/v1/custom-fields", json=body, headers=h)
            ).status_code == 201
        r = await api.post(
            C, json={"last_name": "L", "custom_fields": {"score": "high", "bogus": 1}}, headers=h
        )
        assert r.status_code == 422
        fields = {d["field"] for d in r.json()["error"]["details"]}
        assert fields == {
            "body.custom_fields.score",
            "body.custom_fields.bogus",
            "body.custom_fields.renewal",
        }
        ok = await api.post(
            C,
            json={"last_name": "L", "custom_fields": {"score": 7, "renewal": "2027-01-31"}},
            headers=h,
        )
        assert ok.status_code == 201
        assert ok.json()["custom_fields"] == {"score": 7, "renewal": "2027-01-31"}


class TestOpportunityStages:
    async def test_moving_to_won_closes_and_emits_events(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        pipeline = (await api.get("/api/v1/pipelines", headers=h)).json()["items"][0]
        won = next(s for s in pipeline["stages"] if s["outcome"] == "won")
        opp = await _create(api, OPP, {"name": "Deal", "amount": "1000.00"}, h)
        r = await api.patch(f"{OPP}/{opp['id']}", json={"stage_id": won["id"]}, headers=h)
        assert r.status_code == 200
        body = r.json()
        assert (body["status"], body["probability"], body["weighted_amount"]) == (
            "won",
            100,
            "1000.00",
        )
        assert body["closed_at"] is not None
        async with owner_engine.connect() as conn:
            types = (await conn.execute(
                text("SELECT type FROM events.outbox WHERE aggregate_id = :id ORDER BY position"), {"id": opp["id"]}
            )).scalars().all()  # fmt: skip
        assert types == [
            "crm.opportunity.created", "crm.opportunity.updated",
            "crm.opportunity.stage_changed", "crm.opportunity.won",
        ]  # fmt: skip

    async def test_board_totals_per_stage(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        pipeline = (await api.get("/api/v1/pipelines", headers=h)).json()["items"][0]
        for amount in ("100.00", "250.50"):
            await _create(api, OPP, {"name": "D", "amount": amount}, h)
        await _create(api, OPP, {"name": "E", "amount": "10.00", "currency": "EUR"}, h)
        board = (await api.get(f"/api/v1/pipelines/{pipeline['id']}/board", headers=h)).json()
        first = board["columns"][0]
        assert first["count"] == 3
        assert first["totals"] == {"USD": "350.50", "EUR": "10.00"}
        assert first["weighted"] == {"USD": "35.05", "EUR": "1.00"}

    async def test_board_totals_may_outgrow_one_amount(self, api: httpx.AsyncClient) -> None:
        """Each amount fits numeric(18,2); their sum need not (it was a 500)."""
        tenant = await signup(api)
        h = tenant.admin.headers
        pipeline = (await api.get("/api/v1/pipelines", headers=h)).json()["items"][0]
        for _ in range(20):
            await _create(api, OPP, {"name": "Huge", "amount": "9999999999999999.99"}, h)
        r = await api.get(f"/api/v1/pipelines/{pipeline['id']}/board", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["columns"][0]["totals"] == {"USD": "199999999999999999.80"}

    async def test_lists_filter_by_id(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        ids = [(await _create(api, A, {"name": f"By id {i}"}, h))["id"] for i in range(3)]
        r = await api.get(A, params={"filter": f"id:in:{ids[0]},{ids[2]}"}, headers=h)
        assert r.status_code == 200, r.text
        assert sorted(a["id"] for a in r.json()["items"]) == sorted([ids[0], ids[2]])


async def _team(api: httpx.AsyncClient) -> tuple[Tenant, dict, dict, dict]:
    tenant = await signup(api)
    manager = await add_user(api, tenant, "manager")
    rep = await add_user(api, tenant, "rep", manager_id=manager.user_id)
    outsider = await add_user(api, tenant, "rep")
    return tenant, manager, rep, outsider  # type: ignore[return-value]


class TestOwnership:
    async def test_rep_sees_and_edits_own_manager_the_team_admin_all(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant, manager, rep, outsider = await _team(api)
        mine = await _create(api, A, {"name": "Rep's"}, rep.headers)
        theirs = await _create(api, A, {"name": "Outsider's"}, outsider.headers)
        names = lambda who: {a["name"] for a in who}  # noqa: E731
        assert names((await api.get(A, headers=rep.headers)).json()["items"]) == {"Rep's"}
        assert (await api.get(f"{A}/{theirs['id']}", headers=rep.headers)).status_code == 404
        assert names((await api.get(A, headers=manager.headers)).json()["items"]) == {"Rep's"}
        assert names((await api.get(A, headers=tenant.admin.headers)).json()["items"]) == {
            "Rep's",
            "Outsider's",
        }
        r = await api.patch(f"{A}/{mine['id']}", json={"city": "Lyon"}, headers=manager.headers)
        assert r.status_code == 200  # the manager edits the team's records
        r = await api.patch(f"{A}/{theirs['id']}", json={"city": "Lyon"}, headers=manager.headers)
        assert r.status_code == 404

    async def test_assigning_an_owner_out_of_reach_is_refused(self, api: httpx.AsyncClient) -> None:
        _, manager, rep, outsider = await _team(api)
        r = await api.post(A, json={"name": "X", "owner_id": outsider.user_id}, headers=rep.headers)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.owner_id"
        ok = await api.post(A, json={"name": "X", "owner_id": rep.user_id}, headers=manager.headers)
        assert ok.status_code == 201


class TestBulk:
    async def test_all_or_nothing(self, api: httpx.AsyncClient) -> None:
        _, _, rep, outsider = await _team(api)
        mine = [await _create(api, A, {"name": f"M{i}"}, rep.headers) for i in range(3)]
        theirs = await _create(api, A, {"name": "T"}, outsider.headers)
        ids = [m["id"] for m in mine]
        r = await api.post(
            f"{A}/bulk-update",
            json={"ids": [*ids, theirs["id"]], "changes": {"industry": "Retail"}},
            headers=rep.headers,
        )
        assert r.status_code == 404
        assert all(
            a["industry"] is None for a in (await api.get(A, headers=rep.headers)).json()["items"]
        )
        r = await api.post(
            f"{A}/bulk-update", json={"ids": ids, "changes": {"size": "lots"}}, headers=rep.headers
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.changes.size"
        r = await api.post(
            f"{A}/bulk-update",
            json={"ids": ids, "changes": {"industry": "Retail"}},
            headers=rep.headers,
        )
        assert r.json() == {"count": 3}
        r = await api.post(f"{A}/bulk-delete", json={"ids": ids}, headers=rep.headers)
        assert r.json() == {"count": 3}
        assert (await api.get(A, headers=rep.headers)).json()["items"] == []


class TestSearch:
    async def test_prefix_typo_email_and_tenant_isolation(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        other = await signup(api)
        h = tenant.admin.headers
        acme = await _create(api, A, {"name": "Acme Robotics", "domain": "acmerobotics.com"}, h)
        await _create(
            api, C, {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example"}, h
        )
        await _create(api, OPP, {"name": "Acme renewal 2027", "amount": "5.00"}, h)
        await _create(api, A, {"name": "Acme Robotics"}, other.admin.headers)

        async def titles(q: str, headers: dict = h) -> list[str]:
            r = await api.get("/api/v1/search", params={"q": q}, headers=headers)
            assert r.status_code == 200, r.text
            return [i["title"] for i in r.json()["items"]]

        assert "Acme Robotics" in await titles("acm")  # prefix
        assert "Acme Robotics" in await titles("acme robtics")  # typo
        assert "Grace Hopper" in await titles("hoper")  # typo in a name
        assert "Grace Hopper" in await titles("grace@navy")  # email
        assert "Acme renewal 2027" in await titles("renewal")
        hits = (await api.get("/api/v1/search", params={"q": "acme"}, headers=h)).json()["items"]
        assert acme["id"] in [i["id"] for i in hits]
        assert (
            len([i for i in hits if i["title"] == "Acme Robotics"]) == 1
        )  # not the other tenant's

    async def test_hits_carry_what_a_result_line_shows(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        acme = await _create(api, A, {"name": "Zenith Widgets"}, h)
        await _create(
            api,
            C,
            {"first_name": "Zed", "last_name": "Zenith", "account_id": acme["id"]},
            h,
        )
        await _create(
            api,
            OPP,
            {"name": "Zenith expansion", "amount": "1234567890123456.78", "currency": "EUR",
             "account_id": acme["id"]},
            h,
        )  # fmt: skip
        hits = (await api.get("/api/v1/search", params={"q": "zenith"}, headers=h)).json()["items"]
        by_type = {hit["type"]: hit for hit in hits}
        assert by_type["contact"]["account_name"] == "Zenith Widgets"
        opportunity = by_type["opportunity"]
        assert opportunity["account_name"] == "Zenith Widgets"
        assert (opportunity["amount"], opportunity["currency"], opportunity["status"]) == (
            "1234567890123456.78",
            "EUR",
            "open",
        )
        assert by_type["account"]["account_name"] is None

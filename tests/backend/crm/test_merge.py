"""Duplicate suggestions and merges."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories.auth import add_user, signup

A = "/api/v1/accounts"


class TestDuplicatesAndMerge:
    async def test_merge_keeps_chosen_values_moves_related_records_and_audits(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        keep = (
            await api.post(
                A, json={"name": "Acme", "domain": "acme.com", "industry": "Software"}, headers=h
            )
        ).json()
        dupe = (
            await api.post(
                A, json={"name": "ACME Inc", "domain": "www.acme.com", "city": "Paris"}, headers=h
            )
        ).json()
        other = (await api.post(A, json={"name": "Other", "domain": "other.com"}, headers=h)).json()
        contact = (
            await api.post(
                "/api/v1/contacts", json={"last_name": "Doe", "account_id": dupe["id"]}, headers=h
            )
        ).json()
        opp = (
            await api.post(
                "/api/v1/opportunities", json={"name": "Deal", "account_id": dupe["id"]}, headers=h
            )
        ).json()

        groups = (await api.get(f"{A}/duplicates", headers=h)).json()["items"]
        assert {k: groups[0][k] for k in ("reason", "key")} == {
            "reason": "same domain",
            "key": "acme.com",
        }
        assert set(groups[0]["record_ids"]) == {keep["id"], dupe["id"]}
        assert other["id"] not in {i for g in groups for i in g["record_ids"]}

        r = await api.post(
            f"{A}/merge",
            json={
                "winner_id": keep["id"],
                "loser_ids": [dupe["id"]],
                "fields": {"city": dupe["id"]},
            },
            headers=h,
        )
        assert r.status_code == 200, r.text
        assert r.json()["moved"] == {"contacts.account_id": 1, "opportunities.account_id": 1}
        winner = (await api.get(f"{A}/{keep['id']}", headers=h)).json()
        assert (winner["name"], winner["industry"], winner["city"]) == ("Acme", "Software", "Paris")
        assert (await api.get(f"{A}/{dupe['id']}", headers=h)).status_code == 404  # in the trash
        assert (await api.get(f"/api/v1/contacts/{contact['id']}", headers=h)).json()[
            "account_id"
        ] == keep["id"]
        assert (await api.get(f"/api/v1/opportunities/{opp['id']}", headers=h)).json()[
            "account_id"
        ] == keep["id"]
        async with owner_engine.connect() as conn:
            audit = (await conn.execute(
                text("SELECT winner_id::text, merged_ids::text[], snapshots FROM crm.merges WHERE winner_id = :w"),
                {"w": keep["id"]},
            )).one()  # fmt: skip
            event = await conn.scalar(
                text(
                    "SELECT payload FROM events.outbox WHERE type = 'crm.records.merged' AND aggregate_id = :w"
                ),
                {"w": keep["id"]},
            )
        assert audit.merged_ids == [dupe["id"]]
        assert {s["name"] for s in audit.snapshots} == {"Acme", "ACME Inc"}  # both, as they were
        assert event["merged_ids"] == [dupe["id"]]

    async def test_bad_merges_are_refused_and_change_nothing(self, api: httpx.AsyncClient) -> None:
        tenant, stranger = await signup(api), await signup(api)
        h = tenant.admin.headers
        a = (await api.post(A, json={"name": "A"}, headers=h)).json()
        b = (await api.post(A, json={"name": "B"}, headers=h)).json()
        theirs = (await api.post(A, json={"name": "T"}, headers=stranger.admin.headers)).json()
        r = await api.post(
            f"{A}/merge", json={"winner_id": a["id"], "loser_ids": [theirs["id"]]}, headers=h
        )
        assert r.status_code == 404
        r = await api.post(
            f"{A}/merge",
            json={"winner_id": a["id"], "loser_ids": [b["id"]], "fields": {"version": b["id"]}},
            headers=h,
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.fields.version"
        r = await api.post(  # a record merged into itself: nothing to do, nothing done
            f"{A}/merge", json={"winner_id": a["id"], "loser_ids": [a["id"]]}, headers=h
        )
        assert r.status_code == 200
        assert (r.json()["merge_id"], r.json()["merged_ids"]) == (None, [])
        assert len((await api.get(A, headers=h)).json()["items"]) == 2

    async def test_duplicates_never_span_tenants(self, api: httpx.AsyncClient) -> None:
        mine, theirs = await signup(api), await signup(api)
        for tenant in (mine, theirs):
            for name in ("Twin", "Twin"):
                await api.post(
                    A, json={"name": name, "domain": "twin.example"}, headers=tenant.admin.headers
                )
        their_ids = {
            a["id"] for a in (await api.get(A, headers=theirs.admin.headers)).json()["items"]
        }
        groups = (await api.get(f"{A}/duplicates", headers=mine.admin.headers)).json()["items"]
        assert groups
        assert all(len(g["record_ids"]) == 2 for g in groups)
        assert not their_ids & {i for g in groups for i in g["record_ids"]}


class TestLikelyDuplicatesOfANewRecord:
    async def test_an_account_with_a_known_domain_or_name_is_named_whoever_owns_it(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant, "rep")
        theirs = (
            await api.post(
                A,
                json={"name": "Acme Robotics", "domain": "acme.com"},
                headers=tenant.admin.headers,
            )
        ).json()
        mine = (await api.post(A, json={"name": "Globex"}, headers=rep.headers)).json()
        check = f"{A}/duplicates/check"

        by_domain = await api.post(
            check, json={"name": "Acme", "domain": "https://www.ACME.com"}, headers=rep.headers
        )
        assert by_domain.status_code == 200, by_domain.text
        assert by_domain.json()["items"] == [
            {
                "id": theirs["id"],
                "name": "Acme Robotics",
                "reason": "same domain",
                "owner_id": tenant.admin.user_id,
                "visible": False,
            }
        ]
        by_name = (await api.post(check, json={"name": " globex "}, headers=rep.headers)).json()
        assert [(i["id"], i["reason"], i["visible"]) for i in by_name["items"]] == [
            (mine["id"], "same name", True)
        ]
        nothing = await api.post(check, json={"name": "Initech"}, headers=rep.headers)
        assert nothing.json()["items"] == []

    async def test_a_contact_with_a_known_email_or_name(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        ada = (
            await api.post(
                "/api/v1/contacts",
                json={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.com"},
                headers=h,
            )
        ).json()
        check = "/api/v1/contacts/duplicates/check"
        same_email = await api.post(
            check, json={"last_name": "King", "email": "ADA@acme.com"}, headers=h
        )
        assert [(i["id"], i["name"], i["reason"]) for i in same_email.json()["items"]] == [
            (ada["id"], "Ada Lovelace", "same email")
        ]
        same_name = await api.post(
            check, json={"first_name": "ada", "last_name": "LOVELACE"}, headers=h
        )
        assert [i["reason"] for i in same_name.json()["items"]] == ["same name"]

    async def test_bad_input_names_the_field(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        r = await api.post(
            f"{A}/duplicates/check", json={"domain": "not a domain"}, headers=tenant.admin.headers
        )
        assert r.status_code == 422
        assert [d["field"] for d in r.json()["error"]["details"]] == ["body.domain"]

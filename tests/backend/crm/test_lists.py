"""What the desktop's lists ask of the server: the filter box (``q``), a list's count, its
last page (``end``), and "mine" (``owner_id:eq:me``)."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import crm
from tests.factories.auth import add_user, signup

A = "/api/v1/accounts"
C = "/api/v1/contacts"


def names(page: httpx.Response, key: str = "name") -> list[str]:
    assert page.status_code == 200, page.text
    return [item[key] for item in page.json()["items"]]


class TestTheFilterBox:
    async def test_contacts_match_by_whole_name_email_and_phone(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        await crm.contact(api, admin, "Gonzalez", first_name="Maria", email="mg@acme.com")
        await crm.contact(api, admin, "Mariani", first_name="Luca", phone="+39 06 555 0101")
        await crm.contact(api, admin, "Smith", first_name="John", email="js@maria-foods.it")
        await crm.contact(api, admin, "Doe", first_name="Jane", mobile="+1 555 0199")
        h = admin.headers

        assert names(
            await api.get(C, params={"q": "maria", "sort": "last_name"}, headers=h), "last_name"
        ) == [
            "Gonzalez",
            "Mariani",
            "Smith",
        ]
        assert names(await api.get(C, params={"q": "Maria Gonz"}, headers=h), "last_name") == [
            "Gonzalez"
        ]
        assert names(await api.get(C, params={"q": "555 0199"}, headers=h), "last_name") == ["Doe"]
        assert names(await api.get(C, params={"q": "06 555"}, headers=h), "last_name") == [
            "Mariani"
        ]

    async def test_accounts_match_by_name_domain_and_city(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        await crm.account(api, admin, "Acme", domain="acme.com", city="Lyon")
        await crm.account(api, admin, "Globex", domain="globex.fr", city="Paris")
        await crm.account(api, admin, "Lyondell", domain="lyondell.com", city="Houston")
        h = admin.headers
        assert names(await api.get(A, params={"q": "lyon"}, headers=h)) == ["Acme", "Lyondell"]
        assert names(await api.get(A, params={"q": ".fr"}, headers=h)) == ["Globex"]
        # The other filters still hold beside it; % and _ are plain characters.
        assert names(
            await api.get(A, params={"q": "lyon", "filter": "city:eq:houston"}, headers=h)
        ) == ["Lyondell"]
        assert names(await api.get(A, params={"q": "%"}, headers=h)) == []

    async def test_a_nul_in_the_filter_box_is_refused_naming_it(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        r = await api.get(A, params={"q": "a\x00b"}, headers=tenant.admin.headers)
        assert r.status_code == 422
        assert any("q" in d["field"] for d in r.json()["error"]["details"])


class TestCounts:
    async def test_a_short_list_is_counted_exactly_with_its_filters(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        for name, city in (("Acme", "Lyon"), ("Globex", "Paris"), ("Initech", "Lyon")):
            await crm.account(api, admin, name, city=city)
        h = admin.headers
        assert (await api.get(f"{A}/count", headers=h)).json() == {"count": 3, "exact": True}
        lyon = await api.get(f"{A}/count", params={"filter": "city:eq:lyon"}, headers=h)
        assert lyon.json() == {"count": 2, "exact": True}
        assert (await api.get(f"{A}/count", params={"q": "glob"}, headers=h)).json() == {
            "count": 1,
            "exact": True,
        }

    async def test_a_rep_counts_only_their_own(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant, "rep")
        await crm.account(api, tenant.admin, "Theirs")
        await crm.account(api, rep, "Mine")
        r = await api.get(f"{A}/count", headers=rep.headers)
        assert r.json() == {"count": 1, "exact": True}

    async def test_a_long_list_gets_an_estimate_said_to_be_one(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        customer = tenant.admin.customer_id
        async with owner_engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO crm.accounts (id, customer_id, name, owner_id, version) "
                    "SELECT gen_random_uuid(), CAST(:c AS uuid), 'Bulk ' || n, CAST(:o AS uuid), 1 "
                    "FROM generate_series(1, 10050) AS n"
                ),
                {"c": customer, "o": tenant.admin.user_id},
            )
            await conn.execute(text("ANALYZE crm.accounts"))
        r = await api.get(f"{A}/count", headers=tenant.admin.headers)
        body = r.json()
        assert body["exact"] is False
        assert body["count"] > 10_000


class TestTheEnd:
    async def test_end_gives_the_last_page_in_the_lists_order(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        for name, industry in (
            ("Acme", "Rockets"),
            ("Birch", None),
            ("Cobalt", "Mining"),
            ("Delta", None),
            ("Echo", "Audio"),
        ):
            await crm.account(api, admin, name, industry=industry)
        h = admin.headers
        by_name = await api.get(A, params={"end": "true", "limit": 2}, headers=h)
        assert names(by_name) == ["Delta", "Echo"]
        assert by_name.json()["next_cursor"] is None
        backwards = await api.get(A, params={"end": "true", "limit": 2, "sort": "-name"}, headers=h)
        assert names(backwards) == ["Birch", "Acme"]
        # Records without a value come last, as on the way forward.
        whole = names(await api.get(A, params={"sort": "industry", "limit": 10}, headers=h))
        tail = names(
            await api.get(A, params={"sort": "industry", "end": "true", "limit": 3}, headers=h)
        )
        assert tail == whole[-3:]
        assert set(whole[-2:]) == {"Birch", "Delta"}

    async def test_end_with_a_cursor_is_refused_naming_it(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        h = tenant.admin.headers
        for name in ("A1", "A2", "A3"):
            await crm.account(api, tenant.admin, name)
        first = (await api.get(A, params={"limit": 1}, headers=h)).json()
        r = await api.get(A, params={"end": "true", "cursor": first["next_cursor"]}, headers=h)
        assert r.status_code == 422
        assert [d["field"] for d in r.json()["error"]["details"]] == ["query.end"]


class TestMine:
    async def test_owner_me_is_whoever_asks(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        manager = await add_user(api, tenant, "manager")
        rep = await add_user(api, tenant, "rep", manager_id=manager.user_id)
        await crm.account(api, manager, "Managers")
        await crm.account(api, rep, "Reps")
        mine = {"filter": "owner_id:eq:me"}
        assert names(await api.get(A, params=mine, headers=manager.headers)) == ["Managers"]
        assert names(await api.get(A, params=mine, headers=rep.headers)) == ["Reps"]
        others = {"filter": "owner_id:ne:me"}
        assert names(await api.get(A, params=others, headers=manager.headers)) == ["Reps"]


OPP = "/api/v1/opportunities"


class TestTheDealsList:
    """What the desktop's deals list asks of the server for opportunities."""

    async def test_the_filter_box_matches_the_deal_name(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        for name in ("Acme — 200 seats", "Globex renewal", "Initech pilot"):
            await crm.opportunity(api, admin, name)
        h = admin.headers
        assert names(await api.get(OPP, params={"q": "seats"}, headers=h)) == ["Acme — 200 seats"]
        assert names(await api.get(OPP, params={"q": "RENEW"}, headers=h)) == ["Globex renewal"]
        counted = await api.get(f"{OPP}/count", params={"q": "e"}, headers=h)
        assert counted.json() == {"count": 3, "exact": True}

    async def test_many_deals_are_reassigned_restaged_and_deleted_at_once(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        rep = await add_user(api, tenant, "rep")
        deals = [await crm.opportunity(api, admin, f"Deal {n}") for n in range(3)]
        ids = [deal["id"] for deal in deals[:2]]
        pipeline = (await api.get("/api/v1/pipelines", headers=admin.headers)).json()["items"][0]
        won = next(s for s in pipeline["stages"] if s["outcome"] == "won")
        h = admin.headers

        r = await api.post(
            f"{OPP}/bulk-update",
            json={"ids": ids, "changes": {"owner_id": rep.user_id, "stage_id": won["id"]}},
            headers=h,
        )
        assert r.json() == {"count": 2}
        for deal_id in ids:
            deal = (await api.get(f"{OPP}/{deal_id}", headers=h)).json()
            assert (deal["owner_id"], deal["stage_id"], deal["status"]) == (
                rep.user_id, won["id"], "won"
            )  # fmt: skip
        mine = await api.get(OPP, params={"filter": "owner_id:eq:me"}, headers=rep.headers)
        assert sorted(names(mine)) == ["Deal 0", "Deal 1"]

        r = await api.post(f"{OPP}/bulk-delete", json={"ids": ids}, headers=h)
        assert r.json() == {"count": 2}
        assert names(await api.get(OPP, headers=h)) == ["Deal 2"]
        for deal_id in ids:
            assert (await api.post(f"{OPP}/{deal_id}/restore", headers=h)).status_code == 200
        assert sorted(names(await api.get(OPP, headers=h))) == ["Deal 0", "Deal 1", "Deal 2"]

    async def test_the_export_takes_the_deals_of_the_list(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        for name, amount in (("Small", "10.00"), ("Big", "9000.00"), ("Other", "5.00")):
            await crm.opportunity(api, admin, name, amount=amount)
        r = await api.get(
            "/api/v1/exports/opportunity.csv",
            params={"q": "i", "sort": "-amount"},
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
        lines = r.text.lstrip("\ufeff").splitlines()  # a BOM, for spreadsheets
        assert lines[0].startswith("id,name,")
        assert [line.split(",")[1] for line in lines[1:]] == ["Big"]  # "Small" has no i
        r = await api.get(
            "/api/v1/exports/opportunity.csv", params={"sort": "-amount"}, headers=admin.headers
        )
        assert [line.split(",")[1] for line in r.text.splitlines()[1:]] == ["Big", "Small", "Other"]

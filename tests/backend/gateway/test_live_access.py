"""The live stream tells each user only what they may read, and ends with their session."""

from __future__ import annotations

import asyncio

import httpx

from tests.backend.gateway.live_support import LiveReader
from tests.factories import crm
from tests.factories.auth import add_user, login, signup

A = crm.ACCOUNTS


async def test_each_user_hears_only_of_records_they_may_read(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:
        tenant = await signup(client, "Reach")
        admin = tenant.admin
        manager = await add_user(client, tenant, "manager")
        mine = await add_user(client, tenant, "rep", manager_id=manager.user_id)
        other = await add_user(client, tenant, "rep")
        async with (
            LiveReader(client, admin.access_token) as sees_all,
            LiveReader(client, manager.access_token) as sees_team,
            LiveReader(client, mine.access_token) as sees_mine,
            LiveReader(client, other.access_token) as sees_other,
        ):
            a1 = await crm.account(client, mine, "Mine")
            a2 = await crm.account(client, other, "Other's")
            a3 = await crm.account(client, admin, "Admin's")
            for record in (a1, a2, a3):  # the admin reads everything
                await sees_all.wait_for_id(record["id"])
            # Every stream of the tenant was offered each change in that same step, so
            # a change each makes now arrives after anything wrongly sent to it.
            markers = {
                sees_team: await crm.account(client, manager, "M marker"),
                sees_mine: await crm.account(client, mine, "R1 marker"),
                sees_other: await crm.account(client, other, "R2 marker"),
            }
            for reader, marker in markers.items():
                await reader.wait_for_id(marker["id"])
            assert a1["id"] in sees_team.ids()  # a manager reads the team's
            assert {a2["id"], a3["id"]}.isdisjoint(sees_team.ids())
            assert a1["id"] in sees_mine.ids()
            assert {a2["id"], a3["id"]}.isdisjoint(sees_mine.ids())
            assert a2["id"] in sees_other.ids()
            assert {a1["id"], a3["id"], markers[sees_mine]["id"]}.isdisjoint(sees_other.ids())

            # A record given to someone else: the old owner sees it leave, the new one arrive.
            moved = await client.patch(
                f"{A}/{a1['id']}", json={"owner_id": other.user_id}, headers=admin.headers
            )
            assert moved.status_code == 200, moved.text
            version = moved.json()["version"]

            def updated(reader: LiveReader) -> bool:
                return any(c["id"] == a1["id"] and c["version"] == version for c in reader.changes)

            for reader in (sees_mine, sees_other, sees_team, sees_all):
                for _ in range(500):
                    if updated(reader):
                        break
                    await asyncio.sleep(0.02)
                assert updated(reader)


async def test_a_stream_ends_with_its_session(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:
        tenant = await signup(client, "Ends")
        admin = tenant.admin
        leaving = await add_user(client, tenant, "rep")
        fired = await add_user(client, tenant, "rep")
        changing = await add_user(client, tenant, "rep")
        elsewhere = await login(client, changing.user["email"])  # type: ignore[arg-type]
        async with (
            LiveReader(client, leaving.access_token) as signs_out,
            LiveReader(client, fired.access_token) as deactivated,
            LiveReader(client, changing.access_token) as other_device,
            LiveReader(client, admin.access_token) as stays,
        ):
            r = await client.post("/api/v1/auth/logout", headers=leaving.headers)
            assert r.status_code == 204
            r = await client.post(
                f"/api/v1/users/{fired.user_id}/deactivate", headers=admin.headers
            )
            assert r.status_code == 200, r.text
            r = await client.post(
                "/api/v1/auth/password",
                json={
                    "current_password": changing.password,
                    "new_password": "a much newer secret phrase",
                },
                headers=elsewhere.headers,
            )
            assert r.status_code == 204, r.text
            for reader in (signs_out, deactivated, other_device):
                await asyncio.wait_for(reader.closed.wait(), 10)
                assert reader.ended_with == "ended"
            assert not stays.closed.is_set()
            still = await crm.account(client, admin, "Still here")
            await stays.wait_for_id(still["id"])

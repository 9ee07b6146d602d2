"""Users administration and role-based access."""

from __future__ import annotations

import uuid

import httpx

from tests.factories.auth import PASSWORD, add_user, signup, unique_email


class TestRbac:
    async def test_rep_and_manager_cannot_manage_users(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        for role in ("rep", "manager"):
            member = await add_user(api, tenant, role)
            r = await api.post(
                "/api/v1/users",
                json={"email": unique_email(), "name": "N", "role": "rep", "password": PASSWORD},
                headers=member.headers,
            )
            assert r.status_code == 403
            err = r.json()["error"]
            assert err["code"] == "forbidden"
            assert f"({role})" in err["message"]
            r = await api.post(
                f"/api/v1/users/{tenant.admin.user_id}/deactivate", headers=member.headers
            )
            assert r.status_code == 403

    async def test_everyone_sees_their_colleagues(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant)
        r = await api.get("/api/v1/users", headers=rep.headers)
        assert r.status_code == 200
        assert {u["id"] for u in r.json()["items"]} == {tenant.admin.user_id, rep.user_id}


class TestAdministration:
    async def test_admin_creates_edits_and_deactivates(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        manager = await add_user(api, tenant, "manager")
        rep = await add_user(api, tenant, "rep", manager_id=manager.user_id)
        assert rep.user["manager_id"] == manager.user_id
        r = await api.patch(
            f"/api/v1/users/{rep.user_id}",
            json={"name": "Renamed", "role": "manager"},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 200
        assert (r.json()["name"], r.json()["role"]) == ("Renamed", "manager")
        # The role travels in the token: a role change ends the user's sessions at once.
        assert (await api.get("/api/v1/auth/me", headers=rep.headers)).status_code == 401
        assert (await api.get("/api/v1/auth/me", headers=manager.headers)).status_code == 200

    async def test_the_last_admin_cannot_be_demoted_or_deactivated(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        me = tenant.admin.user_id
        r = await api.patch(
            f"/api/v1/users/{me}", json={"role": "rep"}, headers=tenant.admin.headers
        )
        assert r.status_code == 409
        r = await api.post(f"/api/v1/users/{me}/deactivate", headers=tenant.admin.headers)
        assert r.status_code == 409

    async def test_bad_input_names_the_field(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        r = await api.post(
            "/api/v1/users",
            json={"email": unique_email(), "name": "N", "role": "emperor", "password": PASSWORD},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.role"
        r = await api.post(
            "/api/v1/users",
            json={
                "email": unique_email(),
                "name": "N",
                "password": PASSWORD,
                "manager_id": str(uuid.uuid4()),
            },
            headers=tenant.admin.headers,
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.manager_id"
        r = await api.patch(
            f"/api/v1/users/{tenant.admin.user_id}", json={"name": ""}, headers=tenant.admin.headers
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.name"

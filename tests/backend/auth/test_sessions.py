"""Refresh rotation and reuse, logout, password change, the sessions list."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories.auth import PASSWORD, login, signup


async def _refresh(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post("/api/v1/auth/refresh", json={"refresh_token": token})


class TestRotation:
    async def test_refresh_returns_new_tokens_and_spends_the_old_one(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        r = await _refresh(api, tenant.admin.refresh_token)
        assert r.status_code == 200
        fresh = r.json()
        assert fresh["refresh_token"] != tenant.admin.refresh_token
        assert set(fresh) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
        me = await api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
        assert me.status_code == 200
        assert (await _refresh(api, fresh["refresh_token"])).status_code == 200

    async def test_reuse_within_the_grace_window_is_refused_without_revoking(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        fresh = (await _refresh(api, tenant.admin.refresh_token)).json()
        again = await _refresh(api, tenant.admin.refresh_token)
        assert again.status_code == 401
        assert "just used" in again.json()["error"]["message"]
        assert (await _refresh(api, fresh["refresh_token"])).status_code == 200

    async def test_reuse_after_the_grace_window_revokes_the_whole_family(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        fresh = (await _refresh(api, tenant.admin.refresh_token)).json()
        async with owner_engine.begin() as conn:  # the first token was spent 11 s ago
            await conn.execute(
                text(
                    "UPDATE auth.refresh_tokens SET used_at = now() - interval '11 s' WHERE used_at IS NOT NULL "
                    "AND session_id = (SELECT session_id FROM auth.refresh_tokens WHERE used_at IS NOT NULL "
                    "ORDER BY used_at DESC LIMIT 1)"
                )
            )
        stolen = await _refresh(api, tenant.admin.refresh_token)
        assert stolen.status_code == 401
        assert "already used" in stolen.json()["error"]["message"]
        # The thief's reuse ended the family: the legitimate newer tokens die too.
        assert (await _refresh(api, fresh["refresh_token"])).status_code == 401
        me = await api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
        assert me.status_code == 401

    async def test_absolute_expiry_after_seven_days(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        async with owner_engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE auth.sessions SET expires_at = now() - interval '1 s' WHERE user_id = :u"
                ),
                {"u": tenant.admin.user_id},
            )
        assert (await _refresh(api, tenant.admin.refresh_token)).status_code == 401

    async def test_unknown_token_is_refused(self, api: httpx.AsyncClient) -> None:
        r = await _refresh(api, "A" * 43)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_refresh_token"

    async def test_only_a_hash_is_stored(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        async with owner_engine.connect() as conn:
            hits = await conn.scalar(
                text("SELECT count(*) FROM auth.refresh_tokens WHERE token_hash = :t"),
                {"t": tenant.admin.refresh_token},
            )
        assert hits == 0


class TestEndingSessions:
    async def test_logout_ends_the_session_for_access_and_refresh(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        assert (
            await api.post("/api/v1/auth/logout", headers=tenant.admin.headers)
        ).status_code == 204
        assert (await api.get("/api/v1/auth/me", headers=tenant.admin.headers)).status_code == 401
        assert (await _refresh(api, tenant.admin.refresh_token)).status_code == 401

    async def test_password_change_ends_every_other_session(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        other = await login(api, str(tenant.admin.user["email"]))
        r = await api.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "an-even-better-secret"},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 204
        assert (await api.get("/api/v1/auth/me", headers=other.headers)).status_code == 401
        assert (await _refresh(api, other.refresh_token)).status_code == 401
        assert (await api.get("/api/v1/auth/me", headers=tenant.admin.headers)).status_code == 200
        await login(api, str(tenant.admin.user["email"]), "an-even-better-secret")

    async def test_password_change_checks_the_current_one(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        r = await api.post(
            "/api/v1/auth/password",
            json={"current_password": "not-it-at-all", "new_password": "an-even-better-secret"},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "body.current_password"

    async def test_list_end_one_and_end_others(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        email = str(tenant.admin.user["email"])
        second, third = await login(api, email), await login(api, email)
        r = await api.get("/api/v1/auth/sessions", headers=tenant.admin.headers)
        items = r.json()["items"]
        assert len(items) == 3
        assert [i["current"] for i in items].count(True) == 1
        sid2 = next(i["id"] for i in items if not i["current"])
        assert (
            await api.delete(f"/api/v1/auth/sessions/{sid2}", headers=tenant.admin.headers)
        ).status_code == 204
        assert (
            len(
                (await api.get("/api/v1/auth/sessions", headers=tenant.admin.headers)).json()[
                    "items"
                ]
            )
            == 2
        )
        r = await api.post("/api/v1/auth/sessions/end-others", headers=tenant.admin.headers)
        assert r.json() == {"ended": 1}
        assert (await api.get("/api/v1/auth/me", headers=second.headers)).status_code == 401
        assert (await api.get("/api/v1/auth/me", headers=third.headers)).status_code == 401
        assert (await api.get("/api/v1/auth/me", headers=tenant.admin.headers)).status_code == 200

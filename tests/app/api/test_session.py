"""Signing in and keeping the session fresh, against the real solo backend over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.errors import ApiError, SessionEndedError
from app.errors import ErrorKind, describe_error
from backend.auth.demo import DEMO_PASSWORD
from tests.app.support import (
    DEMO_ADMIN,
    DEMO_REP,
    STRONG_PASSWORD,
    SoloServer,
    session_id_of,
)


@pytest.fixture
async def client(solo_server: SoloServer) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(solo_server.url) as client:
        yield client


class TestSignIn:
    async def test_tokens_and_user_come_back(self, client: GatewayClient) -> None:
        session = await AuthApi(client).sign_in(DEMO_ADMIN, DEMO_PASSWORD)
        assert client.session is session
        assert session.user.email == DEMO_ADMIN
        assert session.user.is_admin
        assert session.user.role_label == "Admin"
        assert not session.stale()
        me = await AuthApi(client).me()
        assert me.id == session.user.id

    async def test_the_device_names_itself(self, client: GatewayClient) -> None:
        await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)
        mine = [s for s in await AuthApi(client).device_sessions() if s.current]
        assert len(mine) == 1
        assert mine[0].user_agent.startswith("SalesOS Desktop/0.1.0 (")

    async def test_wrong_password_is_invalid_credentials(self, client: GatewayClient) -> None:
        with pytest.raises(ApiError) as caught:
            await AuthApi(client).sign_in(DEMO_REP, "not-it-at-all")
        assert (caught.value.status_code, caught.value.code) == (401, "invalid_credentials")
        assert client.session is None
        assert describe_error(caught.value).title == "The password is not correct for this email."

    async def test_locked_account_carries_retry_after(
        self, client: GatewayClient, solo_server: SoloServer
    ) -> None:
        email = solo_server.create_user()["email"]
        for _ in range(4):
            with pytest.raises(ApiError):
                await AuthApi(client).sign_in(email, "wrong-password-1")
        with pytest.raises(ApiError) as caught:
            await AuthApi(client).sign_in(email, STRONG_PASSWORD)
        error = caught.value
        assert (error.status_code, error.code) == (429, "account_locked")
        assert error.retry_after is not None
        assert error.retry_after >= 1
        message = describe_error(error)
        assert message.retry_after == error.retry_after
        assert message.title.startswith("Too many failed sign-ins. Try again in ")

    async def test_resume_with_a_saved_refresh_token(
        self, client: GatewayClient, solo_server: SoloServer
    ) -> None:
        saved = (await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)).refresh_token
        async with GatewayClient(solo_server.url) as later:
            session = await AuthApi(later).resume(saved)
            assert session.user.email == DEMO_REP
            assert session.refresh_token != saved
            assert (await AuthApi(later).me()).email == DEMO_REP


class TestRefresh:
    async def test_concurrent_calls_share_one_refresh(
        self, client: GatewayClient, solo_server: SoloServer
    ) -> None:
        session = await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)
        old_refresh = session.refresh_token
        session._access_token = solo_server.expired_access_token(session.access_token)

        users = await asyncio.gather(*(AuthApi(client).me() for _ in range(5)))

        assert {user.email for user in users} == {DEMO_REP}
        assert session.refreshes == 1  # five 401s, one refresh
        assert session.refresh_token != old_refresh
        assert not session.ended

    async def test_a_token_known_to_be_stale_is_refreshed_before_the_call(
        self, client: GatewayClient
    ) -> None:
        session = await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)
        session._expires_at = 0.0  # as after the machine slept
        assert session.stale()
        await AuthApi(client).me()
        assert session.refreshes == 1
        assert not session.stale()

    async def test_scheduled_refresh_rotates_by_itself(self, client: GatewayClient) -> None:
        session = await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)
        rotated: list[str] = []
        session.on_rotated(rotated.append)
        session.schedule_refresh(0.01)
        for _ in range(200):
            if rotated:
                break
            await asyncio.sleep(0.02)
        assert rotated == [session.refresh_token]
        assert session.refreshes == 1

    async def test_a_session_ended_elsewhere_ends_here_once(
        self, client: GatewayClient, solo_server: SoloServer
    ) -> None:
        user = solo_server.create_user()
        session = await AuthApi(client).sign_in(user["email"], STRONG_PASSWORD)
        reasons: list[str] = []
        session.on_ended(reasons.append)
        other = solo_server.login(user["email"], STRONG_PASSWORD)["access_token"]
        mine = session_id_of(session.access_token)
        assert solo_server.call("DELETE", f"/api/v1/auth/sessions/{mine}", other).status_code == 204

        with pytest.raises(SessionEndedError):
            await AuthApi(client).me()
        assert session.ended
        assert reasons == ["Your session has ended; please sign in again."]
        with pytest.raises(SessionEndedError):  # no second round trip, no second notice
            await AuthApi(client).device_sessions()
        assert len(reasons) == 1
        message = describe_error(SessionEndedError(reasons[0]))
        assert message.kind is ErrorKind.SIGNED_OUT


class TestSignOut:
    async def test_sign_out_ends_the_session_on_the_server(
        self, client: GatewayClient, solo_server: SoloServer
    ) -> None:
        session = await AuthApi(client).sign_in(DEMO_REP, DEMO_PASSWORD)
        refresh_token = session.refresh_token
        await AuthApi(client).sign_out()
        assert client.session is None
        assert session.ended
        assert solo_server.refresh_status(refresh_token) == 401
        with pytest.raises(SessionEndedError):
            await AuthApi(client).me()

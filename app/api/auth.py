"""Signing in and one's own account (``/auth``): sign-in, refresh, sign-out, who I am, my
password, my signed-in devices.

Sign-in and refresh go out without a token (:meth:`GatewayClient.public`); the
answer starts the client's session, which refreshes itself through
:meth:`AuthApi.exchange` from then on.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.api.client import GatewayClient, read
from app.api.errors import SessionEndedError
from app.api.session import AuthSession, TokenGrant, User


class DeviceSession(BaseModel):
    """One signed-in device of the user (a refresh-token family on the server).

    Attributes:
        id: The session's id (to end it).
        created_at: When the user signed in there.
        last_used_at: When that device last refreshed its tokens.
        expires_at: When it ends by itself.
        user_agent: What the device called itself.
        ip: The address it signed in from.
        current: Whether it is the session making this request.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str = ""
    ip: str = ""
    current: bool = False


class DeviceSessionList(BaseModel):
    """``GET /auth/sessions``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[DeviceSession]


class EndedSessions(BaseModel):
    """``POST /auth/sessions/end-others``: how many sessions ended."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    ended: int


class AuthApi:
    """The sign-in and my-account calls.

    Args:
        client: The client of the server (signed in, except for :meth:`sign_in` and
            :meth:`resume`).
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    # ------------------------------------------------------------------ signing in

    async def sign_in(self, email: str, password: str) -> AuthSession:
        """Sign in with email and password; the client's later calls use the new session.

        Raises:
            ApiError: ``invalid_credentials`` (401), ``account_locked`` or
                ``too_many_attempts`` (429, with :attr:`ApiError.retry_after`),
                ``validation_error`` (422, with field errors).
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._client.public(
            "POST", "/api/v1/auth/login", json={"email": email, "password": password}
        )
        return self._client.start_session(read(response, TokenGrant), self.exchange)

    async def resume(self, refresh_token: str) -> AuthSession:
        """Sign in with a saved refresh token (it is spent; keep the session's new one).

        Raises:
            ApiError: ``invalid_refresh_token`` (401) when the saved sign-in is over.
            httpx.TransportError: The server cannot be reached.
        """
        return self._client.start_session(await self.exchange(refresh_token), self.exchange)

    async def exchange(self, refresh_token: str) -> TokenGrant:
        """Trade a refresh token for new tokens (``POST /auth/refresh``); the session
        does this by itself when its access token gets old.

        Raises:
            ApiError: ``invalid_refresh_token`` (401): spent, revoked or expired.
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._client.public(
            "POST", "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
        )
        return read(response, TokenGrant)

    async def sign_out(self) -> None:
        """End the session on the server and forget it here.

        The session is forgotten even when the server cannot be told; one that had
        already ended is simply forgotten.

        Raises:
            httpx.TransportError: The server could not be told.
            ApiError: The server refused.
        """
        session = self._client.session
        if session is None:
            return
        try:
            if not session.ended:
                await self._client.call("POST", "/api/v1/auth/logout", status=204)
        except SessionEndedError:
            pass  # over already: nothing to end on the server
        finally:
            if self._client.session is session:
                self._client.forget_session()

    # ------------------------------------------------------------------ my account

    async def me(self) -> User:
        """Who I am, as the server knows it now."""
        return await self._client.call_json("GET", "/api/v1/auth/me", User)

    async def change_password(self, current_password: str, new_password: str) -> None:
        """Change my password; the server ends my other sessions.

        Raises:
            ApiError: ``validation_error`` naming ``current_password`` (wrong) or
                ``new_password`` (too short, too common).
        """
        await self._client.call(
            "POST",
            "/api/v1/auth/password",
            json={"current_password": current_password, "new_password": new_password},
            status=204,
        )

    async def device_sessions(self) -> list[DeviceSession]:
        """The devices where I am signed in (this one is marked ``current``)."""
        answer = await self._client.call_json("GET", "/api/v1/auth/sessions", DeviceSessionList)
        return answer.items

    async def end_device_session(self, session_id: str) -> None:
        """Sign one of my devices out."""
        await self._client.call("DELETE", f"/api/v1/auth/sessions/{session_id}", status=204)

    async def end_other_device_sessions(self) -> int:
        """Sign out every device but this one; returns how many were signed out."""
        answer = await self._client.call_json(
            "POST", "/api/v1/auth/sessions/end-others", EndedSessions
        )
        return answer.ended

"""The typed async client of the SalesOS gateway.

One client per server; it owns an ``httpx.AsyncClient`` (a connection pool), so
close it with :meth:`GatewayClient.aclose` or ``async with``. After
:meth:`GatewayClient.sign_in` (or :meth:`GatewayClient.resume`) it carries an
:class:`~app.api.session.AuthSession` and sends its access token with every call;
a call answered 401 refreshes the tokens once (shared with concurrent calls) and
is sent again.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from app.api.errors import ApiError, SessionEndedError, UnexpectedResponseError
from app.api.models import (
    AccountPage,
    ContactPage,
    DeviceSession,
    DeviceSessionList,
    EndedSessions,
    Health,
    OpportunityPage,
    TokenGrant,
    User,
    UserPage,
)
from app.api.session import AuthSession

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Generous enough for a busy laptop, short enough that the UI says something."""

USERS_PAGE_SIZE = 200
"""The most users ``GET /users`` returns at once."""

RECORDS_PAGE_SIZE = 50
"""How many CRM records (accounts, contacts, opportunities) a list asks for at once."""

M = TypeVar("M", bound=BaseModel)

_UNSET: Any = object()


def desktop_user_agent() -> str:
    """``SalesOS Desktop/0.1.0 (Linux; host-name)``: how the Sessions page names this device."""
    try:
        version = importlib.metadata.version("salesos")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    system = {"Darwin": "macOS"}.get(platform.system(), platform.system() or "Unknown")
    host = socket.gethostname() or "unknown host"
    text = f"SalesOS Desktop/{version} ({system}; {host})"
    return text.encode("ascii", "replace").decode("ascii")  # header values are Latin-1


class GatewayClient:
    """Talks to the gateway of a solo backend or of a team server.

    Args:
        base_url: ``http://127.0.0.1:PORT`` (solo) or the team server's URL.
        timeout: Per-request timeout.
        transport: An httpx transport to use instead of the network (tests).
        user_agent: How this device names itself (the Sessions page shows it).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._session: AuthSession | None = None
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Accept": "application/json",
                "User-Agent": user_agent or desktop_user_agent(),
            },
        )

    @property
    def base_url(self) -> str:
        """The gateway's URL, without a trailing slash."""
        return self._base_url

    @property
    def session(self) -> AuthSession | None:
        """The sign-in in use, if any."""
        return self._session

    # ------------------------------------------------------------------ signing in

    async def sign_in(self, email: str, password: str) -> AuthSession:
        """Sign in with email and password; later calls use the new session.

        Raises:
            ApiError: ``invalid_credentials`` (401), ``account_locked`` or
                ``too_many_attempts`` (429, with :attr:`ApiError.retry_after`),
                ``validation_error`` (422, with field errors).
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._http.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        return self._start_session(_read(response, TokenGrant))

    async def resume(self, refresh_token: str) -> AuthSession:
        """Sign in with a saved refresh token (it is spent; keep the session's new one).

        Raises:
            ApiError: ``invalid_refresh_token`` (401) when the saved sign-in is over.
            httpx.TransportError: The server cannot be reached.
        """
        return self._start_session(await self._exchange(refresh_token))

    async def sign_out(self) -> None:
        """End the session on the server and forget it here.

        The session is forgotten even when the server cannot be told; one that had
        already ended is simply forgotten.

        Raises:
            httpx.TransportError: The server could not be told.
            ApiError: The server refused.
        """
        session = self._session
        if session is None:
            return
        try:
            if not session.ended:
                _expect(await self._call("POST", "/api/v1/auth/logout"), 204)
        except SessionEndedError:
            pass  # over already: nothing to end on the server
        finally:
            if self._session is session:
                self.forget_session()

    def forget_session(self) -> None:
        """Drop the session here without telling the server (it stays valid there)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _start_session(self, grant: TokenGrant) -> AuthSession:
        self.forget_session()
        self._session = AuthSession(grant, self._exchange)
        return self._session

    async def _exchange(self, refresh_token: str) -> TokenGrant:
        response = await self._http.post(
            "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
        )
        return _read(response, TokenGrant)

    # ------------------------------------------------------------------ my account

    async def me(self) -> User:
        """Who I am, as the server knows it now."""
        return _read(await self._call("GET", "/api/v1/auth/me"), User)

    async def change_password(self, current_password: str, new_password: str) -> None:
        """Change my password; the server ends my other sessions.

        Raises:
            ApiError: ``validation_error`` naming ``current_password`` (wrong) or
                ``new_password`` (too short, too common).
        """
        response = await self._call(
            "POST",
            "/api/v1/auth/password",
            json={"current_password": current_password, "new_password": new_password},
        )
        _expect(response, 204)

    async def device_sessions(self) -> list[DeviceSession]:
        """The devices where I am signed in (this one is marked ``current``)."""
        return _read(await self._call("GET", "/api/v1/auth/sessions"), DeviceSessionList).items

    async def end_device_session(self, session_id: str) -> None:
        """Sign one of my devices out."""
        _expect(await self._call("DELETE", f"/api/v1/auth/sessions/{session_id}"), 204)

    async def end_other_device_sessions(self) -> int:
        """Sign out every device but this one; returns how many were signed out."""
        response = await self._call("POST", "/api/v1/auth/sessions/end-others")
        return _read(response, EndedSessions).ended

    # ------------------------------------------------------------------ users

    async def users(self, cursor: str | None = None, limit: int = USERS_PAGE_SIZE) -> UserPage:
        """One page of the company's users, by email."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return _read(await self._call("GET", "/api/v1/users", params=params), UserPage)

    async def create_user(
        self, *, email: str, name: str, role: str, password: str, manager_id: str | None = None
    ) -> User:
        """Add a user (admins only).

        Raises:
            ApiError: ``validation_error`` naming ``email``, ``password``, ``role`` or
                ``manager_id``; ``email_taken`` (409); ``forbidden`` (403).
        """
        body: dict[str, Any] = {"email": email, "name": name, "role": role, "password": password}
        if manager_id:
            body["manager_id"] = manager_id
        return _read(await self._call("POST", "/api/v1/users", json=body), User, 201)

    async def update_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        role: str | None = None,
        manager_id: str | None = _UNSET,
    ) -> User:
        """Rename, change the role or the manager of a user (admins only).

        Args:
            user_id: Whom to change.
            name: The new name, or ``None`` to keep it.
            role: The new role, or ``None`` to keep it.
            manager_id: The new manager's id, ``None`` for no manager; leave it out
                to keep the manager.

        Raises:
            ApiError: ``conflict`` (409) when it would leave the company without an
                admin; ``validation_error``; ``forbidden`` (403).
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if role is not None:
            body["role"] = role
        if manager_id is not _UNSET:
            body["manager_id"] = manager_id
        return _read(await self._call("PATCH", f"/api/v1/users/{user_id}", json=body), User)

    async def deactivate_user(self, user_id: str) -> User:
        """Deactivate a user: they are signed out everywhere and cannot sign in."""
        return _read(await self._call("POST", f"/api/v1/users/{user_id}/deactivate"), User)

    # ------------------------------------------------------------------ CRM records

    async def accounts(
        self,
        *,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Sequence[str] = (),
        limit: int = RECORDS_PAGE_SIZE,
    ) -> AccountPage:
        """One page of accounts, sorted and filtered by the server.

        Args:
            cursor: The ``next_cursor`` of the page before; ``None`` for the first.
            sort: A field, ``-field`` for descending (``"name"``, ``"-updated_at"``).
            filters: ``field:op:value`` conditions, all of which must hold.
            limit: At most this many accounts.

        Raises:
            ApiError: ``validation_error`` (422) naming a bad filter or sort.
        """
        return await self._records("/api/v1/accounts", AccountPage, cursor, sort, filters, limit)

    async def contacts(
        self,
        *,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Sequence[str] = (),
        limit: int = RECORDS_PAGE_SIZE,
    ) -> ContactPage:
        """One page of contacts (arguments as for :meth:`accounts`)."""
        return await self._records("/api/v1/contacts", ContactPage, cursor, sort, filters, limit)

    async def opportunities(
        self,
        *,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Sequence[str] = (),
        limit: int = RECORDS_PAGE_SIZE,
    ) -> OpportunityPage:
        """One page of opportunities (arguments as for :meth:`accounts`)."""
        return await self._records(
            "/api/v1/opportunities", OpportunityPage, cursor, sort, filters, limit
        )

    async def _records(
        self,
        path: str,
        model: type[M],
        cursor: str | None,
        sort: str | None,
        filters: Sequence[str],
        limit: int,
    ) -> M:
        query = list_params(cursor, sort, filters, limit)
        return _read(await self._call("GET", path, params=query), model)

    # ------------------------------------------------------------------ the call

    async def call_json(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        json: Any = None,
        params: Mapping[str, str | int] | httpx.QueryParams | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> M:
        """An authenticated call whose ``status`` answer is read as ``model``.

        The building block of the per-area modules of :mod:`app.api`
        (``app.api.records``, ``app.api.pipelines``, ...).

        Raises:
            ApiError: The server answered another status (its error body read).
            UnexpectedResponseError: The body is not a ``model``.
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._call(method, path, json=json, params=params, headers=headers)
        return _read(response, model, status)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | httpx.QueryParams | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """An authenticated call expected to answer ``status``; the raw response
        (for bodies that are not JSON models: CSV downloads, 204s, ``ETag``).

        Raises:
            ApiError: The server answered another status.
        """
        response = await self._call(
            method, path, json=json, params=params, headers=headers, files=files
        )
        _expect(response, status)
        return response

    @contextlib.asynccontextmanager
    async def stream(self, path: str) -> AsyncIterator[httpx.Response]:
        """An authenticated streaming ``GET`` (Server-Sent Events): the response, open
        until the server ends it or the caller leaves the ``async with``.

        Raises:
            ApiError: The server refused the stream (a 401 refreshes the tokens
                first, so the next attempt goes out with fresh ones).
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        session = self._session
        if session is None:
            raise SessionEndedError("You are not signed in.")
        if session.stale():
            await session.refresh()
        token = session.access_token
        timeout = httpx.Timeout(10.0, read=None)  # a quiet stream is not a dead one
        async with self._http.stream(
            "GET",
            path,
            headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
            timeout=timeout,
        ) as response:
            if response.status_code != 200:
                await response.aread()
                if response.status_code == 401:
                    await session.refresh_after_rejection(token)
                raise _api_error(response)
            yield response

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | httpx.QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """An authenticated call: refresh first when the token is stale, and once
        more (then retry) when the server answers 401.

        Raises:
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        session = self._session
        if session is None:
            raise SessionEndedError("You are not signed in.")
        if session.stale():
            await session.refresh()
        token = session.access_token
        extra = dict(headers or {})
        response = await self._http.request(
            method,
            path,
            json=json,
            params=params,
            files=files,
            headers={**extra, "Authorization": f"Bearer {token}"},
        )
        if response.status_code != 401:
            return response
        await response.aclose()
        await session.refresh_after_rejection(token)
        return await self._http.request(
            method,
            path,
            json=json,
            params=params,
            files=files,
            headers={**extra, "Authorization": session.authorization()},
        )

    async def health(self) -> Health:
        """The health of the whole backend.

        A degraded backend answers 503 with the same body as a healthy one, so
        both come back as a :class:`Health`; only a missing or unreadable answer
        raises.

        Returns:
            The database, broker and per-service health.

        Raises:
            httpx.TransportError: The server cannot be reached or did not answer in time.
            ApiError: Any other error status.
            UnexpectedResponseError: The answer is not a health report.
        """
        response = await self._http.get("/health")
        if response.status_code in (200, 503):
            try:
                return Health.model_validate_json(response.content)
            except ValidationError as exc:
                if response.status_code == 200:
                    raise UnexpectedResponseError(
                        str(response.url), response.status_code, _first_problem(exc)
                    ) from exc
        raise _api_error(response)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def list_params(
    cursor: str | None, sort: str | None, filters: Sequence[str], limit: int
) -> httpx.QueryParams:
    """The query of a record list (``filter`` repeats)."""
    params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
    if cursor:
        params.append(("cursor", cursor))
    if sort:
        params.append(("sort", sort))
    params.extend(("filter", condition) for condition in filters)
    return httpx.QueryParams(params)


def etag_of(version: int) -> str:
    """The ``If-Match`` value naming a record's ``version`` (the server's ETag)."""
    return f'"{version}"'


def _read(response: httpx.Response, model: type[M], status: int = 200) -> M:
    """The body of a ``status`` answer as ``model``; an error answer raises.

    Raises:
        ApiError: The server answered another status.
        UnexpectedResponseError: The body is not a ``model``.
    """
    if response.status_code != status:
        raise _api_error(response)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise UnexpectedResponseError(
            str(response.url), response.status_code, _first_problem(exc)
        ) from exc


def _expect(response: httpx.Response, status: int) -> None:
    """Raises :class:`ApiError` unless the server answered ``status``."""
    if response.status_code != status:
        raise _api_error(response)


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def _api_error(response: httpx.Response) -> ApiError:
    """An :class:`ApiError` from an error response, reading the standard body if present."""
    url = str(response.url)
    retry_after = _retry_after(response)
    body: Any = None
    with contextlib.suppress(ValueError):  # not JSON: fall back to the status line
        body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return ApiError(
            response.status_code,
            str(error.get("code") or f"http_{response.status_code}"),
            error["message"],
            details=error.get("details"),
            request_id=error.get("request_id") or response.headers.get("x-request-id"),
            url=url,
            retry_after=retry_after,
        )
    return ApiError(
        response.status_code,
        f"http_{response.status_code}",
        response.reason_phrase or f"HTTP {response.status_code}",
        request_id=response.headers.get("x-request-id"),
        url=url,
        retry_after=retry_after,
    )


def _retry_after(response: httpx.Response) -> int | None:
    """``Retry-After`` in seconds (the delta form; an HTTP date is not worth a clock)."""
    value = response.headers.get("retry-after", "").strip()
    return int(value) if value.isdigit() else None

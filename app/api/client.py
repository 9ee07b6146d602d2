"""The transport of the gateway client: one server, its connection pool, the session.

One :class:`GatewayClient` per server; it owns an ``httpx.AsyncClient`` (a
connection pool), so close it with :meth:`GatewayClient.aclose` or ``async with``.
Once a session is started (by :class:`~app.api.auth.AuthApi`) every
:meth:`GatewayClient.call` sends its access token; a call answered 401 refreshes
the tokens once (shared with concurrent calls) and is sent again.

What the calls mean lives in one module per backend area (``app.api.auth``,
``app.api.records``, ``app.api.pipelines``, ...); this one only carries them, reads
the stable error body into :class:`~app.api.errors.ApiError`, and names each write
with an ``X-Request-Id`` of its own, so the live stream's echo of a change this
client made can be told apart (:mod:`app.api.live`).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import itertools
import platform
import secrets
import socket
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from app.api.errors import ApiError, SessionEndedError, UnexpectedResponseError
from app.api.session import AuthSession, Exchange, TokenGrant

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Generous enough for a busy laptop, short enough that the UI says something."""

REQUEST_ID_HEADER = "X-Request-Id"
"""The header that names a request; the gateway keeps a well-formed one (8 to 128 of
``A-Z a-z 0-9 . _ : -``) and stamps it on the events the request causes."""

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""The methods whose requests this client names (:attr:`GatewayClient.origin`)."""

M = TypeVar("M", bound=BaseModel)

Params = Mapping[str, str | int] | httpx.QueryParams | None


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
        transport: An httpx transport to use instead of the network.
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
        self._origin = f"desk-{secrets.token_hex(8)}"
        self._numbers = itertools.count(1)
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

    # ------------------------------------------------------------------ request ids

    @property
    def origin(self) -> str:
        """What the ``X-Request-Id`` of every write of this client starts with (random
        per client: ``desk-<16 hex digits>``)."""
        return self._origin

    def made(self, request_id: str | None) -> bool:
        """Whether ``request_id`` names a request of this client (a live change's
        ``origin``, a response's ``X-Request-Id``)."""
        return request_id is not None and request_id.startswith(f"{self._origin}-")

    def _request_id(self) -> str:
        return f"{self._origin}-{next(self._numbers)}"

    # ------------------------------------------------------------------ the session

    def start_session(self, grant: TokenGrant, exchange: Exchange) -> AuthSession:
        """Use the tokens of a sign-in from now on (forgetting the session before).

        Args:
            grant: What sign-in (or a refresh) answered.
            exchange: Trades a refresh token for new tokens (``POST /auth/refresh``).
        """
        self.forget_session()
        self._session = AuthSession(grant, exchange)
        return self._session

    def forget_session(self) -> None:
        """Drop the session here without telling the server (it stays valid there)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()

    # ------------------------------------------------------------------ calls

    async def public(
        self, method: str, path: str, *, json: Any = None, params: Params = None
    ) -> httpx.Response:
        """A call without the session's token (sign-in, refresh, health).

        Raises:
            httpx.TransportError: The server cannot be reached.
        """
        return await self._http.request(method, path, json=json, params=params)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """An authenticated call expected to answer ``status``; the raw response
        (for bodies that are not JSON models: CSV downloads, 204s).

        A write (``POST``, ``PUT``, ``PATCH``, ``DELETE``) goes out with an
        ``X-Request-Id`` of this client (:meth:`made` recognises it).

        Raises:
            ApiError: The server answered another status (its error body read).
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._authenticated(
            method, path, json=json, params=params, headers=headers, files=files
        )
        expect(response, status)
        return response

    async def call_json(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        json: Any = None,
        params: Params = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> M:
        """An authenticated call whose ``status`` answer is read as ``model``.

        Raises:
            ApiError: The server answered another status (its error body read).
            UnexpectedResponseError: The body is not a ``model``.
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        response = await self._authenticated(
            method, path, json=json, params=params, headers=headers, files=files
        )
        return read(response, model, status)

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
        session = await self._fresh_session()
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
                raise api_error(response)
            yield response

    async def _fresh_session(self) -> AuthSession:
        session = self._session
        if session is None:
            raise SessionEndedError("You are not signed in.")
        if session.stale():
            await session.refresh()
        return session

    async def _authenticated(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: Params,
        headers: Mapping[str, str] | None,
        files: Any,
    ) -> httpx.Response:
        """Refresh first when the token is stale, and once more (then send again, with
        the same request id) when the server answers 401.

        Raises:
            SessionEndedError: Not signed in, or the session is over.
            httpx.TransportError: The server cannot be reached.
        """
        session = await self._fresh_session()
        token = session.access_token
        extra = dict(headers or {})
        if method.upper() in WRITES:
            extra.setdefault(REQUEST_ID_HEADER, self._request_id())
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

    # ------------------------------------------------------------------ closing

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


# ---------------------------------------------------------------------- reading answers


def read(response: httpx.Response, model: type[M], status: int = 200) -> M:
    """The body of a ``status`` answer as ``model``; an error answer raises.

    Raises:
        ApiError: The server answered another status.
        UnexpectedResponseError: The body is not a ``model``.
    """
    expect(response, status)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise UnexpectedResponseError(
            str(response.url), response.status_code, first_problem(exc)
        ) from exc


def expect(response: httpx.Response, status: int) -> None:
    """Raises :class:`ApiError` unless the server answered ``status``."""
    if response.status_code != status:
        raise api_error(response)


def first_problem(exc: ValidationError) -> str:
    """Where and what the first problem of an unreadable answer is (``status: Field
    required``)."""
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def api_error(response: httpx.Response) -> ApiError:
    """An :class:`ApiError` from an error response, reading the standard body
    ``{"error": {"code", "message", "details", "request_id"}}`` when there is one, the
    status line otherwise (a proxy's HTML page)."""
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

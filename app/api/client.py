"""The typed async client of the SalesOS gateway.

One client per server; it owns an ``httpx.AsyncClient`` (a connection pool), so
close it with :meth:`GatewayClient.aclose` or ``async with``.
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import ValidationError

from app.api.errors import ApiError, UnexpectedResponseError
from app.api.models import Health

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Generous enough for a busy laptop, short enough that the UI says something."""


class GatewayClient:
    """Talks to the gateway of a solo backend or of a team server.

    Args:
        base_url: ``http://127.0.0.1:PORT`` (solo) or the team server's URL.
        timeout: Per-request timeout.
        transport: An httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "SalesOS-Desktop"},
        )

    @property
    def base_url(self) -> str:
        """The gateway's URL, without a trailing slash."""
        return self._base_url

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


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def _api_error(response: httpx.Response) -> ApiError:
    """An :class:`ApiError` from an error response, reading the standard body if present."""
    url = str(response.url)
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
        )
    return ApiError(
        response.status_code,
        f"http_{response.status_code}",
        response.reason_phrase or f"HTTP {response.status_code}",
        request_id=response.headers.get("x-request-id"),
        url=url,
    )

"""What the Gmail and Graph transports share: a bearer token kept fresh, one retry on a
401 after refreshing it, and the reading of an HTTP failure into the four cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from backend.email.providers.base import Ambiguous, Credentials, Handover, Retry
from backend.email.providers.oauth import TokenEndpoint, needs_refresh, retry_after_seconds

OnChange = Callable[[Credentials], Awaitable[None]]

BEFORE_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)
"""The request cannot have been taken: it never reached the provider whole."""


class BearerSession:
    """Calls a provider API with a fresh access token; tells ``on_change`` when the
    tokens changed (they are sealed and stored)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        endpoint: TokenEndpoint,
        creds: Credentials,
        on_change: OnChange,
        timeout: float,
    ) -> None:
        self.http = http
        self.endpoint = endpoint
        self.creds = creds
        self.on_change = on_change
        self.timeout = timeout

    async def token(self, *, force: bool = False) -> str:
        if force or needs_refresh(self.creds):
            await self.endpoint.refresh(self.http, self.creds)
            await self.on_change(self.creds)
        assert self.creds.access_token is not None
        return self.creds.access_token

    async def call(
        self, method: str, url: str, *, handover: Handover | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One request (a second one after a 401 with a refreshed token).

        With ``handover``, a failure after the request may have reached the provider
        is :class:`Ambiguous`; without, every transport failure is a :class:`Retry`.
        """
        for attempt in (1, 2):
            token = await self.token(force=attempt == 2)
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
            if handover is not None:
                await handover()
            try:
                response = await self.http.request(
                    method, url, headers=headers, timeout=self.timeout, **kwargs
                )
            except BEFORE_SENT as exc:
                raise Retry("provider_unreachable", _unreachable(exc)) from exc
            except httpx.HTTPError as exc:
                if handover is None:
                    raise Retry("provider_unreachable", _unreachable(exc)) from exc
                raise Ambiguous(
                    "answer_lost",
                    f"The provider's answer was lost ({exc.__class__.__name__}).",
                ) from exc
            if response.status_code == 401 and attempt == 1:
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue  # an expired or revoked token: refresh (or learn it is revoked)
            return response
        return response


def retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"))


def _unreachable(exc: Exception) -> str:
    return f"The provider could not be reached ({exc.__class__.__name__}); trying again."


def error_json(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a Google or Graph error body (``{}`` if there is none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}

"""Is the session behind an access token still live? Asked of auth, cached briefly.

A revoked session (logout, deactivation, password change, token theft) must stop
working at once, though access tokens are stateless for 15 minutes. The gateway asks
the auth service and caches the answer; auth NOTIFYs ``auth_sessions`` in the
revoking transaction, and the gateway drops cached answers when it hears it. If the
listener is down, the cache's time-to-live bounds how long a revoked session lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import asyncpg
import httpx

from backend.kit.db import plain_url

log = logging.getLogger(__name__)

CHANNEL = "auth_sessions"
TTL_SECONDS = 5.0


class SessionGate:
    """Args:
    auth: Client of the auth service.
    database_url: For LISTEN (no table is read).
    """

    def __init__(self, auth: httpx.AsyncClient, database_url: str) -> None:
        self.auth = auth
        self.database_url = database_url
        self._cache: dict[uuid.UUID, float] = {}  # live session -> cached until (monotonic)
        self._listener: asyncpg.Connection | None = None
        self._listen_task: asyncio.Task[None] | None = None

    async def is_live(self, session_id: uuid.UUID, authorization: str, request_id: str) -> bool:
        until = self._cache.get(session_id)
        now = time.monotonic()
        if until is not None and until > now:
            return True
        self._ensure_listening()
        response = await self.auth.get(
            f"/internal/sessions/{session_id}",
            headers={"authorization": authorization, "x-request-id": request_id},
        )
        live = response.status_code == 200 and bool(response.json().get("active"))
        if live:
            self._cache[session_id] = now + TTL_SECONDS
        else:
            self._cache.pop(session_id, None)
        return live

    def forget(self, payload: str = "*") -> None:
        """Drop one cached session (its id) or all (``*``)."""
        if payload == "*":
            self._cache.clear()
            return
        with contextlib.suppress(ValueError):
            self._cache.pop(uuid.UUID(payload), None)

    def _ensure_listening(self) -> None:
        if self._listen_task is None or self._listen_task.done():
            self._listen_task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        try:
            conn = await asyncpg.connect(plain_url(self.database_url), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning(
                "session revocations: cannot LISTEN (%s); relying on the %ss TTL", exc, TTL_SECONDS
            )
            return
        self._listener = conn
        # Anything cached before we listened may be stale.
        self._cache.clear()
        await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: self.forget(payload))

    async def aclose(self) -> None:
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listen_task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None

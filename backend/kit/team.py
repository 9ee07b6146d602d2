"""Who a manager manages, asked of the auth service over its HTTP API (cached briefly).

Services that apply the ``team`` scope (the CRM's record reach, the gateway's live
stream) share this client; none reads auth's tables.
"""

from __future__ import annotations

import time
import uuid

import httpx

from backend.kit.errors import UpstreamUnavailable
from backend.kit.security import Permission, Principal, Scope

TEAM_TTL = 30.0
"""Seconds a manager's team is remembered (team changes are rare)."""


class TeamDirectory:
    """Asks the auth service who a manager manages, and whether a user exists.

    Args:
        auth: A client of the auth service (in-process or remote).
    """

    def __init__(self, auth: httpx.AsyncClient) -> None:
        self.auth = auth
        self._cache: dict[uuid.UUID, tuple[float, frozenset[uuid.UUID]]] = {}

    async def team_of(self, principal: Principal, authorization: str) -> frozenset[uuid.UUID]:
        hit = self._cache.get(principal.user_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        members: set[uuid.UUID] = set()
        cursor: str | None = None
        while True:
            params = {"manager_id": str(principal.user_id), "limit": "200"}
            if cursor:
                params["cursor"] = cursor
            response = await self._get("/users", authorization, params)
            body = response.json()
            members |= {uuid.UUID(u["id"]) for u in body["items"]}
            cursor = body.get("next_cursor")
            if not cursor:
                break
        team = frozenset(members)
        self._cache[principal.user_id] = (time.monotonic() + TEAM_TTL, team)
        return team

    async def readers_reach(
        self, principal: Principal, authorization: str
    ) -> frozenset[uuid.UUID] | None:
        """The owners whose records ``principal`` may read; ``None`` means every owner."""
        scope = principal.scope(Permission.RECORDS_READ)
        if scope is Scope.ALL:
            return None
        if scope is Scope.TEAM:
            return await self.team_of(principal, authorization) | {principal.user_id}
        return frozenset({principal.user_id})

    async def user_exists(self, user_id: uuid.UUID, authorization: str) -> bool:
        response = await self._get(f"/users/{user_id}", authorization, {}, ok=(200, 404))
        return response.status_code == 200

    async def _get(
        self, path: str, authorization: str, params: dict[str, str], ok: tuple[int, ...] = (200,)
    ) -> httpx.Response:
        try:
            response = await self.auth.get(
                path, params=params, headers={"authorization": authorization}
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable("The sign-in service is unavailable; try again.") from exc
        if response.status_code not in ok:
            raise UpstreamUnavailable(f"The sign-in service answered {response.status_code}.")
        return response

"""Dependencies of the CRM routes: the caller's reach (their team comes from auth's API)."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

import httpx
from fastapi import Depends, Header, Query, Request

from backend.crm.service import Access
from backend.kit.errors import ErrorBody, UpstreamUnavailable
from backend.kit.pagination import MAX_LIMIT
from backend.kit.security import CurrentPrincipal, Permission, Principal, Scope

TEAM_TTL = 30.0
"""Seconds a manager's team is remembered (team changes are rare; a later issue
feeds them from auth's events instead)."""


class TeamDirectory:
    """Asks the auth service, over its HTTP API, who a manager manages."""

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


async def access(request: Request, principal: CurrentPrincipal) -> Access:
    directory: TeamDirectory = request.app.state.team_directory
    authorization = request.headers.get("authorization", "")
    team: frozenset[uuid.UUID] = frozenset()
    if (
        principal.can(Permission.RECORDS_READ)
        and principal.scope(Permission.RECORDS_READ) is Scope.TEAM
    ):
        team = await directory.team_of(principal, authorization)

    async def user_exists(user_id: uuid.UUID) -> bool:
        return await directory.user_exists(user_id, authorization)

    return Access(principal=principal, team=team, user_exists=user_exists)


AccessDep = Annotated[Access, Depends(access)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Filters = Annotated[list[str], Query(alias="filter", description="field:op:value, repeatable")]
IfMatch = Annotated[str | None, Header(description="the ETag you last read")]
E: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 412, 422, 429)
}
"""The error answers every CRM route may give (documented in the OpenAPI)."""

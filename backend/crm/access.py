"""Whose records a caller reaches: their own, their team's (asked of auth), or all."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from backend.kit.errors import UpstreamUnavailable
from backend.kit.security import Permission, Principal, Role, Scope

TEAM_TTL = 30.0
"""Seconds a manager's team is remembered (team changes are rare)."""


@dataclass(frozen=True)
class Access:
    """The caller and the owners their role reaches.

    Attributes:
        team: The users the caller manages (only looked up for a "team" scope).
        user_exists: Asks the auth service whether a user id is one of the company's.
    """

    principal: Principal
    team: frozenset[uuid.UUID]
    user_exists: Callable[[uuid.UUID], Awaitable[bool]]

    @classmethod
    def system(cls, customer_id: uuid.UUID, user_id: uuid.UUID) -> Access:
        """Writes the platform makes on a user's behalf outside a request (demo data,
        a CSV import's batches): the company's whole book, new records owned by
        ``user_id``, owners the caller vouches for."""

        async def known(_: uuid.UUID) -> bool:
            return True

        principal = Principal(
            user_id=user_id,
            customer_id=customer_id,
            role=Role.ADMIN,
            session_id=uuid.UUID(int=0),
            token_id="system",  # noqa: S106 - a name for the principal, not a secret
        )
        return cls(principal=principal, team=frozenset(), user_exists=known)

    def owners(self, permission: Permission) -> frozenset[uuid.UUID] | None:
        """The owners ``permission`` reaches; ``None`` means every owner."""
        scope = self.principal.scope(permission)
        if scope is Scope.ALL:
            return None
        if scope is Scope.TEAM:
            return self.team | {self.principal.user_id}
        return frozenset({self.principal.user_id})

    def reaches(self, permission: Permission, owner_id: uuid.UUID | None) -> bool:
        owners = self.owners(permission)
        return owners is None or owner_id in owners


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

    async def access_for(self, principal: Principal, authorization: str) -> Access:
        """The reach of a caller (their team looked up only for a "team" scope)."""
        team: frozenset[uuid.UUID] = frozenset()
        if (
            principal.can(Permission.RECORDS_READ)
            and principal.scope(Permission.RECORDS_READ) is Scope.TEAM
        ):
            team = await self.team_of(principal, authorization)

        async def user_exists(user_id: uuid.UUID) -> bool:
            return await self.user_exists(user_id, authorization)

        return Access(principal=principal, team=team, user_exists=user_exists)

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

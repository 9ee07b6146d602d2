"""Whose records a caller reaches: their own, their team's (asked of auth), or all.

Every context applies the same reach (the CRM to its records, email to messages)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.kit.security import Permission, Principal, Role, Scope
from backend.kit.team import TeamDirectory


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
    def acting_for(
        cls,
        customer_id: uuid.UUID,
        user_id: uuid.UUID,
        role: Role = Role.ADMIN,
        team: frozenset[uuid.UUID] = frozenset(),
    ) -> Access:
        """Writes the platform makes on a user's behalf outside a request (demo data as
        an admin, a CSV import's batches within its importer's reach): new records
        owned by ``user_id``, owners the caller vouches for."""

        async def known(_: uuid.UUID) -> bool:
            return True

        principal = Principal(
            user_id=user_id,
            customer_id=customer_id,
            role=role,
            session_id=uuid.UUID(int=0),
            token_id="on-behalf",  # noqa: S106 - a name for the principal, not a secret
        )
        return cls(principal=principal, team=team, user_exists=known)

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


async def access_for(team: TeamDirectory, principal: Principal, authorization: str) -> Access:
    """The reach of a caller (their team looked up only for a "team" scope)."""
    members: frozenset[uuid.UUID] = frozenset()
    if (
        principal.can(Permission.RECORDS_READ)
        and principal.scope(Permission.RECORDS_READ) is Scope.TEAM
    ):
        members = await team.team_of(principal, authorization)

    async def user_exists(user_id: uuid.UUID) -> bool:
        return await team.user_exists(user_id, authorization)

    return Access(principal=principal, team=members, user_exists=user_exists)

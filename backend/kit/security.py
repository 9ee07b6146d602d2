"""Access tokens and the principal behind a request, checked by every service.

Access tokens are JWTs signed with HS256 (pinned: no other algorithm is accepted)
carrying ``iss``, ``aud``, ``sub`` (user), ``tid`` (customer), ``role``, ``sid``
(session), ``iat``, ``exp``, ``jti``. Every service verifies them again: nothing a
gateway forwards is trusted on its word.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from backend.kit.errors import Forbidden, Unauthorized

ALGORITHM = "HS256"
ISSUER = "salesos"
AUDIENCE = "salesos-api"
ACCESS_TTL = timedelta(minutes=15)
LEEWAY = timedelta(seconds=30)
VERIFIED_CACHE_SIZE = 10_000
REQUIRED_CLAIMS = ("iss", "aud", "sub", "tid", "role", "sid", "iat", "exp", "jti")


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class Permission(StrEnum):
    """What a role may do; services declare the permission each route needs."""

    USERS_MANAGE = "users:manage"
    SETTINGS_MANAGE = "settings:manage"
    RECORDS_READ = "records:read"
    RECORDS_WRITE = "records:write"


class Scope(StrEnum):
    """Whose records a permission reaches: the caller's, their team's, or everyone's."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


PERMISSIONS: dict[Role, dict[Permission, Scope]] = {
    Role.ADMIN: {
        Permission.USERS_MANAGE: Scope.ALL,
        Permission.SETTINGS_MANAGE: Scope.ALL,
        Permission.RECORDS_READ: Scope.ALL,
        Permission.RECORDS_WRITE: Scope.ALL,
    },
    Role.MANAGER: {Permission.RECORDS_READ: Scope.TEAM, Permission.RECORDS_WRITE: Scope.TEAM},
    Role.REP: {Permission.RECORDS_READ: Scope.OWN, Permission.RECORDS_WRITE: Scope.OWN},
}
"""The permission map: a rep reads and edits their own records; a manager their
team's (the reps whose manager they are, and their own); an admin everything, and
manages users and settings. A permission missing from a role is a 403."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of one customer (tenant), with a role and a session."""

    user_id: uuid.UUID
    customer_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    token_id: str

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def scope(self, permission: Permission) -> Scope:
        """How far ``permission`` reaches for this caller.

        Raises:
            Forbidden: when the role does not have it at all.
        """
        self.require(permission)
        return PERMISSIONS[self.role][permission]

    def may_touch(
        self, permission: Permission, owner_id: uuid.UUID | None, team: frozenset[uuid.UUID]
    ) -> bool:
        """Whether a record owned by ``owner_id`` is within reach.

        Args:
            team: The user ids this caller manages (from the auth events' projection).
        """
        scope = self.scope(permission)
        if scope is Scope.ALL:
            return True
        if owner_id == self.user_id:
            return True
        return scope is Scope.TEAM and owner_id in team

    def require(self, permission: Permission) -> None:
        """Raises:
        Forbidden: naming the permission the role lacks.
        """
        if not self.can(permission):
            raise Forbidden(
                f"Your role ({self.role.value}) does not allow this ({permission.value}).",
            )


@dataclass(frozen=True)
class TokenCodec:
    """Issues and verifies access tokens with one secret.

    Verified tokens are remembered (by their exact text, until their expiry) so the
    gateway's and the service's checks of the same token cost one signature check.
    Any other string, however similar, is verified in full.
    """

    secret: str
    _verified: OrderedDict[str, tuple[Principal, float]] = field(
        default_factory=OrderedDict, repr=False, compare=False
    )

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        customer_id: uuid.UUID,
        role: Role,
        session_id: uuid.UUID,
        now: datetime | None = None,
        ttl: timedelta = ACCESS_TTL,
    ) -> str:
        now = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "tid": str(customer_id),
            "role": role.value,
            "sid": str(session_id),
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM, headers={"typ": "JWT"})

    def verify(self, token: str) -> Principal:
        """Decode and check every claim.

        Raises:
            Unauthorized: for any defect (the message says which, without secrets).
        """
        return self.verify_until(token)[0]

    def verify_until(self, token: str) -> tuple[Principal, float]:
        """Like :meth:`verify`, with the moment (epoch seconds) the token stops being
        accepted (for long-lived streams that must end with their token)."""
        hit = self._verified.get(token)
        if hit is not None:
            principal, expires = hit
            if time.time() < expires:
                return principal, expires
            self._verified.pop(token, None)
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal, expires

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY,
                options={"require": list(REQUIRED_CLAIMS)},
            )
            principal = Principal(
                user_id=uuid.UUID(claims["sub"]),
                customer_id=uuid.UUID(claims["tid"]),
                role=Role(claims["role"]),
                session_id=uuid.UUID(claims["sid"]),
                token_id=str(claims["jti"]),
            )
            return principal, float(claims["exp"]) + LEEWAY.total_seconds()
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Your session token has expired.") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
            raise Unauthorized("The access token is not valid.") from exc


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header.

    Raises:
        Unauthorized: when the header is missing or not a bearer token.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Sign in first: this request needs an access token.",
            headers={"WWW-Authenticate": 'Bearer realm="salesos"'},
        )
    return token.strip()


async def current_principal(request: Request) -> Principal:
    codec: TokenCodec = request.app.state.resources.tokens
    principal = codec.verify(bearer_token(request))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(permission: Permission) -> Any:
    """A dependency that lets the request through only with ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        principal.require(permission)
        return principal

    return Depends(check)

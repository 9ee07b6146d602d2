"""Business rules of auth: signup, login, token rotation, sessions, users.

Services never commit. Two facts must outlive a failed request, so they are written
in transactions of their own through :class:`SecurityLedger`: a failed login (the
throttle counter) and the revocation of a refresh-token family on reuse.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth import events, passwords
from backend.auth.errors import (
    AccountDeactivated,
    AccountLocked,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    TooManyAttempts,
    UnknownEmail,
)
from backend.auth.models import Customer, RefreshToken, Session, User
from backend.auth.repository import (
    LoginLookup,
    RefreshLookup,
    RefreshTokenRepository,
    SessionRepository,
    ThrottleRepository,
    UserRepository,
)
from backend.kit.errors import Conflict, NotFound, ValidationFailed
from backend.kit.security import ACCESS_TTL, Principal, Role, TokenCodec
from backend.kit.tenancy import bind_tenant
from backend.messaging.outbox import emit

REFRESH_TTL = timedelta(days=7)
"""Absolute lifetime of a session (refresh-token family); rotation does not extend it."""
REUSE_GRACE = timedelta(seconds=10)
"""A rotated token presented again within this window is refused without revoking the
family (a benign concurrent retry); later, reuse means theft and revokes the family."""

# Per email: the first failures are free, then each costs a growing wait, and at the
# hard cap the account is blocked for a long while.
FREE_FAILURES = 3
HARD_CAP = 10
HARD_CAP_BLOCK = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(hours=1)
ACCOUNT_ALARM = 50
"""Failures for one account from all sources within FAILURE_MEMORY from which a source
that failed for it before is slowed down too (guessing spread over many addresses)."""
ACCOUNT_ALARM_WAIT = timedelta(seconds=30)


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def backoff_after(failures: int) -> timedelta | None:
    """How long sign-in is refused after ``failures`` consecutive failures."""
    if failures >= HARD_CAP:
        return HARD_CAP_BLOCK
    if failures <= FREE_FAILURES:
        return None
    return timedelta(seconds=2 ** (failures - FREE_FAILURES))


def _account_alarm(failures: int) -> timedelta | None:
    return ACCOUNT_ALARM_WAIT if failures >= ACCOUNT_ALARM else None


@dataclass(frozen=True)
class ThrottleKeys:
    """Failed sign-ins are counted per account and source (``source``), and per account
    across sources (``account``); keys are hashes, never the email."""

    source: str
    account: str


def _throttle_keys(email: str, source: str) -> ThrottleKeys:
    return ThrottleKeys(source=_hash(f"{email}\x00{source}"), account=_hash(email))


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


class IpThrottle:
    """Sign-in attempts per client address per minute (in this process)."""

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, ip: str) -> None:
        if not await self.limiter.hit(self.item, "login", ip):
            stats = await self.limiter.get_window_stats(self.item, "login", ip)
            raise TooManyAttempts(max(1, math.ceil(stats.reset_time - _now().timestamp())))


class SecurityLedger:
    """Writes that must persist even when the request fails (own transactions)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def check_not_blocked(self, email: str, source: str) -> None:
        """Raises:
        AccountLocked: this source failed too often for this account lately (the
            account's owner, elsewhere, is not held up by someone else's guesses).
        """
        keys = _throttle_keys(email, source)
        async with self.sessionmaker() as s:
            repo = ThrottleRepository.from_session(s)
            mine = await repo.get(keys.source)
            everyone = await repo.get(keys.account)
        now = _now()
        if mine is not None and mine.blocked_until is not None and mine.blocked_until > now:
            raise AccountLocked(math.ceil((mine.blocked_until - now).total_seconds()))
        if (
            mine is not None  # only a source that has failed for this account is slowed
            and everyone is not None
            and everyone.blocked_until is not None
            and everyone.blocked_until > now
        ):
            raise AccountLocked(math.ceil((everyone.blocked_until - now).total_seconds()))

    async def record_failure(self, email: str, source: str) -> None:
        now = _now()
        keys = _throttle_keys(email, source)
        async with self.sessionmaker() as s, s.begin():
            repo = ThrottleRepository.from_session(s)
            for key, wait_for in ((keys.source, backoff_after), (keys.account, _account_alarm)):
                row = await repo.for_update(key)
                failures = 1
                if (
                    row is not None
                    and row.last_failure_at
                    and now - row.last_failure_at < FAILURE_MEMORY
                ):
                    failures = row.failures + 1
                wait = wait_for(failures)
                await repo.record_failure(key, failures, now, now + wait if wait else None)

    async def clear(self, email: str, source: str) -> None:
        """A successful sign-in forgets this source's failures (not the others')."""
        async with self.sessionmaker() as s, s.begin():
            await ThrottleRepository.from_session(s).clear(_throttle_keys(email, source).source)

    async def revoke_family(
        self, customer_id: uuid.UUID, session_id: uuid.UUID, reason: str
    ) -> None:
        async with self.sessionmaker() as s, s.begin():
            await bind_tenant(s, customer_id)
            await SessionRepository.from_session(s).revoke(
                now=_now(), reason=reason, session_id=session_id
            )


class AuthService:
    """Args:
    session: The request's transaction.
    tokens: Signs access tokens.
    ledger: Writes that survive a failed request.
    """

    def __init__(self, session: AsyncSession, tokens: TokenCodec, ledger: SecurityLedger) -> None:
        self.session = session
        self.tokens = tokens
        self.ledger = ledger

    # ------------------------------------------------------------------ sign-up / in
    async def signup(
        self, *, company: str, name: str, email: str, password: str, client: ClientInfo
    ) -> IssuedTokens:
        """Create a customer and its first admin, signed in.

        Raises:
            ValidationFailed: weak password.
            EmailTaken: the email already has an account.
        """
        passwords.check_policy(password, user_inputs=(email, name, company))
        customer_id = uuid.uuid4()
        await bind_tenant(self.session, customer_id)
        self.session.add(Customer(id=customer_id, name=company))
        await self.session.flush()
        user = await self._insert_user(
            email=email, name=name, role=Role.ADMIN, password=password, manager_id=None
        )
        await emit(
            self.session,
            events.CustomerSignedUp(user_id=user.id, customer_name=company),
            aggregate_id=user.id,
            customer_id=customer_id,
        )
        return await self._open_session(user, client)

    async def login(self, *, email: str, password: str, client: ClientInfo) -> IssuedTokens:
        """Check the password.

        Sign-up must say when an email is taken (there is no mail channel to confirm an
        address with), so sign-in does not pretend otherwise: it says which of email
        and password is wrong. Both are limited per address, and failures per account
        and source (an unknown email costs the same hash time, and counts the same).

        Raises:
            AccountLocked: too many recent failures for this email from this source.
            UnknownEmail, InvalidCredentials, AccountDeactivated.
        """
        await self.ledger.check_not_blocked(email, client.ip)
        user = await LoginLookup.from_session(self.session).by_email(email)
        ok = await passwords.verify_password(user.password_hash if user else None, password)
        if not ok or user is None:
            await self.ledger.record_failure(email, client.ip)
            raise UnknownEmail() if user is None else InvalidCredentials()
        if not user.is_active:
            raise AccountDeactivated()
        await self.ledger.clear(email, client.ip)
        await bind_tenant(self.session, user.customer_id)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = await passwords.hash_password(password)
        return await self._open_session(user, client)

    async def refresh(self, *, refresh_token: str) -> IssuedTokens:
        """Rotate: the presented token is spent and a new one issued in its family.

        Raises:
            InvalidRefreshToken: unknown, expired, revoked or reused token.
        """
        found = await RefreshLookup.from_session(self.session).by_hash(_hash(refresh_token))
        if found is None:
            raise InvalidRefreshToken()
        await bind_tenant(self.session, found.customer_id)
        token = await RefreshTokenRepository.from_session(self.session).for_update(found.id)
        if token is None:
            raise InvalidRefreshToken()
        sessions = SessionRepository.from_session(self.session)
        family = await sessions.get(token.session_id)
        now = _now()
        if family is None or family.revoked_at is not None or family.expires_at <= now:
            raise InvalidRefreshToken()
        if token.used_at is not None:
            if now - token.used_at <= REUSE_GRACE:
                raise InvalidRefreshToken("This refresh token was just used; use the newer one.")
            await self.ledger.revoke_family(family.customer_id, family.id, "refresh token reused")
            raise InvalidRefreshToken(
                "This refresh token was already used; every session of this sign-in has been ended."
            )
        user = await UserRepository.from_session(self.session).get(family.user_id)
        if user is None or not user.is_active:
            await self.ledger.revoke_family(family.customer_id, family.id, "user deactivated")
            raise InvalidRefreshToken()
        token.used_at = now
        family.last_used_at = now
        raw = await self._new_refresh_token(family)
        return self._issue(user, family, raw)

    # ------------------------------------------------------------------ sessions
    async def logout(self, principal: Principal) -> None:
        await SessionRepository.from_session(self.session).revoke(
            now=_now(), reason="signed out", session_id=principal.session_id
        )

    async def list_sessions(self, principal: Principal) -> list[tuple[Session, bool]]:
        rows = await SessionRepository.from_session(self.session).active_for_user(
            principal.user_id, _now()
        )
        return [(s, s.id == principal.session_id) for s in rows]

    async def end_session(self, principal: Principal, session_id: uuid.UUID) -> None:
        """Raises:
        NotFound: not one of the caller's live sessions.
        """
        repo = SessionRepository.from_session(self.session)
        target = await repo.get(session_id)
        if target is None or target.user_id != principal.user_id or target.revoked_at is not None:
            raise NotFound("Session", session_id)
        await repo.revoke(now=_now(), reason="ended by user", session_id=session_id)

    async def end_other_sessions(self, principal: Principal) -> int:
        revoked = await SessionRepository.from_session(self.session).revoke(
            now=_now(),
            reason="ended by user",
            user_id=principal.user_id,
            except_id=principal.session_id,
        )
        return len(revoked)

    async def change_password(self, principal: Principal, current: str, new: str) -> None:
        """Change the caller's password and end every other session.

        Raises:
            ValidationFailed: wrong current password, or a weak new one.
        """
        user = await self.me(principal)
        if not await passwords.verify_password(user.password_hash, current):
            raise ValidationFailed.for_field(
                "body.current_password", "is not your current password"
            )
        passwords.check_policy(new, "body.new_password", user_inputs=(user.email, user.name))
        user.password_hash = await passwords.hash_password(new)
        user.password_changed_at = _now()
        await SessionRepository.from_session(self.session).revoke(
            now=_now(), reason="password changed", user_id=user.id, except_id=principal.session_id
        )
        await emit(
            self.session,
            events.PasswordChanged(user_id=user.id),
            aggregate_id=user.id,
            customer_id=user.customer_id,
        )

    async def session_is_active(self, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        family = await SessionRepository.from_session(self.session).get(session_id)
        if family is None or family.user_id != user_id or family.revoked_at is not None:
            return False
        if family.expires_at <= _now():
            return False
        user = await UserRepository.from_session(self.session).get(user_id)
        return user is not None and user.is_active

    # ------------------------------------------------------------------ users
    async def me(self, principal: Principal) -> User:
        user = await UserRepository.from_session(self.session).get(principal.user_id)
        if user is None:
            raise NotFound("User", principal.user_id)
        return user

    async def list_users(
        self, *, cursor: str | None, limit: int, manager_id: uuid.UUID | None = None
    ) -> tuple[list[User], str | None]:
        return await UserRepository.from_session(self.session).list_page(
            cursor=cursor, limit=limit, manager_id=manager_id
        )

    async def get_user(self, user_id: uuid.UUID) -> User:
        user = await UserRepository.from_session(self.session).get(user_id)
        if user is None:
            raise NotFound("User", user_id)
        return user

    async def create_user(
        self, *, email: str, name: str, role: Role, password: str, manager_id: uuid.UUID | None
    ) -> User:
        """An admin adds a user to their company.

        Raises:
            ValidationFailed: weak password or unknown manager.
            EmailTaken: the email already has an account.
        """
        passwords.check_policy(password, user_inputs=(email, name))
        if manager_id is not None:
            await self._check_manager(manager_id, "body.manager_id")
        user = await self._insert_user(
            email=email, name=name, role=role, password=password, manager_id=manager_id
        )
        await emit(
            self.session,
            events.UserCreated(
                user_id=user.id, email=email, name=name, role=role.value, manager_id=manager_id
            ),
            aggregate_id=user.id,
            customer_id=user.customer_id,
        )
        return user

    async def update_user(
        self, user_id: uuid.UUID, changes: dict[str, object], actor: Principal
    ) -> User:
        """Raises:
        NotFound: no such user in this company.
        Conflict: it would leave the company without an active admin.
        """
        user = await self.get_user(user_id)
        if "manager_id" in changes and changes["manager_id"] is not None:
            if changes["manager_id"] == user_id:
                raise ValidationFailed.for_field(
                    "body.manager_id", "a user cannot manage themselves"
                )
            await self._check_manager(changes["manager_id"], "body.manager_id")  # type: ignore[arg-type]
        if (
            changes.get("role") not in (None, Role.ADMIN.value, Role.ADMIN)
            and user.role == Role.ADMIN.value
        ):
            await self._keep_an_admin(user)
        role_changed = "role" in changes and Role(str(changes["role"])).value != user.role
        for key, value in changes.items():
            setattr(user, key, value.value if isinstance(value, Role) else value)
        user.updated_at = _now()
        await self.session.flush()
        if role_changed:
            # The role travels in access tokens: end the user's sessions so the new role
            # applies now, not when their token next refreshes.
            await SessionRepository.from_session(self.session).revoke(
                now=_now(), reason="role changed", user_id=user.id
            )
        await emit(
            self.session,
            events.UserUpdated(
                user_id=user.id,
                changes={k: None if v is None else str(v) for k, v in changes.items()},
            ),
            aggregate_id=user.id,
            customer_id=user.customer_id,
        )
        return user

    async def deactivate_user(self, user_id: uuid.UUID, actor: Principal) -> User:
        """Deactivate a user and end all their sessions at once.

        Raises:
            NotFound: no such user. Conflict: the last active admin.
        """
        user = await self.get_user(user_id)
        if user.role == Role.ADMIN.value:
            await self._keep_an_admin(user)
        user.is_active = False
        user.updated_at = _now()
        await SessionRepository.from_session(self.session).revoke(
            now=_now(), reason="user deactivated", user_id=user.id
        )
        await emit(
            self.session,
            events.UserDeactivated(user_id=user.id),
            aggregate_id=user.id,
            customer_id=user.customer_id,
        )
        return user

    # ------------------------------------------------------------------ internals
    async def _keep_an_admin(self, user: User) -> None:
        if (
            user.is_active
            and await UserRepository.from_session(self.session).count_active_admins() <= 1
        ):
            raise Conflict(
                "This is the company's last active admin; make someone else admin first."
            )

    async def _check_manager(self, manager_id: uuid.UUID, field: str) -> None:
        manager = await UserRepository.from_session(self.session).get(manager_id)
        if (
            manager is None
            or not manager.is_active
            or manager.role not in (Role.MANAGER.value, Role.ADMIN.value)
        ):
            raise ValidationFailed.for_field(
                field, "is not an active manager or admin of your company"
            )

    async def _insert_user(
        self, *, email: str, name: str, role: Role, password: str, manager_id: uuid.UUID | None
    ) -> User:
        user = User(
            id=uuid.uuid4(),
            email=email,
            name=name,
            role=role.value,
            manager_id=manager_id,
            is_active=True,
            password_hash=await passwords.hash_password(password),
        )
        try:
            async with self.session.begin_nested():
                await UserRepository.from_session(self.session).create(user)
        except IntegrityError as exc:
            if "uq_users_email" in str(exc.orig):
                raise EmailTaken() from exc
            raise
        return user

    async def _open_session(self, user: User, client: ClientInfo) -> IssuedTokens:
        now = _now()
        family = Session(
            id=uuid.uuid4(),
            user_id=user.id,
            expires_at=now + REFRESH_TTL,
            last_used_at=now,
            user_agent=client.user_agent[:300],
            ip=client.ip[:64],
        )
        await SessionRepository.from_session(self.session).create(family)
        raw = await self._new_refresh_token(family)
        return self._issue(user, family, raw)

    async def _new_refresh_token(self, family: Session) -> str:
        raw = secrets.token_urlsafe(32)  # 256 random bits
        await RefreshTokenRepository.from_session(self.session).create(
            RefreshToken(id=uuid.uuid4(), session_id=family.id, token_hash=_hash(raw))
        )
        return raw

    def _issue(self, user: User, family: Session, refresh_token: str) -> IssuedTokens:
        access = self.tokens.issue(
            user_id=user.id,
            customer_id=user.customer_id,
            role=Role(user.role),
            session_id=family.id,
        )
        return IssuedTokens(access, refresh_token, int(ACCESS_TTL.total_seconds()), user)

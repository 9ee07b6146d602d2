"""All SQL of the auth context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from backend.auth.models import Customer, LoginThrottle, RefreshToken, Session, User
from backend.kit.pagination import finish_page, keyset_page
from backend.kit.repository import RepositoryBase, TenantRepositoryBase

SESSIONS_CHANNEL = "auth_sessions"
"""NOTIFY channel: the payload is a revoked session id, or ``*`` for "several"."""


class CustomerRepository(TenantRepositoryBase[Customer]):
    model = Customer

    def select(self) -> Select[Customer]:
        return select(Customer).where(Customer.id == self.customer_id)


class UserRepository(TenantRepositoryBase[User]):
    model = User

    async def list_page(
        self, *, cursor: str | None, limit: int, manager_id: uuid.UUID | None = None
    ) -> tuple[list[User], str | None]:
        base = self.select()
        if manager_id is not None:
            base = base.where(User.manager_id == manager_id, User.is_active.is_(True))
        stmt = keyset_page(base, [User.email, User.id], cursor=cursor, limit=limit)
        rows = (await self.session.scalars(stmt)).all()
        return finish_page(rows, ["email", "id"], limit)

    async def count_active_admins(self) -> int:
        stmt = (
            select(func.count())
            .select_from(User)
            .where(
                User.customer_id == self.customer_id, User.role == "admin", User.is_active.is_(True)
            )
        )
        return int(await self.session.scalar(stmt) or 0)


class LoginLookup(RepositoryBase[User]):
    """Finds a user by exact email before the tenant is known (RLS policy ``login_lookup``)."""

    model = User

    async def by_email(self, email: str) -> User | None:
        await self.session.execute(
            text("SELECT set_config('app.login_email', :email, true)"), {"email": email}
        )
        return await self.get_one_or_none(select(User).where(User.email == email))


class SessionRepository(TenantRepositoryBase[Session]):
    model = Session

    async def active_for_user(self, user_id: uuid.UUID, now: datetime) -> Sequence[Session]:
        stmt = (
            self.select()
            .where(
                Session.user_id == user_id, Session.revoked_at.is_(None), Session.expires_at > now
            )
            .order_by(Session.last_used_at.desc())
        )
        return await self.get_all(stmt)

    async def revoke(
        self,
        *,
        now: datetime,
        reason: str,
        session_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        except_id: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        """Revoke one session, or every live one of a user; tell the gateways at commit."""
        stmt = (
            update(Session)
            .where(Session.customer_id == self.customer_id, Session.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(Session.id)
        )
        if session_id is not None:
            stmt = stmt.where(Session.id == session_id)
        if user_id is not None:
            stmt = stmt.where(Session.user_id == user_id)
        if except_id is not None:
            stmt = stmt.where(Session.id != except_id)
        revoked = list((await self.session.scalars(stmt)).all())
        if revoked:
            payload = str(revoked[0]) if len(revoked) == 1 else "*"
            await self.session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": SESSIONS_CHANNEL, "payload": payload},
            )
        return revoked


class RefreshTokenRepository(TenantRepositoryBase[RefreshToken]):
    model = RefreshToken

    async def for_update(self, token_id: uuid.UUID) -> RefreshToken | None:
        return await self.get_one_or_none(
            self.select().where(RefreshToken.id == token_id).with_for_update()
        )


class RefreshLookup(RepositoryBase[RefreshToken]):
    """Finds a refresh token by hash before the tenant is known (policy ``refresh_lookup``)."""

    model = RefreshToken

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        await self.session.execute(
            text("SELECT set_config('app.refresh_token_hash', :h, true)"), {"h": token_hash}
        )
        return await self.get_one_or_none(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )


class ThrottleRepository(RepositoryBase[LoginThrottle]):
    model = LoginThrottle

    async def for_update(self, email_hash: str) -> LoginThrottle | None:
        return await self.get_one_or_none(
            select(LoginThrottle).where(LoginThrottle.email_hash == email_hash).with_for_update()
        )

    async def record_failure(
        self, email_hash: str, failures: int, now: datetime, blocked_until: datetime | None
    ) -> None:
        stmt = insert(LoginThrottle).values(
            email_hash=email_hash,
            failures=failures,
            last_failure_at=now,
            blocked_until=blocked_until,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginThrottle.email_hash],
            set_={"failures": failures, "last_failure_at": now, "blocked_until": blocked_until},
        )
        await self.session.execute(stmt)

    async def clear(self, email_hash: str) -> None:
        await self.session.execute(
            delete(LoginThrottle).where(LoginThrottle.email_hash == email_hash)
        )


class DemoCompanyLookup:
    """The demo company and its users, read on an asyncpg connection of the owner role
    (the benchmark load is added to that company)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def find(self, admin_email: str) -> tuple[uuid.UUID, list[uuid.UUID]] | None:
        """The company of ``admin_email`` and every user of it; ``None`` if no such user."""
        row = await self.conn.fetchrow(
            "SELECT customer_id FROM auth.users WHERE email = $1", admin_email
        )
        if row is None:
            return None
        users = await self.conn.fetch(
            "SELECT id FROM auth.users WHERE customer_id = $1", row["customer_id"]
        )
        return row["customer_id"], [r["id"] for r in users]

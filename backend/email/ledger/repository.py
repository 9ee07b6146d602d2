"""Every SQL statement about messages, their attempts, attachments, and the send queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, exists, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from backend.email.models import Attachment, MailboxPacing, Message, SendAttempt, SendQueue
from backend.kit.pagination import finish_page, keyset_page
from backend.kit.repository import RepositoryBase, TenantRepositoryBase

UTC_TODAY = func.timezone("utc", func.now()).cast(MailboxPacing.day.type)
"""Daily caps count by the UTC day."""


class MessageRepository(TenantRepositoryBase[Message]):
    model = Message

    async def locked(self, message_id: uuid.UUID) -> Message | None:
        return await self.get_one_or_none(
            self.select().where(Message.id == message_id).with_for_update()
        )

    async def page(
        self,
        *,
        owners: frozenset[uuid.UUID] | None,
        contact_id: uuid.UUID | None,
        account_id: uuid.UUID | None,
        mailbox_id: uuid.UUID | None,
        states: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Message], str | None]:
        """Newest first. ``owners=None``: every sender (the caller reads everything)."""
        stmt = self.select()
        if owners is not None:
            stmt = stmt.where(Message.owner_id.in_(owners))
        if contact_id is not None:
            stmt = stmt.where(Message.contact_id == contact_id)
        if account_id is not None:
            stmt = stmt.where(Message.account_id == account_id)
        if mailbox_id is not None:
            stmt = stmt.where(Message.mailbox_id == mailbox_id)
        if states:
            stmt = stmt.where(Message.state.in_(states))
        keys = [Message.created_at, Message.id]
        rows = await self.get_all(
            keyset_page(stmt, keys, cursor=cursor, limit=limit, descending=True)
        )
        return finish_page(list(rows), ["created_at", "id"], limit)

    async def waiting_of(self, mailbox_id: uuid.UUID) -> Sequence[Message]:
        """Its messages not yet handed over (scheduled), locked."""
        stmt = (
            self.select()
            .where(Message.mailbox_id == mailbox_id, Message.state == "scheduled")
            .with_for_update()
        )
        return await self.get_all(stmt)


class AttemptRepository(TenantRepositoryBase[SendAttempt]):
    model = SendAttempt

    async def of_message(self, message_id: uuid.UUID) -> Sequence[SendAttempt]:
        stmt = (
            self.select().where(SendAttempt.message_id == message_id).order_by(SendAttempt.number)
        )
        return await self.get_all(stmt)

    async def last(self, message_id: uuid.UUID) -> SendAttempt | None:
        stmt = (
            self.select()
            .where(SendAttempt.message_id == message_id)
            .order_by(SendAttempt.number.desc())
            .limit(1)
        )
        return await self.get_one_or_none(stmt)

    async def handed_over(self, attempt_id: uuid.UUID) -> None:
        await self.session.execute(
            update(SendAttempt).where(SendAttempt.id == attempt_id).values(phase="handed_over")
        )


class AttachmentRepository(TenantRepositoryBase[Attachment]):
    model = Attachment

    async def unattached(
        self, ids: Sequence[uuid.UUID], owner_id: uuid.UUID
    ) -> Sequence[Attachment]:
        stmt = self.select().where(
            Attachment.id.in_(ids), Attachment.owner_id == owner_id, Attachment.message_id.is_(None)
        )
        return await self.get_all(stmt.with_for_update())

    async def of_message(self, message_id: uuid.UUID) -> Sequence[Attachment]:
        stmt = (
            self.select().where(Attachment.message_id == message_id).order_by(Attachment.created_at)
        )
        return await self.get_all(stmt)

    async def summary(
        self, message_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]]:
        if not message_ids:
            return {}
        stmt = select(
            Attachment.message_id, Attachment.id, Attachment.filename, Attachment.size
        ).where(Attachment.customer_id == self.customer_id, Attachment.message_id.in_(message_ids))
        found: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {}
        for message_id, ident, name, size in (await self.session.execute(stmt)).all():
            assert message_id is not None
            found.setdefault(message_id, []).append((ident, name, size))
        return found

    async def remove_stale(self, older_than: timedelta) -> int:
        """Uploads never attached to a message, older than ``older_than``."""
        result = await self.session.execute(
            delete(Attachment).where(
                Attachment.customer_id == self.customer_id,
                Attachment.message_id.is_(None),
                Attachment.created_at < func.now() - older_than,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claimed:
    message_id: uuid.UUID
    customer_id: uuid.UUID
    mailbox_id: uuid.UUID
    check_only: bool
    checks: int


class QueueRepository(RepositoryBase[SendQueue]):
    """The cross-tenant send queue and pacing (ids, times and counts only)."""

    model = SendQueue

    async def put(
        self,
        message_id: uuid.UUID,
        customer_id: uuid.UUID,
        mailbox_id: uuid.UUID,
        due_at: datetime,
        *,
        check_only: bool = False,
        checks: int = 0,
    ) -> None:
        """Queue (or requeue, unheld) a message."""
        stmt = insert(SendQueue).values(
            message_id=message_id,
            customer_id=customer_id,
            mailbox_id=mailbox_id,
            due_at=due_at,
            check_only=check_only,
            checks=checks,
            holder=None,
            heartbeat_at=None,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[SendQueue.message_id],
                set_={
                    "due_at": due_at,
                    "check_only": check_only,
                    "checks": checks,
                    "holder": None,
                    "heartbeat_at": None,
                },
            )
        )

    async def due_now(self, mailbox_id: uuid.UUID) -> None:
        """A reconnected mailbox: what waited for it goes now."""
        await self.session.execute(
            update(SendQueue)
            .where(SendQueue.mailbox_id == mailbox_id, SendQueue.holder.is_(None))
            .values(due_at=func.least(SendQueue.due_at, func.now()))
        )

    async def drop(self, message_id: uuid.UUID) -> None:
        await self.session.execute(delete(SendQueue).where(SendQueue.message_id == message_id))

    async def claim(self, holder: str, limit: int) -> list[Claimed]:
        """Up to ``limit`` due messages, at most one per mailbox and only from mailboxes
        with nothing in flight, within their pace and daily cap; held for ``holder``.

        Pacing rows are locked (``SKIP LOCKED``) so two workers never take the same
        mailbox's turn."""
        q = aliased(SendQueue)
        held = aliased(SendQueue)
        now = func.now()
        next_up = (
            select(q.message_id, q.customer_id, q.check_only, q.checks, q.due_at)
            .where(q.mailbox_id == MailboxPacing.mailbox_id, q.holder.is_(None), q.due_at <= now)
            .order_by(q.due_at)
            .limit(1)
            .lateral("next_up")
        )
        in_flight = exists().where(
            held.mailbox_id == MailboxPacing.mailbox_id, held.holder.is_not(None)
        )
        stmt = (
            select(
                MailboxPacing.mailbox_id,
                next_up.c.message_id,
                next_up.c.customer_id,
                next_up.c.check_only,
                next_up.c.checks,
            )
            .select_from(MailboxPacing)
            .join(next_up, true())
            .where(
                MailboxPacing.next_at <= now,
                MailboxPacing.paused.is_(False),
                ~in_flight,
                or_(
                    next_up.c.check_only,
                    MailboxPacing.day != UTC_TODAY,
                    MailboxPacing.sent_today < MailboxPacing.daily_cap,
                ),
            )
            .order_by(next_up.c.due_at)
            .limit(limit)
            .with_for_update(of=MailboxPacing, skip_locked=True)
        )
        rows = (await self.session.execute(stmt)).all()
        if not rows:
            return []
        # The select read the queue as it was when it started: a worker whose claim
        # committed while this one waited for nothing (the pacing row was not locked any
        # more once it committed) may already hold one of these. The update reads the
        # queue afresh, under the pacing locks now ours: only what is still free is taken.
        mine = (
            await self.session.scalars(
                update(SendQueue)
                .where(
                    SendQueue.message_id.in_([r[1] for r in rows]),
                    SendQueue.holder.is_(None),
                    ~exists().where(
                        held.mailbox_id == SendQueue.mailbox_id, held.holder.is_not(None)
                    ),
                )
                .values(holder=holder, heartbeat_at=now)
                .returning(SendQueue.message_id)
            )
        ).all()
        return [Claimed(r[1], r[2], r[0], bool(r[3]), int(r[4])) for r in rows if r[1] in mine]

    async def next_turn(self) -> float | None:
        """Seconds until the soonest queued message could be claimed: its due time or its
        mailbox's next turn, whichever is later, over the mailboxes with nothing in
        flight, not paused and under their cap (``None``: nothing waits). Negative when
        one is claimable now (held by another worker's claim under way)."""
        q = aliased(SendQueue)
        held = aliased(SendQueue)
        first = (
            select(q.due_at, q.check_only)
            .where(q.mailbox_id == MailboxPacing.mailbox_id, q.holder.is_(None))
            .order_by(q.due_at)
            .limit(1)
            .lateral("first")
        )
        in_flight = exists().where(
            held.mailbox_id == MailboxPacing.mailbox_id, held.holder.is_not(None)
        )
        soonest = func.min(func.greatest(first.c.due_at, MailboxPacing.next_at))
        stmt = (
            select(func.extract("epoch", soonest - func.now()))
            .select_from(MailboxPacing)
            .join(first, true())
            .where(
                MailboxPacing.paused.is_(False),
                ~in_flight,
                or_(
                    first.c.check_only,
                    MailboxPacing.day != UTC_TODAY,
                    MailboxPacing.sent_today < MailboxPacing.daily_cap,
                ),
            )
        )
        seconds = await self.session.scalar(stmt)
        return None if seconds is None else float(seconds)

    async def over_cap(self, mailbox_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Mailboxes that reached their daily cap today (UTC)."""
        stmt = select(MailboxPacing.mailbox_id).where(
            MailboxPacing.mailbox_id.in_(mailbox_ids),
            MailboxPacing.day == UTC_TODAY,
            MailboxPacing.sent_today >= MailboxPacing.daily_cap,
        )
        return set((await self.session.scalars(stmt)).all())

    async def count_send(self, mailbox_id: uuid.UUID) -> None:
        """One more send today, and the mailbox's next turn after its interval."""
        pacing = MailboxPacing
        await self.session.execute(
            update(pacing)
            .where(pacing.mailbox_id == mailbox_id)
            .values(
                sent_today=case((pacing.day == UTC_TODAY, pacing.sent_today + 1), else_=1),
                day=UTC_TODAY,
                next_at=func.now()
                + func.make_interval(0, 0, 0, 0, 0, 0, pacing.min_interval_seconds),
            )
        )

    async def paced(self, mailbox_id: uuid.UUID) -> None:
        """A send of the mailbox ended: its next turn is one interval from now (so the
        provider never sees two of its sends closer than its pace)."""
        pacing = MailboxPacing
        await self.session.execute(
            update(pacing)
            .where(pacing.mailbox_id == mailbox_id)
            .values(
                next_at=func.greatest(
                    pacing.next_at,
                    func.now() + func.make_interval(0, 0, 0, 0, 0, 0, pacing.min_interval_seconds),
                )
            )
        )

    async def wait_mailbox(self, mailbox_id: uuid.UUID, seconds: float) -> None:
        """The provider asked this mailbox to wait: its next turn is ``seconds`` away."""
        await self.session.execute(
            update(MailboxPacing)
            .where(MailboxPacing.mailbox_id == mailbox_id)
            .values(
                next_at=func.greatest(
                    MailboxPacing.next_at, func.now() + timedelta(seconds=seconds)
                )
            )
        )

    async def heartbeat(self, holder: str, message_ids: Sequence[uuid.UUID]) -> None:
        if message_ids:
            await self.session.execute(
                update(SendQueue)
                .where(SendQueue.holder == holder, SendQueue.message_id.in_(message_ids))
                .values(heartbeat_at=func.now())
            )

    async def held(self) -> Sequence[tuple[uuid.UUID, str, float]]:
        """Held rows (locked, skipping those another worker is looking at), each with
        its holder and the seconds since its heartbeat."""
        age = func.extract("epoch", func.now() - func.coalesce(SendQueue.heartbeat_at, func.now()))
        stmt = (
            select(SendQueue.message_id, SendQueue.holder, age)
            .where(SendQueue.holder.is_not(None))
            .with_for_update(skip_locked=True)
        )
        return [(r[0], str(r[1]), float(r[2])) for r in (await self.session.execute(stmt)).all()]

    async def release(self, message_ids: Sequence[uuid.UUID]) -> None:
        """Let these be claimed again (their holder is gone)."""
        if message_ids:
            await self.session.execute(
                update(SendQueue)
                .where(SendQueue.message_id.in_(message_ids))
                .values(holder=None, heartbeat_at=None)
            )

    async def next_due(self) -> datetime | None:
        """When the earliest unheld message falls due (the worker sleeps until then)."""
        stmt = select(func.min(SendQueue.due_at)).where(SendQueue.holder.is_(None))
        return await self.session.scalar(stmt)


class PacingRepository(RepositoryBase[MailboxPacing]):
    """The cross-tenant pace rows (ids and numbers only)."""

    model = MailboxPacing

    async def put(
        self,
        mailbox_id: uuid.UUID,
        customer_id: uuid.UUID,
        daily_cap: int,
        min_interval_seconds: float,
        paused: bool,
    ) -> None:
        stmt = insert(MailboxPacing).values(
            mailbox_id=mailbox_id,
            customer_id=customer_id,
            daily_cap=daily_cap,
            min_interval_seconds=min_interval_seconds,
            paused=paused,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[MailboxPacing.mailbox_id],
                set_={
                    "daily_cap": daily_cap,
                    "min_interval_seconds": min_interval_seconds,
                    "paused": paused,
                },
            )
        )

    async def pause(self, mailbox_id: uuid.UUID, paused: bool) -> None:
        await self.session.execute(
            update(MailboxPacing)
            .where(MailboxPacing.mailbox_id == mailbox_id)
            .values(paused=paused)
        )

    async def sent_today(self, mailbox_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not mailbox_ids:
            return {}
        stmt = select(MailboxPacing.mailbox_id, MailboxPacing.sent_today).where(
            MailboxPacing.mailbox_id.in_(mailbox_ids), MailboxPacing.day == UTC_TODAY
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(stmt)).all()}

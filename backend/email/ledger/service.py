"""The send ledger: every change of a message's state, and its event, in one place.

States: ``scheduled`` → ``sending`` → ``sent`` | ``uncertain`` | ``failed``; a
scheduled message may be ``cancelled``; a ``sending`` one whose answer was lost goes
back to the queue as a look-up (``check_only``) before anything is sent again.
Every write path (the API, the send worker, a disconnected mailbox) goes through
:class:`Ledger`, so each state change has one event shape and one version bump.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.email import events as ev
from backend.email.ledger.repository import AttemptRepository, MessageRepository, QueueRepository
from backend.email.models import Message, SendAttempt
from backend.email.providers.base import Sent
from backend.messaging.outbox import emit


def _recipients(items: list[dict[str, Any]]) -> list[ev.Recipient]:
    return [ev.Recipient(email=i["email"], name=i.get("name") or "") for i in items]


class Ledger:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.messages = MessageRepository.from_session(session)
        self.attempts = AttemptRepository.from_session(session)
        self.queue = QueueRepository.from_session(session)

    async def queue_new(self, message: Message) -> None:
        """A new message: saved, queued for its time, announced."""
        await self.messages.create(message)
        await self.queue.put(message.id, message.customer_id, message.mailbox_id, message.send_at)
        await self._emit(
            message,
            ev.EmailQueued,
            to=_recipients(message.to),
            cc=_recipients(message.cc),
            subject=message.subject,
            send_at=message.send_at,
            template_id=message.template_id,
            internet_message_id=message.message_id,
        )

    async def begin_attempt(self, message: Message, holder: str) -> SendAttempt:
        """Committed before anything leaves: the attempt, and the message ``sending``."""
        message.attempts += 1
        message.state, message.waiting_reason = "sending", None
        self._bump(message)
        attempt = SendAttempt(message_id=message.id, number=message.attempts, holder=holder)
        await self.attempts.create(attempt)
        return attempt

    async def handed_over(self, attempt_id: uuid.UUID) -> None:
        await self.attempts.handed_over(attempt_id)

    async def sent(
        self, message: Message, attempt: SendAttempt | None, sent: Sent, *, found: bool
    ) -> None:
        message.state, message.sent_at = "sent", datetime.now(UTC)
        message.provider_message_id = sent.provider_message_id or message.provider_message_id
        message.provider_thread_id = sent.provider_thread_id or message.provider_thread_id
        message.failure_code = message.failure_reason = message.waiting_reason = None
        self._finish(attempt, "found" if found else "sent", None)
        self._bump(message)
        await self.queue.drop(message.id)
        await self._emit(
            message,
            ev.EmailSent,
            sent_at=message.sent_at,
            internet_message_id=message.message_id,
            provider_message_id=message.provider_message_id,
            provider_thread_id=message.provider_thread_id,
            found_in_sent_folder=found,
        )

    async def retry(
        self,
        message: Message,
        attempt: SendAttempt | None,
        due_at: datetime,
        reason: str,
        *,
        outcome: str = "retry",
    ) -> None:
        """Not taken: back to the queue for ``due_at`` (a new attempt then)."""
        message.state, message.waiting_reason = "scheduled", reason
        self._finish(attempt, outcome, reason)
        self._bump(message)
        await self.queue.put(message.id, message.customer_id, message.mailbox_id, due_at)

    async def ambiguous(
        self,
        message: Message,
        attempt: SendAttempt | None,
        check_at: datetime,
        reason: str,
        checks: int,
    ) -> None:
        """The answer was lost: look the Message-ID up at ``check_at`` before anything else."""
        message.state, message.waiting_reason = "sending", f"Checking whether it went: {reason}"
        if attempt is not None and attempt.outcome is None:
            attempt.outcome, attempt.detail = "ambiguous", reason
        self._bump(message)
        await self.queue.put(
            message.id,
            message.customer_id,
            message.mailbox_id,
            check_at,
            check_only=True,
            checks=checks,
        )

    async def fail(
        self, message: Message, attempt: SendAttempt | None, code: str, reason: str
    ) -> None:
        message.state, message.failure_code, message.failure_reason = "failed", code, reason
        message.waiting_reason = None
        self._finish(attempt, "failed", reason)
        self._bump(message)
        await self.queue.drop(message.id)
        await self._emit(message, ev.EmailFailed, code=code, reason=reason)

    async def uncertain(self, message: Message, attempt: SendAttempt | None, reason: str) -> None:
        """It may have been sent and nothing can tell: a person decides; never resent."""
        message.state, message.failure_code, message.failure_reason = (
            "uncertain",
            "uncertain",
            reason,
        )
        message.waiting_reason = None
        if attempt is not None:
            attempt.outcome = "uncertain"
            attempt.detail = reason
            attempt.finished_at = datetime.now(UTC)
        self._bump(message)
        await self.queue.drop(message.id)
        await self._emit(message, ev.EmailUncertain, reason=reason)

    async def cancel(self, message: Message) -> None:
        message.state, message.waiting_reason = "cancelled", None
        self._bump(message)
        await self.queue.drop(message.id)
        await self._emit(message, ev.EmailCancelled)

    async def wait(self, message: Message, reason: str) -> None:
        """Still scheduled; say why it has not gone (shown to people)."""
        if message.waiting_reason != reason:
            message.waiting_reason = reason
            self._bump(message)

    async def fail_waiting(self, mailbox_id: uuid.UUID, code: str, reason: str) -> int:
        """Fail what a mailbox still had to send (it was disconnected)."""
        waiting = await self.messages.waiting_of(mailbox_id)
        for message in waiting:
            await self.fail(message, None, code, reason)
        return len(waiting)

    def _finish(self, attempt: SendAttempt | None, outcome: str, detail: str | None) -> None:
        if attempt is None:
            return
        attempt.outcome = outcome
        attempt.detail = detail if detail is not None else attempt.detail
        attempt.phase = "done"
        attempt.finished_at = datetime.now(UTC)

    @staticmethod
    def _bump(message: Message) -> None:
        message.version += 1
        message.updated_at = datetime.now(UTC)

    async def _emit(self, message: Message, event: type[Any], **extra: Any) -> None:
        await self.session.flush()
        payload = event(
            message_id=message.id,
            version=message.version,
            owner_id=message.owner_id,
            mailbox_id=message.mailbox_id,
            contact_id=message.contact_id,
            account_id=message.account_id,
            **extra,
        )
        await emit(self.session, payload, aggregate_id=message.id, customer_id=message.customer_id)

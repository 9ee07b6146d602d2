"""The send worker: takes due messages from the queue and hands each to its provider
exactly once (``salesos worker email``; in-process in solo mode and ``serve --all``).

One message is one attempt at a time, committed before anything leaves:

1. **Claim** (one short transaction across tenants): due queue rows, at most one per
   mailbox, only from mailboxes with nothing in flight, within their pace and daily
   cap (``FOR UPDATE SKIP LOCKED`` on the pacing rows, so several workers share the
   work and never take the same mailbox's turn).
2. **Prepare** (the message's tenant): the attempt is written ``prepared`` and the
   message ``sending``; commit.
3. **Hand over**: the transport commits the attempt ``handed_over`` right before the
   point after which the provider may have the message, then makes the call.
4. **Record** the outcome: sent; retry later (not taken); failed; or, when the answer
   was lost, a look-up of our Message-ID in the Sent folder before anything else.

A worker killed at any point leaves its rows held by a holder that is gone; another
(or the next) worker releases them. A message whose last attempt never got past
``prepared`` is sent afresh (nothing left); one ``handed_over`` is looked up first.
Where the Sent folder cannot prove an absence, the message becomes ``uncertain`` and
its sender decides: it is never sent again by the server alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError

from backend.email.ledger.repository import (
    AttachmentRepository,
    AttemptRepository,
    Claimed,
    MessageRepository,
    QueueRepository,
)
from backend.email.ledger.service import Ledger
from backend.email.mailboxes.repository import MailboxRepository
from backend.email.mailboxes.service import access_of, mark_needs_reconnect
from backend.email.models import Mailbox, Message, SendAttempt
from backend.email.providers.base import (
    Ambiguous,
    Credentials,
    Found,
    ProviderError,
    Reconnect,
    Refused,
    Retry,
    Transport,
)
from backend.email.providers.factory import provider_http, transport_for
from backend.email.providers.mime import FileAttachment, Outgoing, Party
from backend.email.secrets import MailboxSecrets
from backend.kit.leases import holder_gone, holder_name
from backend.kit.resources import Resources
from backend.kit.secrets import SecretBox, SecretUnreadable
from backend.kit.tenancy import TENANT_KEY

log = logging.getLogger(__name__)

CHANNEL = "email_send_queue"
"""NOTIFY channel of the queue's trigger (migration 0006)."""
POLL_SECONDS = 1.0
"""The longest the worker idles without looking (another worker's send ending, say)."""
MIN_WAIT = 0.02
"""The shortest: a turn already due belongs to another worker's claim under way."""
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 90.0
"""A holder on another host that has not refreshed its rows for this long is gone."""
RECONNECT_WAIT = 300.0
"""Seconds a message of a mailbox that needs reconnecting waits before it is looked at
again (reconnecting makes it due at once)."""
MAX_ATTEMPTS = 8
"""Attempts not taken by the provider before the message fails."""


def backoff(attempt: int, base: float = 5.0, cap: float = 1800.0) -> float:
    """Exponential with full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


class Sender:
    """One process's send worker."""

    def __init__(self, resources: Resources, *, fault: Any = None) -> None:
        self.resources = resources
        self.settings = resources.settings
        self.holder = f"{holder_name()}:{uuid.uuid4().hex[:8]}"
        """This worker (a process may run several: tests, benchmarks)."""
        self.secrets = MailboxSecrets(
            SecretBox(self.settings.require_secret_key(), self.settings.previous_secret_keys)
        )
        self.http = provider_http(self.settings)
        self.concurrency = self.settings.email_concurrency
        self.scale = self.settings.email_wait_scale
        self.lookup_scale = self.settings.email_lookup_scale
        self.in_flight: set[uuid.UUID] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self.fault = fault or (lambda _point: None)
        """Tests' hook: called with the name of each step (``"handed_over"``, …)."""

    def wake(self, *_: object) -> None:
        self._wake.set()

    # ------------------------------------------------------------------ the loop
    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop), name="email-listen")
        beat = asyncio.create_task(self._heartbeats(stop), name="email-heartbeat")
        try:
            while not stop.is_set():
                self._wake.clear()
                turn: float | None = None
                try:
                    claimed, turn = await self._claim()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError) as exc:
                    log.warning("email: database unavailable (%s); retrying", exc)
                    claimed = []
                    await _sleep_or_stop(stop, 1.0)
                except Exception:
                    log.exception("email: claiming failed; trying again")
                    claimed = []
                    await _sleep_or_stop(stop, 1.0)
                for item in claimed:
                    task = asyncio.create_task(self._process(item), name=f"email-{item.message_id}")
                    self.tasks.add(task)
                    task.add_done_callback(self._done)
                await self._idle(stop, turn)
        finally:
            listener.cancel()
            beat.cancel()
            for task in list(self.tasks):
                task.cancel()  # its rows stay held: the next worker checks them first
            await asyncio.gather(listener, beat, *self.tasks, return_exceptions=True)
            await self.http.aclose()

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self._wake.set()

    async def _idle(self, stop: asyncio.Event, turn: float | None) -> None:
        """Until a send ends, a message is queued (NOTIFY), the next turn (``turn``
        seconds away: a retry, a scheduled send, a mailbox's pace) or the poll."""
        timeout = POLL_SECONDS if turn is None else min(POLL_SECONDS, max(MIN_WAIT, turn))
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _claim(self) -> tuple[list[Claimed], float | None]:
        """What is due now (up to the free slots), and, when that left slots free (so
        nothing else is due), the seconds until the next turn (see
        :meth:`QueueRepository.next_turn`); with every slot taken, ``None``: a send
        ending wakes the loop."""
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return [], None
        claimed: list[Claimed] = []
        turn: float | None = None
        try:
            async with self.resources.sessionmaker() as session, session.begin():
                queue = QueueRepository.from_session(session)
                claimed = await queue.claim(self.holder, free)
                # Ours from here: recovery must not take back what this worker is about to
                # work on (it releases rows of ours that are not in flight).
                self.in_flight.update(item.message_id for item in claimed)
                for item in claimed:
                    if not item.check_only:
                        await queue.count_send(item.mailbox_id)
                if len(claimed) < free:
                    turn = await queue.next_turn()
        except BaseException:
            self.in_flight.difference_update(item.message_id for item in claimed)
            raise
        return claimed, turn

    async def _listen(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self.resources.engine.connect() as sa_conn:
                    raw = await sa_conn.get_raw_connection()
                    conn: asyncpg.Connection[Any] = raw.driver_connection
                    await conn.add_listener(CHANNEL, self.wake)
                    try:
                        await stop.wait()
                    finally:
                        with contextlib.suppress(Exception):
                            await conn.remove_listener(CHANNEL, self.wake)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # polling still runs; listen again soon
                log.debug("email: LISTEN failed (%s)", exc)
                await _sleep_or_stop(stop, 2.0)

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        """Refresh our rows, and release rows whose holder is gone (or ours, idle)."""
        while not stop.is_set():
            with contextlib.suppress(Exception):
                await self.recover()
            await _sleep_or_stop(stop, HEARTBEAT_SECONDS)

    async def recover(self) -> int:
        """Release the queue rows of holders that are gone; returns how many."""
        async with self.resources.sessionmaker() as session, session.begin():
            queue = QueueRepository.from_session(session)
            await queue.heartbeat(self.holder, list(self.in_flight))
            gone = [
                mid
                for mid, holder, age in await queue.held()
                if (holder == self.holder and mid not in self.in_flight)
                or holder_gone(holder, age, STALE_SECONDS)
            ]
            await queue.release(gone)
        if gone:
            log.warning("email: %d send(s) of a stopped worker are checked and resumed", len(gone))
            self._wake.set()
        return len(gone)

    # ------------------------------------------------------------------ one message
    async def _process(self, item: Claimed) -> None:
        try:
            await self._handle(item)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "email: message %s: unexpected failure; it is looked at again", item.message_id
            )
            with contextlib.suppress(Exception):
                async with self._tenant(item.customer_id) as session, session.begin():
                    await QueueRepository.from_session(session).put(
                        item.message_id,
                        item.customer_id,
                        item.mailbox_id,
                        datetime.now(UTC) + timedelta(seconds=30 * self.scale),
                        check_only=item.check_only,
                        checks=item.checks,
                    )
        finally:
            self.in_flight.discard(item.message_id)

    async def _handle(self, item: Claimed) -> None:
        async with self._tenant(item.customer_id) as session, session.begin():
            ledger = Ledger(session)
            message = await MessageRepository.from_session(session).locked(item.message_id)
            if message is None or message.state not in ("scheduled", "sending"):
                await ledger.queue.drop(item.message_id)
                return
            mailbox = await MailboxRepository.from_session(session).get(message.mailbox_id)
            if mailbox is None or mailbox.status == "disconnected":
                await ledger.fail(
                    message, None, "mailbox_disconnected", "Its mailbox was disconnected."
                )
                return
            if mailbox.status != "connected":
                await ledger.wait(message, "Its mailbox needs reconnecting.")
                await ledger.queue.put(
                    message.id,
                    message.customer_id,
                    mailbox.id,
                    datetime.now(UTC) + timedelta(seconds=RECONNECT_WAIT * self.scale),
                    check_only=item.check_only,
                    checks=item.checks,
                )
                return
            try:
                creds = self.secrets.open(mailbox)
            except SecretUnreadable as exc:
                await mark_needs_reconnect(
                    session, mailbox, f"Its stored sign-in cannot be read ({exc})."
                )
                await ledger.wait(message, "Its mailbox needs reconnecting.")
                await ledger.queue.put(
                    message.id,
                    message.customer_id,
                    mailbox.id,
                    datetime.now(UTC) + timedelta(seconds=RECONNECT_WAIT * self.scale),
                )
                return
            last = await AttemptRepository.from_session(session).last(message.id)
            checking = item.check_only or (
                message.state == "sending"
                and last is not None
                and last.phase == "handed_over"
                and last.outcome in (None, "ambiguous")
            )
            if not checking:
                if last is not None and last.outcome is None:
                    last.outcome, last.phase = "abandoned", "done"  # stopped before handing over
                attempt = await ledger.begin_attempt(message, self.holder)
            outgoing = await self._outgoing(session, message, mailbox)
            snapshot = _MailboxView(mailbox)
            attempt_id = attempt.id if not checking else (last.id if last else None)
        self.fault("prepared")
        transport = self._transport(item.customer_id, snapshot, creds)
        if checking:
            await self._check(item, transport, outgoing.message_id, attempt_id, snapshot)
        else:
            assert attempt_id is not None
            await self._send(item, transport, outgoing, attempt_id, snapshot)

    async def _send(
        self,
        item: Claimed,
        transport: Transport,
        outgoing: Outgoing,
        attempt_id: uuid.UUID,
        mailbox: _MailboxView,
    ) -> None:
        async def handover() -> None:
            async with self._tenant(item.customer_id) as session, session.begin():
                await AttemptRepository.from_session(session).handed_over(attempt_id)
            self.fault("handed_over")

        try:
            async with asyncio.timeout(self.settings.email_send_timeout * 3):
                sent = await transport.send(outgoing, handover)
        except TimeoutError:
            await self._after_ambiguous(
                item, Ambiguous("answer_lost", "No answer in time."), attempt_id, transport
            )
            return
        except Ambiguous as exc:
            await self._after_ambiguous(item, exc, attempt_id, transport)
            return
        except ProviderError as exc:
            await self._after_error(item, exc, attempt_id)
            return
        self.fault("accepted")
        async with self._tenant(item.customer_id) as session, session.begin():
            message, attempt = await self._load(session, item.message_id, attempt_id)
            if message is None:
                return
            await Ledger(session).sent(message, attempt, sent, found=False)
            await self._learned(session, mailbox, transport)

    async def _check(
        self,
        item: Claimed,
        transport: Transport,
        message_id: str,
        attempt_id: uuid.UUID | None,
        mailbox: _MailboxView,
    ) -> None:
        try:
            lookup = await transport.find_sent(message_id)
        except Reconnect as exc:
            await self._after_error(item, exc, attempt_id, checking=True)
            return
        except ProviderError as exc:  # the look-up itself failed: look again later
            async with self._tenant(item.customer_id) as session, session.begin():
                await QueueRepository.from_session(session).put(
                    item.message_id,
                    item.customer_id,
                    item.mailbox_id,
                    datetime.now(UTC) + timedelta(seconds=backoff(item.checks + 1) * self.scale),
                    check_only=True,
                    checks=item.checks,
                )
            log.info("email: look-up of %s failed (%s); again later", message_id, exc.message)
            return
        async with self._tenant(item.customer_id) as session, session.begin():
            message, attempt = await self._load(session, item.message_id, attempt_id)
            if message is None:
                return
            ledger = Ledger(session)
            delays = transport.lookup_delays
            if lookup.found is Found.YES:
                assert lookup.sent is not None
                await ledger.sent(message, attempt, lookup.sent, found=True)
            elif lookup.found is Found.NO and item.checks + 1 < len(delays):
                wait = delays[item.checks + 1] * self.lookup_scale
                await ledger.ambiguous(
                    message,
                    attempt,
                    datetime.now(UTC) + timedelta(seconds=wait),
                    lookup.detail,
                    checks=item.checks + 1,
                )
            elif lookup.found is Found.NO:
                await ledger.retry(
                    message,
                    attempt,
                    datetime.now(UTC),
                    f"Not sent after all ({lookup.detail}); sending it now.",
                    outcome="not_found",
                )
            else:
                await ledger.uncertain(
                    message,
                    attempt,
                    (
                        "The server's answer was lost and nothing can tell whether it took the "
                        f"message: {lookup.detail}. Check your Sent folder or ask the recipient, "
                        "then mark it sent or send it again."
                    ),
                )

    async def _after_ambiguous(
        self, item: Claimed, exc: Ambiguous, attempt_id: uuid.UUID, transport: Transport
    ) -> None:
        delays = transport.lookup_delays
        ours = (delays[0] if delays else 0.0) * self.lookup_scale
        wait = exc.check_after if exc.check_after is not None else ours  # the provider's word
        async with self._tenant(item.customer_id) as session, session.begin():
            message, attempt = await self._load(session, item.message_id, attempt_id)
            if message is None:
                return
            await Ledger(session).ambiguous(
                message, attempt, datetime.now(UTC) + timedelta(seconds=wait), exc.message, checks=0
            )

    async def _after_error(
        self,
        item: Claimed,
        exc: ProviderError,
        attempt_id: uuid.UUID | None,
        *,
        checking: bool = False,
    ) -> None:
        async with self._tenant(item.customer_id) as session, session.begin():
            message, attempt = await self._load(session, item.message_id, attempt_id)
            if message is None:
                return
            ledger = Ledger(session)
            queue = QueueRepository.from_session(session)
            if isinstance(exc, Reconnect):
                mailbox = await MailboxRepository.from_session(session).get(message.mailbox_id)
                if mailbox is not None:
                    await mark_needs_reconnect(session, mailbox, exc.message)
                later = datetime.now(UTC) + timedelta(seconds=RECONNECT_WAIT * self.scale)
                if checking:
                    await ledger.ambiguous(message, attempt, later, exc.message, checks=item.checks)
                else:
                    await ledger.retry(message, attempt, later, "Its mailbox needs reconnecting.")
            elif isinstance(exc, Refused) or message.attempts >= MAX_ATTEMPTS:
                await ledger.fail(message, attempt, exc.code, exc.message)
            else:
                assert isinstance(exc, Retry)
                wait = max(exc.retry_after or 0.0, backoff(message.attempts) * self.scale)
                if exc.mailbox_wide:
                    await queue.wait_mailbox(message.mailbox_id, exc.retry_after or wait)
                await ledger.retry(
                    message, attempt, datetime.now(UTC) + timedelta(seconds=wait), exc.message
                )

    # ------------------------------------------------------------------ helpers
    async def _learned(self, session: Any, mailbox: _MailboxView, transport: Transport) -> None:
        files = getattr(transport, "files_sent", None)
        if files is not None and files != mailbox.server_files_sent:
            row = await MailboxRepository.from_session(session).get(mailbox.id)
            if row is not None:
                row.server_files_sent = files

    async def _load(
        self, session: Any, message_id: uuid.UUID, attempt_id: uuid.UUID | None
    ) -> tuple[Message | None, SendAttempt | None]:
        message = await MessageRepository.from_session(session).locked(message_id)
        attempt = (
            await AttemptRepository.from_session(session).get(attempt_id) if attempt_id else None
        )
        queue = QueueRepository.from_session(session)
        if message is None or message.state not in ("scheduled", "sending"):
            await queue.drop(message_id)
            return None, None
        await queue.paced(message.mailbox_id)  # its pace counts from the end of this call
        return message, attempt

    async def _outgoing(self, session: Any, message: Message, mailbox: Mailbox) -> Outgoing:
        files = await AttachmentRepository.from_session(session).of_message(message.id)
        return Outgoing(
            message_id=message.message_id,
            sender=Party(mailbox.email, mailbox.display_name),
            to=tuple(Party(r["email"], r.get("name") or "") for r in message.to),
            cc=tuple(Party(r["email"], r.get("name") or "") for r in message.cc),
            bcc=tuple(Party(r["email"], r.get("name") or "") for r in message.bcc),
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            date=message.send_at,
            in_reply_to=message.in_reply_to,
            references=tuple(message.references),
            thread_id=message.provider_thread_id,
            attachments=tuple(FileAttachment(f.filename, f.content_type, f.data) for f in files),
        )

    def _transport(
        self, customer_id: uuid.UUID, mailbox: _MailboxView, creds: Credentials
    ) -> Transport:
        async def keep(new: Credentials) -> None:
            """Refreshed (Microsoft rotates refresh tokens): stored at once, sealed."""
            async with self._tenant(customer_id) as session, session.begin():
                row = await MailboxRepository.from_session(session).get(mailbox.id)
                if row is not None:
                    self.secrets.seal(row, new)
                    row.token_expires_at = new.expires_at

        return transport_for(mailbox.access, creds, self.settings, self.http, keep)

    def _tenant(self, customer_id: uuid.UUID) -> Any:
        session = self.resources.sessionmaker()
        session.info[TENANT_KEY] = customer_id
        return session


class _MailboxView:
    """What the worker keeps of a mailbox outside its transaction."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.id = mailbox.id
        self.server_files_sent = mailbox.server_files_sent
        self.access = access_of(mailbox)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def send_due(resources: Resources, stop: asyncio.Event) -> None:
    """The ``email`` worker."""
    await Sender(resources).run(stop)

"""Consumers: one consumer group per handler, and group-less listeners.

A context declares its handlers in its ``handlers.py`` and lists them in its
descriptor (``backend/<context>/context.py``), which is how they come to run::

    handlers = Handlers()

    @handlers.on("activities.timeline", topics.CRM_CONTACTS, types={"crm.contact.created"})
    async def log_new_contact(session: AsyncSession, event: Envelope) -> None:
        ...  # writes with ``session``; the tenant of ``event`` is bound

    CONTEXT = BoundedContext(..., handlers=handlers.all())

Effectively once: the runner inserts ``events.processed_events(consumer, event_id)``
in the same transaction as the handler's effects, commits, and only then commits the
Kafka offsets. A redelivered event (a relay crash, a rebalance, a broker loss) finds
its row and is skipped. Messages of one partition (so of one aggregate) are handled
in order. A batch is handled in one transaction; if a handler fails, the batch is
rolled back and handled again one event at a time, each retried with backoff, and an
event that fails ``consumer_max_attempts`` times goes to ``events.dead_letters``
(the others go on).

A :class:`Listener` reads without a group (every process sees every event, from the
newest on; nothing is de-duplicated or committed): the gateway's live feed. Both run
on the same loop (:meth:`ConsumerRunner._consume`) and read messages with the one
codec (:meth:`Envelope.decode`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kit.db import database_unavailable
from backend.kit.settings import Settings
from backend.kit.tenancy import bind_tenant
from backend.messaging.envelope import Envelope
from backend.messaging.relay import backoff
from backend.messaging.repository import ConsumerStore
from backend.messaging.topics import Topic

log = logging.getLogger(__name__)

HandlerFunc = Callable[[AsyncSession, Envelope], Awaitable[None]]
ListenerFunc = Callable[[Envelope], None]

BATCH = 500
"""Most messages fetched (and handled in one transaction) at once."""


@dataclass(frozen=True)
class Handler:
    """One consumer group: a name, the topics it reads, the event types it wants."""

    name: str
    topics: tuple[str, ...]
    func: HandlerFunc
    types: frozenset[str] | None = None

    def wants(self, event: Envelope) -> bool:
        return self.types is None or event.type in self.types


@dataclass(frozen=True)
class Listener:
    """A group-less reader of ``topics`` from their end: ``func`` gets each event as it
    is published, in every process that listens (it must not block: it hands the
    event on, e.g. to queues)."""

    name: str
    topics: tuple[str, ...]
    func: ListenerFunc


class Handlers:
    """The handlers of one context; its descriptor lists them with :meth:`all`."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def on(
        self, name: str, *topics: Topic | str, types: Iterable[str] | None = None
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """Register the decorated coroutine as consumer group ``name``."""

        def register(func: HandlerFunc) -> HandlerFunc:
            if name in self._handlers:
                raise ValueError(f"a handler named {name!r} is registered already")
            self._handlers[name] = Handler(
                name,
                tuple(str(t) for t in topics),
                func,
                frozenset(types) if types is not None else None,
            )
            return func

        return register

    def all(self) -> tuple[Handler, ...]:
        return tuple(self._handlers.values())


@dataclass
class GroupStats:
    """What one consumer group has done (``/metrics`` reads it)."""

    handled: int = 0
    duplicates: int = 0
    retries: int = 0
    dead_lettered: int = 0
    lag: int = 0


@dataclass
class RunnerStats:
    groups: dict[str, GroupStats] = field(default_factory=dict)


BatchFunc = Callable[[Sequence[ConsumerRecord[Any, Any]]], Awaitable[None]]


class ConsumerRunner:
    """Runs each handler as its own consumer group, and listeners, until stopped.

    Args:
        sessionmaker: Sessions as the app role (handlers' effects are tenant-checked);
            ``None`` for a runner of listeners only.
        bootstrap_servers: The broker.
        settings: Attempts per event.
        groups: The consumer groups to run (every context's, from their descriptors).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession] | None,
        bootstrap_servers: str,
        settings: Settings,
        groups: Sequence[Handler] = (),
    ) -> None:
        if groups and sessionmaker is None:
            raise ValueError("consumer groups need a sessionmaker")
        self._sessionmaker = sessionmaker
        self._servers = bootstrap_servers
        self._settings = settings
        self._groups = list(groups)
        self.stats = RunnerStats({g.name: GroupStats() for g in self._groups})

    @property
    def groups(self) -> list[Handler]:
        return list(self._groups)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then finish the batch in hand and leave."""
        if not self._groups:
            await stop.wait()
            return
        await asyncio.gather(*(self._run_group(group, stop) for group in self._groups))

    async def listen(
        self, listener: Listener, stop: asyncio.Event, ready: asyncio.Event | None = None
    ) -> None:
        """Hand each event published from now on to ``listener`` until ``stop`` is set;
        ``ready`` is set once the reader is positioned at the end of its topics (every
        event published after that is delivered)."""

        async def dispatch(records: Sequence[ConsumerRecord[Any, Any]]) -> None:
            for record in records:
                try:
                    event = Envelope.decode(record.value)
                except ValidationError:
                    log.warning(
                        "%s: a message on %s is not an envelope", listener.name, record.topic
                    )
                    continue
                listener.func(event)

        await self._consume(listener.name, listener.topics, None, dispatch, stop, ready=ready)

    async def register(self) -> None:
        """Record the groups, so the relay knows whom a re-published event is for."""
        async with self._session() as session, session.begin():
            store = ConsumerStore(session)
            for group in self._groups:
                await store.register_group(group.name, group.topics)

    def _session(self) -> AsyncSession:
        assert self._sessionmaker is not None  # groups exist only with one (see __init__)
        return self._sessionmaker()

    async def _run_group(self, group: Handler, stop: asyncio.Event) -> None:
        async def handle(records: Sequence[ConsumerRecord[Any, Any]]) -> None:
            await self._handle_batch(group, records)

        await self._consume(
            group.name, group.topics, group.name, handle, stop, before_start=self.register
        )

    async def _consume(
        self,
        name: str,
        topics: Sequence[str],
        group_id: str | None,
        on_batch: BatchFunc,
        stop: asyncio.Event,
        *,
        before_start: Callable[[], Awaitable[None]] | None = None,
        ready: asyncio.Event | None = None,
    ) -> None:
        """The one Kafka loop: connect (again, with backoff, after any failure), fetch
        batches per partition, hand them on; with a group, commit each batch's offset
        after it was handled; without one, start at the end of the topics."""
        failures = 0
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                *topics,
                bootstrap_servers=self._servers,
                group_id=group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest" if group_id else "latest",
                max_poll_records=BATCH,
                metadata_max_age_ms=5_000,  # see topics the relay creates soon
                fetch_max_wait_ms=25,  # the broker answers at once when data waits
            )
            try:
                if before_start is not None:
                    await before_start()
                await consumer.start()
                if group_id is None:
                    # Pin "the end" now, so everything published from here on arrives.
                    await consumer.seek_to_end()
                    if ready is not None:
                        ready.set()
                failures = 0
                while not stop.is_set():
                    batches = await consumer.getmany(timeout_ms=200, max_records=BATCH)
                    for tp, records in batches.items():
                        await on_batch(records)
                        if group_id is not None:
                            await consumer.commit({tp: records[-1].offset + 1})
                    if group_id is not None:
                        await self._update_lag(group_id, consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if database_unavailable(exc):
                    log.warning("consumer %s: database unavailable (%s)", name, exc)
                elif isinstance(exc, KafkaError | OSError):
                    log.warning("consumer %s: broker unavailable (%s)", name, exc)
                else:
                    log.exception("consumer %s: unexpected failure; restarting", name)
                await _sleep_or_stop(stop, min(5.0, 0.2 * 2**failures))
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)

    async def _update_lag(self, group: str, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is not None:
                lag += max(0, high - await consumer.position(tp))
        self.stats.groups[group].lag = lag

    async def _handle_batch(
        self, group: Handler, records: Sequence[ConsumerRecord[Any, Any]]
    ) -> None:
        events = [(record.topic, Envelope.decode(record.value)) for record in records]
        stats = self.stats.groups[group.name]
        try:
            async with self._session() as session, session.begin():
                fresh = await ConsumerStore(session).mark_processed(
                    group.name, [event.id for _, event in events]
                )
                handled = len(fresh)
                for _, event in events:
                    if event.id not in fresh:
                        continue
                    fresh.discard(event.id)  # the same event twice in one batch
                    if group.wants(event):
                        await _bind(session, event)
                        await group.func(session, event)
        except Exception as exc:
            if database_unavailable(exc):
                raise  # not the events' fault: start again when it is back
            log.warning("consumer %s: batch failed (%s); one event at a time", group.name, exc)
            for topic, event in events:
                await self._handle_one(group, topic, event)
            return
        stats.handled += handled
        stats.duplicates += len(events) - handled

    async def _handle_one(self, group: Handler, topic: str, event: Envelope) -> None:
        stats = self.stats.groups[group.name]
        attempts = 0
        while True:
            attempts += 1
            try:
                async with self._session() as session, session.begin():
                    fresh = await ConsumerStore(session).mark_processed(group.name, [event.id])
                    if not fresh:
                        stats.duplicates += 1
                        return
                    if group.wants(event):
                        await _bind(session, event)
                        await group.func(session, event)
                stats.handled += 1
                return
            except Exception as exc:
                if database_unavailable(exc):
                    raise
                if attempts >= self._settings.consumer_max_attempts:
                    await self._dead_letter(group, topic, event, exc, attempts)
                    return
                stats.retries += 1
                await asyncio.sleep(backoff(attempts, base=0.05, cap=10.0))

    async def _dead_letter(
        self, group: Handler, topic: str, event: Envelope, exc: BaseException, attempts: int
    ) -> None:
        log.error(
            "consumer %s: event %s (%s) failed %d times; dead-lettered: %s",
            group.name, event.id, event.type, attempts, exc,
        )  # fmt: skip
        async with self._session() as session, session.begin():
            store = ConsumerStore(session)
            await store.mark_processed(group.name, [event.id])  # so a redelivery skips it
            await store.bury(
                group.name,
                event.id,
                topic,
                event.encode().decode(),
                f"{type(exc).__name__}: {exc}"[:2000],
                attempts,
            )
        self.stats.groups[group.name].dead_lettered += 1


async def _bind(session: AsyncSession, event: Envelope) -> None:
    if event.customer_id is not None and session.info.get("customer_id") != event.customer_id:
        await bind_tenant(session, event.customer_id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)

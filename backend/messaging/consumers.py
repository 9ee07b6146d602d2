"""Consumers: handlers registered per context, run as one consumer group each.

A context declares its handlers in its ``handlers.py``::

    from backend.messaging.consumers import handlers

    @handlers.on("activities.timeline", topics.CRM_CONTACTS, types={"crm.contact.created"})
    async def log_new_contact(session: AsyncSession, event: Envelope) -> None:
        ...  # writes with ``session``; the tenant of ``event`` is bound

Effectively once: the runner inserts ``events.processed_events(consumer, event_id)``
in the same transaction as the handler's effects, commits, and only then commits the
Kafka offsets. A redelivered event (a relay crash, a rebalance, a broker loss) finds
its row and is skipped. Messages of one partition (so of one aggregate) are handled
in order. A batch is handled in one transaction; if a handler fails, the batch is
rolled back and handled again one event at a time, each retried with backoff, and an
event that fails ``consumer_max_attempts`` times goes to ``events.dead_letters``
(the others go on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kit.settings import Settings
from backend.kit.tenancy import bind_tenant
from backend.messaging.envelope import Envelope
from backend.messaging.relay import backoff
from backend.messaging.topics import Topic

log = logging.getLogger(__name__)

HandlerFunc = Callable[[AsyncSession, Envelope], Awaitable[None]]

BATCH = 500
"""Most messages fetched (and handled in one transaction) at once."""

_MARK = text(
    "INSERT INTO events.processed_events (consumer, event_id) "
    "SELECT :consumer, unnest(CAST(:ids AS uuid[])) ON CONFLICT DO NOTHING RETURNING event_id"
)
_REGISTER = text(
    "INSERT INTO events.consumer_groups (name, topics) VALUES (:name, :topics) "
    "ON CONFLICT (name) DO UPDATE SET topics = excluded.topics, seen_at = now()"
)
_DEAD = text(
    "INSERT INTO events.dead_letters (source, event_id, topic, envelope, error, attempts) "
    "VALUES (:source, :event_id, :topic, CAST(:envelope AS jsonb), :error, :attempts)"
)


@dataclass(frozen=True)
class Handler:
    """One consumer group: a name, the topics it reads, the event types it wants."""

    name: str
    topics: tuple[str, ...]
    func: HandlerFunc
    types: frozenset[str] | None = None

    def wants(self, event: Envelope) -> bool:
        return self.types is None or event.type in self.types


class HandlerRegistry:
    """Handlers by consumer-group name; :data:`handlers` is the application's."""

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

    def all(self) -> list[Handler]:
        return list(self._handlers.values())


handlers = HandlerRegistry()
"""The application's handlers (each context's ``handlers.py`` registers here)."""


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


class ConsumerRunner:
    """Runs each handler as its own consumer group until stopped.

    Args:
        sessionmaker: Sessions as the app role (handlers' effects are tenant-checked).
        bootstrap_servers: The broker.
        settings: Attempts per event.
        handlers: The groups to run (the application's registry by default).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bootstrap_servers: str,
        settings: Settings,
        groups: Sequence[Handler] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._servers = bootstrap_servers
        self._settings = settings
        self._groups = list(groups) if groups is not None else handlers.all()
        self.stats = RunnerStats({g.name: GroupStats() for g in self._groups})

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then finish the batch in hand and leave."""
        if not self._groups:
            await stop.wait()
            return
        await asyncio.gather(*(self._run_group(group, stop) for group in self._groups))

    async def register(self) -> None:
        """Record the groups, so the relay knows whom a re-published event is for."""
        async with self._sessionmaker() as session, session.begin():
            for group in self._groups:
                await session.execute(_REGISTER, {"name": group.name, "topics": list(group.topics)})

    async def _run_group(self, group: Handler, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                *group.topics,
                bootstrap_servers=self._servers,
                group_id=group.name,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=BATCH,
                metadata_max_age_ms=5_000,  # see topics the relay creates soon
                fetch_max_wait_ms=25,  # the broker answers at once when data waits
            )
            try:
                await self.register()
                await consumer.start()
                failures = 0
                while not stop.is_set():
                    batches = await consumer.getmany(timeout_ms=200, max_records=BATCH)
                    for tp, records in batches.items():
                        await self._handle_batch(group, records)
                        await consumer.commit({tp: records[-1].offset + 1})
                    await self._update_lag(group, consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if database_unavailable(exc):
                    log.warning("consumer %s: database unavailable (%s)", group.name, exc)
                elif isinstance(exc, KafkaError | OSError):
                    log.warning("consumer %s: broker unavailable (%s)", group.name, exc)
                else:
                    log.exception("consumer %s: unexpected failure; restarting", group.name)
                await _sleep_or_stop(stop, min(5.0, 0.2 * 2**failures))
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)

    async def _update_lag(self, group: Handler, consumer: AIOKafkaConsumer) -> None:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is not None:
                lag += max(0, high - await consumer.position(tp))
        self.stats.groups[group.name].lag = lag

    async def _handle_batch(
        self, group: Handler, records: Sequence[ConsumerRecord[Any, Any]]
    ) -> None:
        events = [(record.topic, _envelope(record)) for record in records]
        stats = self.stats.groups[group.name]
        try:
            async with self._sessionmaker() as session, session.begin():
                fresh = await self._mark(session, group, [event for _, event in events])
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

    async def _mark(
        self, session: AsyncSession, group: Handler, events: list[Envelope]
    ) -> set[uuid.UUID]:
        rows = await session.execute(
            _MARK, {"consumer": group.name, "ids": [str(e.id) for e in events]}
        )
        return {row[0] for row in rows}

    async def _handle_one(self, group: Handler, topic: str, event: Envelope) -> None:
        stats = self.stats.groups[group.name]
        attempts = 0
        while True:
            attempts += 1
            try:
                async with self._sessionmaker() as session, session.begin():
                    fresh = await self._mark(session, group, [event])
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
        async with self._sessionmaker() as session, session.begin():
            await self._mark(session, group, [event])  # so a redelivery skips it
            await session.execute(
                _DEAD,
                {
                    "source": f"consumer:{group.name}",
                    "event_id": event.id,
                    "topic": topic,
                    "envelope": event.model_dump_json(),
                    "error": f"{type(exc).__name__}: {exc}"[:2000],
                    "attempts": attempts,
                },
            )
        self.stats.groups[group.name].dead_lettered += 1


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (not that an event or handler is bad)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    cause = exc.__cause__
    return _connection_error(exc) or (cause is not None and _connection_error(cause))


def _connection_error(exc: BaseException) -> bool:
    return isinstance(
        exc,
        OSError
        | asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.InterfaceError
        | asyncpg.AdminShutdownError
        | asyncpg.CrashShutdownError,
    )


def _envelope(record: ConsumerRecord[Any, Any]) -> Envelope:
    return Envelope.model_validate_json(record.value)


async def _bind(session: AsyncSession, event: Envelope) -> None:
    if event.customer_id is not None and session.info.get("customer_id") != event.customer_id:
        await bind_tenant(session, event.customer_id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def parse_value(value: bytes) -> dict[str, Any]:
    """A message value as a dict (for tools that read topics)."""
    parsed: dict[str, Any] = json.loads(value)
    return parsed


__all__ = [
    "ConsumerRunner",
    "Handler",
    "HandlerRegistry",
    "TopicPartition",
    "handlers",
    "parse_value",
]

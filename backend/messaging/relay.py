"""The outbox relay: publishes committed ``events.outbox`` rows to the broker.

How it stays correct:

- **No cursor.** Each round reads the *unpublished* rows (``published_at IS NULL``),
  oldest position first. A transaction that commits late is simply found by a later
  round; nothing is skipped.
- **Order per aggregate.** A round takes only the oldest unpublished event of each
  aggregate, and the next one only after the broker acknowledged it. Writers of one
  aggregate are serialised by :func:`backend.messaging.outbox.emit` (a transaction
  advisory lock per aggregate), so position order is commit order per aggregate.
  Messages are keyed by aggregate id, so they land on one partition, in that order.
- **At least once.** A row is marked published only after the broker acknowledged
  it (``acks="all"``); a crash in between publishes it again. Consumers de-duplicate
  by event id (:mod:`backend.messaging.consumers`).
- **One active relay** per database: the leader holds a session advisory lock; a
  second relay process waits for it (and takes over when the first dies).
- **Failures.** A broker that cannot be reached is waited for (exponential backoff
  with jitter) and costs the events nothing. An event the broker refuses is retried
  with backoff; after ``relay_max_attempts`` it moves to ``events.dead_letters``
  and the aggregate's next event goes on. Other aggregates are never held up.
- **Broker loss.** The embedded broker keeps its log in memory. The relay keeps a
  marker topic; when the marker is gone the broker is new, and every event still in
  the outbox is published again (``SALESOS_REPUBLISH_AFTER_BROKER_LOSS=all``, the
  default with the embedded broker: the topics then hold what the outbox holds), or
  only those a registered consumer group has not processed (``groups``, the default
  with a cluster, which keeps its own log).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, NodeNotReadyError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.kit.settings import Settings
from backend.messaging.envelope import encode_stored, kafka_headers
from backend.messaging.repository import RelayStore

log = logging.getLogger(__name__)

CHANNEL = "events_outbox"
"""NOTIFY channel of the outbox's insert trigger."""

MARKER_TOPIC = "salesos.relay-marker"
"""Written by the relay once it has published to a broker; gone after a broker loss."""

RETENTION_EVERY = 60.0
"""Seconds between retention passes."""

BROKER_ERRORS = (KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError, OSError)
"""Errors that say the broker is away, not that an event is bad."""


def backoff(attempt: int, base: float = 0.5, cap: float = 60.0) -> float:
    """Seconds to wait before try ``attempt + 1``: exponential with full jitter."""
    ceiling = min(cap, base * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not a secret)


def envelope_json(row: asyncpg.Record) -> bytes:
    """The message value of a claimed outbox row (payload and headers as stored)."""
    return encode_stored(
        event_id=row["id"],
        event_type=row["type"],
        customer_id=row["customer_id"],
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        occurred_at=row["occurred_at"],
        payload_json=row["payload"],
        headers_json=row["headers"],
    )


@dataclass
class RelayStats:
    """What the relay has done since it started (``/metrics`` reads it)."""

    published: int = 0
    retried: int = 0
    dead_lettered: int = 0
    republished: int = 0
    rounds: int = 0
    leader: bool = False
    waited: int = 0
    """Times it found another relay leading (and waited)."""
    last_publish_at: float = 0.0
    broker_down_since: float | None = None
    lag_seconds: list[float] = field(default_factory=list)


class Relay:
    """Publishes the outbox, for as long as :meth:`run` runs.

    Args:
        engine: An engine for the events schema (the app role is enough).
        bootstrap_servers: The broker.
        settings: Batch size, attempts, poll interval, retention.
        on_published: Called with the number of events of each acknowledged round
            (tests and benchmarks count with it).
        fault: Called at ``"claimed"`` (rows read, nothing sent) and ``"acked"``
            (the broker has them, the outbox does not know yet): the crash tests
            kill the process there.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        settings: Settings,
        *,
        on_published: Callable[[int], None] | None = None,
        fault: Callable[[str], None] | None = None,
    ) -> None:
        self._engine = engine
        self._servers = bootstrap_servers
        self._settings = settings
        self._wake = asyncio.Event()
        self._on_published = on_published
        self._fault = fault or (lambda _point: None)
        self.stats = RelayStats()
        self._producer: AIOKafkaProducer | None = None
        self._next_retention = 0.0

    def wake(self) -> None:
        """Look at the outbox now (the NOTIFY listener calls this)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Lead (or wait to lead), then publish until ``stop`` is set.

        Survives the database and the broker going away: it waits and starts again.
        """
        while not stop.is_set():
            try:
                await self._lead(stop)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError) as exc:
                log.warning("relay: database unavailable (%s); retrying", exc)
                self.stats.leader = False
                await _sleep_or_stop(stop, 1.0)
            except Exception:
                log.exception("relay: unexpected failure; restarting in 1 s")
                self.stats.leader = False
                await _sleep_or_stop(stop, 1.0)
        await self._close_producer()

    async def _lead(self, stop: asyncio.Event) -> None:
        async with self._engine.connect() as sa_conn:
            raw = await sa_conn.get_raw_connection()
            conn: asyncpg.Connection[Any] = raw.driver_connection
            store = RelayStore(conn)
            # Autocommit statements: the session lock and LISTEN outlive transactions.
            while not await store.try_lead():
                self.stats.waited += 1
                if stop.is_set():
                    return
                await _sleep_or_stop(stop, self._settings.relay_poll_seconds)
            self.stats.leader = True
            log.info("relay: leading")
            listener = self._on_notify
            await conn.add_listener(CHANNEL, listener)
            try:
                await self._publish_until(store, stop)
            finally:
                self.stats.leader = False
                with contextlib.suppress(Exception):
                    await conn.remove_listener(CHANNEL, listener)
                with contextlib.suppress(Exception):
                    await store.stop_leading()

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def _publish_until(self, store: RelayStore, stop: asyncio.Event) -> None:
        broker_wait = 0
        while not stop.is_set():
            self._wake.clear()
            try:
                producer = await self._producer_ready()
                sent = await self._round(store, producer)
                broker_wait = 0
                self.stats.broker_down_since = None
            except BROKER_ERRORS as exc:
                if self.stats.broker_down_since is None:
                    self.stats.broker_down_since = time.monotonic()
                    log.warning("relay: broker unavailable (%s); waiting", exc)
                await self._close_producer()
                broker_wait += 1
                await _sleep_or_stop(stop, backoff(min(broker_wait, 5), base=0.2, cap=5.0))
                continue
            if time.monotonic() >= self._next_retention:
                await self.apply_retention(store)
            if sent >= self._settings.relay_batch_size:
                continue  # more is waiting
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.relay_poll_seconds):
                    stop_wait = asyncio.ensure_future(stop.wait())
                    wake_wait = asyncio.ensure_future(self._wake.wait())
                    try:
                        await asyncio.wait(
                            (stop_wait, wake_wait), return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        stop_wait.cancel()
                        wake_wait.cancel()

    async def _producer_ready(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._servers,
                acks="all",
                linger_ms=2,
                max_batch_size=256 * 1024,
                request_timeout_ms=10_000,
                retry_backoff_ms=100,
            )
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5)

    async def _check_marker(
        self, store: RelayStore, producer: AIOKafkaProducer
    ) -> AIOKafkaProducer:
        """Before each round: if the broker has no marker, it lost its log (or is new):
        publish again what registered consumer groups have not processed, before
        anything newer (so each aggregate's events still arrive in order).

        The producer reconnects to a restarted broker by itself, so only asking the
        broker tells. Returns the producer to use."""
        try:
            topics = await producer.client.fetch_all_metadata()
        except KafkaError as exc:  # no broker answered: it is away, not the events' fault
            raise KafkaConnectionError(str(exc)) from exc
        if MARKER_TOPIC in topics.topics():
            return producer
        # A restarted broker is reached by the same producer, whose cached metadata
        # would skip the broker's topic creation: start a fresh producer.
        await self._close_producer()
        producer = await self._producer_ready()
        if self._settings.republish_all:
            count = await store.republish_all()
        else:
            count = await store.republish_for_groups()
        if count:
            self.stats.republished += count
            log.warning("relay: the broker has lost its log; publishing %d events again", count)
        marker = json.dumps({"relay": str(uuid.uuid4()), "at": time.time()}).encode()
        await (await producer.send(MARKER_TOPIC, marker))
        return producer

    async def _round(self, store: RelayStore, producer: AIOKafkaProducer) -> int:
        """Publish one batch; returns how many rows it looked at."""
        producer = await self._check_marker(store, producer)
        rows = await store.claim(self._settings.relay_batch_size)
        if not rows:
            return 0
        self.stats.rounds += 1
        self._fault("claimed")
        pending: list[tuple[asyncpg.Record, asyncio.Future[Any] | BaseException]] = []
        for row in rows:
            try:
                future = await producer.send(
                    row["topic"],
                    envelope_json(row),
                    key=row["aggregate_id"].encode(),
                    headers=kafka_headers(row["id"], row["type"], row["customer_id"]),
                )
                pending.append((row, future))
            except BROKER_ERRORS:
                raise
            except KafkaError as exc:  # refused before sending, e.g. too large
                pending.append((row, exc))
        outcomes = await asyncio.gather(
            *(item if isinstance(item, asyncio.Future) else _raise(item) for _, item in pending),
            return_exceptions=True,
        )
        done: list[uuid.UUID] = []
        failed: list[tuple[asyncpg.Record, BaseException]] = []
        for (row, _), outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failed.append((row, outcome))
            else:
                done.append(row["id"])
        self._fault("acked")
        if failed and not done and all(isinstance(exc, BROKER_ERRORS) for _, exc in failed):
            raise failed[0][1]  # the broker is away: the events are not at fault
        if done:
            await store.mark_published(done)
            self.stats.published += len(done)
            self.stats.last_publish_at = time.monotonic()
            if self._on_published is not None:
                self._on_published(len(done))
        if failed:
            await self._record_failures(store, failed)
        return len(rows)

    async def _record_failures(
        self, store: RelayStore, failed: list[tuple[asyncpg.Record, BaseException]]
    ) -> None:
        retry_ids, retry_errors, delays = [], [], []
        dead: list[tuple[uuid.UUID, str, str, str, int]] = []
        for row, exc in failed:
            if isinstance(exc, BROKER_ERRORS):
                continue  # the connection, not the event: the next round tries again
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if row["attempts"] + 1 >= self._settings.relay_max_attempts:
                envelope = envelope_json(row).decode()
                dead.append((row["id"], row["topic"], envelope, error, row["attempts"] + 1))
            else:
                retry_ids.append(row["id"])
                retry_errors.append(error)
                delays.append(backoff(row["attempts"]))
        async with store.transaction():
            if retry_ids:
                await store.retry_later(retry_ids, retry_errors, delays)
            if dead:
                await store.bury(dead)
        self.stats.retried += len(retry_ids)
        self.stats.dead_lettered += len(dead)
        for row, exc in failed:
            log.warning("relay: event %s (%s) not published: %s", row["id"], row["type"], exc)

    async def apply_retention(self, store: RelayStore) -> tuple[int, int]:
        """Delete published events every registered group has processed, and the
        de-duplication rows of events no longer in the outbox, once older than the
        retention. Returns the numbers deleted."""
        self._next_retention = time.monotonic() + RETENTION_EVERY
        seconds = self._settings.event_retention_hours * 3600
        events, processed = await store.apply_retention(seconds)
        if events or processed:
            log.info("relay: retention deleted %d events, %d processed marks", events, processed)
        return events, processed


async def _raise(exc: BaseException) -> None:
    raise exc


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)

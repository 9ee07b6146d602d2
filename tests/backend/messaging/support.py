"""Probe events on a topic of their own, and what tests count with them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from kafka import KafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.messaging import topics
from backend.messaging.envelope import DomainEvent, Envelope
from backend.messaging.outbox import emit


class ProbeBase(DomainEvent):
    event_type: ClassVar[str] = "test.probe"
    topic: ClassVar[topics.Topic]
    aggregate_type: ClassVar[str] = "probe"

    seq: int


def probe_class(run: str) -> type[ProbeBase]:
    """Probes of one test run: a topic nobody else writes to."""
    return type("Probe", (ProbeBase,), {"topic": topics.Topic("test", f"probe-{run}")})


class Run:
    """One test's events: ``run`` names its topic and its effects table."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex[:10]
        self.event = probe_class(self.id)
        self.topic = self.event.topic.name
        self.effects = f"public.effects_{self.id}"

    async def create_effects(self, owner: AsyncEngine) -> None:
        async with owner.begin() as conn:
            await conn.execute(
                text(
                    f"CREATE TABLE {self.effects} (n bigserial PRIMARY KEY, consumer text, "
                    "event_id uuid, aggregate_id text, seq int)"
                )
            )
            await conn.execute(text(f"GRANT SELECT, INSERT ON {self.effects} TO salesos_app"))
            await conn.execute(text(f"GRANT USAGE ON SEQUENCE {self.effects}_n_seq TO salesos_app"))

    async def emit(self, session: AsyncSession, aggregate: str, seq: int) -> None:
        await emit(session, self.event(seq=seq), aggregate_id=aggregate, customer_id=None)

    def effect_handler(
        self, consumer: str, fail_first: int = 0
    ) -> Callable[[AsyncSession, Envelope], Any]:
        """A handler recording one effect row per event; fails the first
        ``fail_first`` attempts of each event (a flaky dependency)."""
        tries: dict[uuid.UUID, int] = {}

        async def handle(session: AsyncSession, event: Envelope) -> None:
            tries[event.id] = tries.get(event.id, 0) + 1
            await session.execute(
                text(
                    f"INSERT INTO {self.effects} (consumer, event_id, aggregate_id, seq) "
                    "VALUES (:c, :e, :a, :s)"
                ),
                {"c": consumer, "e": event.id, "a": event.aggregate_id, "s": event.payload["seq"]},
            )
            if tries[event.id] <= fail_first:
                raise RuntimeError(f"flaky dependency, try {tries[event.id]}")

        return handle

    async def effects_of(self, engine: AsyncEngine, consumer: str) -> list[tuple[str, str, int]]:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    f"SELECT event_id::text, aggregate_id, seq FROM {self.effects} "
                    "WHERE consumer = :c ORDER BY n"
                ),
                {"c": consumer},
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]


def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 30.0) -> list[Any]:
    """Every message of ``topic`` read by kafka-python (another client than ours)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=int(timeout * 1000),
    )
    messages = []
    try:
        for message in consumer:
            messages.append(message)
            if len(messages) >= expect:
                break
    finally:
        consumer.close()
    return messages


async def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "") -> None:
    """Poll an async ``predicate`` until it is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.1)

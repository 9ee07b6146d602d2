"""All SQL of the event backbone: the outbox, de-duplication marks, consumer groups,
dead letters.

Two kinds of connection reach these tables. Writers of business changes use the
request's SQLAlchemy session (:class:`OutboxRepository`, so an event is atomic with
its change); the relay and the consumer runner use their own connections
(:class:`RelayStore` on a raw asyncpg connection that also holds the leader lock and
``LISTEN``s; :class:`ConsumerStore` on the handler's session).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.messaging.models import OutboxEvent

AGGREGATE_LOCK_SPACE = 0x0E7E
"""First key of the per-aggregate transaction advisory locks taken by ``emit``."""

LEADER_LOCK = 0x5A1E5_0E1A
"""Session advisory lock key held by the active relay."""


class OutboxRepository:
    """The outbox as a business transaction writes it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> OutboxRepository:
        return cls(session)

    async def lock_aggregate(self, aggregate_id: str) -> None:
        """Writers of one aggregate take turns from here to their commit, so the order
        of its events' positions is the order they commit in."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(AGGREGATE_LOCK_SPACE, func.hashtext(aggregate_id)))
        )

    async def append(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert outbox rows (one statement; executemany for several)."""
        if len(rows) == 1:
            await self.session.execute(insert(OutboxEvent).values(**rows[0]))
        elif rows:
            await self.session.execute(insert(OutboxEvent), list(rows))


# ---------------------------------------------------------------------- the relay
_CLAIM = """
SELECT o.id, o.topic, o.type, o.customer_id, o.aggregate_type, o.aggregate_id,
       o.occurred_at, o.payload::text AS payload, o.headers::text AS headers, o.attempts
FROM events.outbox o
WHERE o.published_at IS NULL
  AND o.next_attempt_at <= now()
  AND NOT EXISTS (
      SELECT 1 FROM events.outbox b
      WHERE b.published_at IS NULL AND b.aggregate_id = o.aggregate_id
        AND b.position < o.position)
ORDER BY o.position
LIMIT $1
"""

_MARK_PUBLISHED = """
UPDATE events.outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
WHERE id = ANY($1::uuid[])
"""

_RETRY_LATER = """
UPDATE events.outbox AS o
SET attempts = o.attempts + 1, last_error = f.error,
    next_attempt_at = now() + make_interval(secs => f.delay)
FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS f(id, error, delay)
WHERE o.id = f.id
"""

_BURY = """
WITH dead AS (
    DELETE FROM events.outbox o USING unnest($1::uuid[]) AS f(id)
    WHERE o.id = f.id
    RETURNING o.id)
INSERT INTO events.dead_letters (source, event_id, topic, envelope, error, attempts)
SELECT 'relay', f.id, f.topic, f.envelope::jsonb, f.error, f.attempts
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[])
     AS f(id, topic, envelope, error, attempts)
JOIN dead ON dead.id = f.id
"""

_REPUBLISH_FOR_GROUPS = """
UPDATE events.outbox o SET published_at = NULL, next_attempt_at = now()
WHERE o.published_at IS NOT NULL
  AND EXISTS (
      SELECT 1 FROM events.consumer_groups g
      WHERE o.topic = ANY(g.topics)
        AND NOT EXISTS (
            SELECT 1 FROM events.processed_events p
            WHERE p.consumer = g.name AND p.event_id = o.id))
"""

_REPUBLISH_ALL = """
UPDATE events.outbox SET published_at = NULL, next_attempt_at = now()
WHERE published_at IS NOT NULL
"""

_RETENTION_OUTBOX = """
DELETE FROM events.outbox o
WHERE o.published_at < now() - make_interval(secs => $1)
  AND NOT EXISTS (
      SELECT 1 FROM events.consumer_groups g
      WHERE o.topic = ANY(g.topics)
        AND NOT EXISTS (
            SELECT 1 FROM events.processed_events p
            WHERE p.consumer = g.name AND p.event_id = o.id))
"""

_RETENTION_PROCESSED = """
DELETE FROM events.processed_events p
WHERE p.processed_at < now() - make_interval(secs => $1)
  AND NOT EXISTS (SELECT 1 FROM events.outbox o WHERE o.id = p.event_id)
"""


def _count(status: str) -> int:
    """The row count of a command tag such as ``UPDATE 12``."""
    return int(status.split()[-1])


class RelayStore:
    """The relay's statements, on its own asyncpg connection (autocommit)."""

    def __init__(self, conn: asyncpg.Connection[Any]) -> None:
        self.conn = conn

    async def try_lead(self) -> bool:
        return bool(await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK))

    async def stop_leading(self) -> None:
        await self.conn.execute("SELECT pg_advisory_unlock($1)", LEADER_LOCK)

    async def claim(self, limit: int) -> Sequence[asyncpg.Record]:
        """The oldest unpublished, due event of each aggregate, in position order."""
        rows: Sequence[asyncpg.Record] = await self.conn.fetch(_CLAIM, limit)
        return rows

    async def mark_published(self, ids: Sequence[uuid.UUID]) -> None:
        await self.conn.execute(_MARK_PUBLISHED, list(ids))

    async def retry_later(
        self, ids: Sequence[uuid.UUID], errors: Sequence[str], delays: Sequence[float]
    ) -> None:
        await self.conn.execute(_RETRY_LATER, list(ids), list(errors), list(delays))

    async def bury(self, dead: Sequence[tuple[uuid.UUID, str, str, str, int]]) -> None:
        """Move events to the dead letters: ``(id, topic, envelope JSON, error, attempts)``."""
        await self.conn.execute(
            _BURY,
            [d[0] for d in dead],
            [d[1] for d in dead],
            [d[2] for d in dead],
            [d[3] for d in dead],
            [d[4] for d in dead],
        )

    async def republish_for_groups(self) -> int:
        """Mark unpublished again every event a registered group has not processed."""
        return _count(await self.conn.execute(_REPUBLISH_FOR_GROUPS))

    async def republish_all(self) -> int:
        """Mark unpublished again every event still in the outbox."""
        return _count(await self.conn.execute(_REPUBLISH_ALL))

    async def apply_retention(self, seconds: float) -> tuple[int, int]:
        events = _count(await self.conn.execute(_RETENTION_OUTBOX, seconds))
        processed = _count(await self.conn.execute(_RETENTION_PROCESSED, seconds))
        return events, processed

    def transaction(self) -> Any:
        return self.conn.transaction()


# ---------------------------------------------------------------------- consumers
_MARK = text(
    "INSERT INTO events.processed_events (consumer, event_id) "
    "SELECT :consumer, unnest(CAST(:ids AS uuid[])) ON CONFLICT DO NOTHING RETURNING event_id"
)
_REGISTER = text(
    "INSERT INTO events.consumer_groups (name, topics) VALUES (:name, :topics) "
    "ON CONFLICT (name) DO UPDATE SET topics = excluded.topics, seen_at = now()"
)
_CONSUMER_DEAD = text(
    "INSERT INTO events.dead_letters (source, event_id, topic, envelope, error, attempts) "
    "VALUES (:source, :event_id, :topic, CAST(:envelope AS jsonb), :error, :attempts)"
)


class ConsumerStore:
    """De-duplication marks, group registration and a group's dead letters."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark_processed(self, consumer: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Record ``ids`` as handled by ``consumer``; returns those not handled before."""
        rows = await self.session.execute(
            _MARK, {"consumer": consumer, "ids": [str(i) for i in ids]}
        )
        return {row[0] for row in rows}

    async def register_group(self, name: str, topics: Sequence[str]) -> None:
        await self.session.execute(_REGISTER, {"name": name, "topics": list(topics)})

    async def bury(
        self,
        consumer: str,
        event_id: uuid.UUID,
        topic: str,
        envelope_json: str,
        error: str,
        attempts: int,
    ) -> None:
        await self.session.execute(
            _CONSUMER_DEAD,
            {
                "source": f"consumer:{consumer}",
                "event_id": event_id,
                "topic": topic,
                "envelope": envelope_json,
                "error": error,
                "attempts": attempts,
            },
        )


# ---------------------------------------------------------------------- operators
@dataclass(frozen=True)
class DeadLetterRow:
    id: int
    source: str
    event_id: str
    topic: str
    type: str
    error: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None


@dataclass(frozen=True)
class PickedDeadLetter:
    id: int
    source: str
    event_id: uuid.UUID
    topic: str
    envelope_json: str


_REPLAY_OUTBOX = text(
    """
    INSERT INTO events.outbox (id, topic, type, customer_id, aggregate_type, aggregate_id,
                               occurred_at, payload, headers)
    SELECT f.id, f.topic, f.type, f.customer_id, f.aggregate_type, f.aggregate_id,
           f.occurred_at, f.payload::jsonb, f.headers::jsonb
    FROM unnest(CAST(:ids AS uuid[]), CAST(:topics AS text[]), CAST(:types AS text[]),
                CAST(:customers AS uuid[]), CAST(:aggregate_types AS text[]),
                CAST(:aggregate_ids AS text[]), CAST(:occurred AS timestamptz[]),
                CAST(:payloads AS text[]), CAST(:headers AS text[]))
         AS f(id, topic, type, customer_id, aggregate_type, aggregate_id, occurred_at,
              payload, headers)
    ON CONFLICT (id) DO UPDATE
        SET published_at = NULL, attempts = 0, next_attempt_at = now(), last_error = NULL
    """
)


class OperatorStore:
    """What operators ask of the backbone (``salesos events …``, ``/metrics``)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def dead_letters(self, limit: int, include_replayed: bool) -> list[DeadLetterRow]:
        where = "" if include_replayed else "WHERE replayed_at IS NULL"
        rows = await self.conn.execute(
            text(
                "SELECT id, source, event_id::text, topic, envelope->>'type', error, attempts, "
                f"created_at, replayed_at FROM events.dead_letters {where} "
                "ORDER BY id DESC LIMIT :limit"
            ),
            {"limit": limit},
        )
        return [DeadLetterRow(*row) for row in rows]

    async def pick_dead_letters(self, ids: Sequence[int] | None) -> list[PickedDeadLetter]:
        """Dead letters not replayed yet (all, or those of ``ids``), locked."""
        rows = await self.conn.execute(
            text(
                "SELECT id, source, event_id, topic, envelope::text FROM events.dead_letters "
                "WHERE replayed_at IS NULL "
                "AND (CAST(:all AS boolean) OR id = ANY(CAST(:ids AS bigint[]))) "
                "ORDER BY id FOR UPDATE"
            ),
            {"all": ids is None, "ids": list(ids or [])},
        )
        return [PickedDeadLetter(*row) for row in rows]

    async def forget_processed(self, pairs: Sequence[tuple[str, uuid.UUID]]) -> None:
        """Drop de-duplication marks ``(consumer, event id)`` so the group handles the
        event again."""
        if not pairs:
            return
        await self.conn.execute(
            text(
                "DELETE FROM events.processed_events p "
                "USING unnest(CAST(:consumers AS text[]), CAST(:ids AS uuid[])) AS f(c, e) "
                "WHERE p.consumer = f.c AND p.event_id = f.e"
            ),
            {"consumers": [c for c, _ in pairs], "ids": [str(e) for _, e in pairs]},
        )

    async def requeue(self, rows: Sequence[dict[str, Any]]) -> None:
        """Put events back in the outbox, unpublished (an existing row is reset)."""
        if not rows:
            return
        await self.conn.execute(
            _REPLAY_OUTBOX,
            {
                "ids": [str(r["id"]) for r in rows],
                "topics": [r["topic"] for r in rows],
                "types": [r["type"] for r in rows],
                "customers": [str(r["customer_id"]) if r["customer_id"] else None for r in rows],
                "aggregate_types": [r["aggregate_type"] for r in rows],
                "aggregate_ids": [r["aggregate_id"] for r in rows],
                "occurred": [r["occurred_at"] for r in rows],
                "payloads": [r["payload"] for r in rows],
                "headers": [r["headers"] for r in rows],
            },
        )

    async def mark_replayed(self, ids: Sequence[int]) -> None:
        await self.conn.execute(
            text(
                "UPDATE events.dead_letters SET replayed_at = now() "
                "WHERE id = ANY(CAST(:ids AS bigint[]))"
            ),
            {"ids": list(ids)},
        )

    async def backlog(self) -> tuple[int, float, int]:
        """Unpublished events, seconds since the oldest was written, dead letters waiting."""
        row = (
            await self.conn.execute(
                text(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                    "FROM events.outbox WHERE published_at IS NULL"
                )
            )
        ).one()
        dead = await self.conn.scalar(
            text("SELECT count(*) FROM events.dead_letters WHERE replayed_at IS NULL")
        )
        return int(row[0]), float(row[1]), int(dead or 0)

"""Operator commands on the event backbone: dead letters, backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


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


async def list_dead_letters(
    engine: AsyncEngine, *, limit: int = 50, include_replayed: bool = False
) -> list[DeadLetterRow]:
    """The newest dead letters first."""
    where = "" if include_replayed else "WHERE replayed_at IS NULL"
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, source, event_id::text, topic, envelope->>'type', error, attempts, "
                f"created_at, replayed_at FROM events.dead_letters {where} "
                "ORDER BY id DESC LIMIT :limit"
            ),
            {"limit": limit},
        )
        return [DeadLetterRow(*row) for row in rows]


_REPLAY = text(
    """
    WITH picked AS (
        SELECT * FROM events.dead_letters
        WHERE replayed_at IS NULL AND (CAST(:all AS boolean) OR id = ANY(CAST(:ids AS bigint[])))
        FOR UPDATE),
    forget AS (
        DELETE FROM events.processed_events p USING picked
        WHERE picked.source LIKE 'consumer:%'
          AND p.consumer = substr(picked.source, 10) AND p.event_id = picked.event_id),
    again AS (
        INSERT INTO events.outbox (id, topic, type, customer_id, aggregate_type, aggregate_id,
                                   occurred_at, payload, headers)
        SELECT DISTINCT ON (event_id) event_id, topic, envelope->>'type',
               CAST(envelope->>'customer_id' AS uuid), envelope->>'aggregate_type',
               envelope->>'aggregate_id', CAST(envelope->>'occurred_at' AS timestamptz),
               envelope->'payload', coalesce(envelope->'headers', '{}'::jsonb)
        FROM picked
        ON CONFLICT (id) DO UPDATE
            SET published_at = NULL, attempts = 0, next_attempt_at = now(), last_error = NULL)
    UPDATE events.dead_letters d SET replayed_at = now() FROM picked WHERE d.id = picked.id
    RETURNING d.id
    """
)


async def replay_dead_letters(engine: AsyncEngine, ids: list[int] | None = None) -> list[int]:
    """Put dead letters back in the outbox (all of them when ``ids`` is ``None``).

    A consumer's dead letter also forgets that consumer's de-duplication mark, so it
    handles the event again; other groups that handled it skip it.
    Returns the ids replayed.
    """
    async with engine.begin() as conn:
        rows = await conn.execute(_REPLAY, {"all": ids is None, "ids": ids or []})
        return sorted(row[0] for row in rows)


async def backlog(engine: AsyncEngine) -> dict[str, Any]:
    """Unpublished events, the age of the oldest, dead letters waiting."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                    "FROM events.outbox WHERE published_at IS NULL"
                )
            )
        ).one()
        dead = await conn.scalar(
            text("SELECT count(*) FROM events.dead_letters WHERE replayed_at IS NULL")
        )
    return {
        "unpublished": int(row[0]),
        "oldest_seconds": float(row[1]),
        "dead_letters": int(dead or 0),
    }

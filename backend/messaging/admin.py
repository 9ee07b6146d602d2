"""Operator commands on the event backbone: dead letters, backlog."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.messaging.envelope import Envelope
from backend.messaging.repository import DeadLetterRow, OperatorStore

CONSUMER_PREFIX = "consumer:"
"""A dead letter's ``source`` is ``relay`` or ``consumer:<group>``."""


async def list_dead_letters(
    engine: AsyncEngine, *, limit: int = 50, include_replayed: bool = False
) -> list[DeadLetterRow]:
    """The newest dead letters first."""
    async with engine.connect() as conn:
        return await OperatorStore(conn).dead_letters(limit, include_replayed)


async def replay_dead_letters(engine: AsyncEngine, ids: list[int] | None = None) -> list[int]:
    """Put dead letters back in the outbox (all of them when ``ids`` is ``None``).

    A consumer's dead letter also forgets that consumer's de-duplication mark, so it
    handles the event again; other groups that handled it skip it.
    Returns the ids replayed.
    """
    async with engine.begin() as conn:
        store = OperatorStore(conn)
        picked = await store.pick_dead_letters(ids)
        await store.forget_processed(
            [
                (p.source.removeprefix(CONSUMER_PREFIX), p.event_id)
                for p in picked
                if p.source.startswith(CONSUMER_PREFIX)
            ]
        )
        rows: dict[str, dict[str, Any]] = {}
        for p in picked:
            envelope = Envelope.decode(p.envelope_json)
            rows.setdefault(
                str(envelope.id),
                {
                    "id": envelope.id,
                    "topic": p.topic,
                    "type": envelope.type,
                    "customer_id": envelope.customer_id,
                    "aggregate_type": envelope.aggregate_type,
                    "aggregate_id": envelope.aggregate_id,
                    "occurred_at": envelope.occurred_at,
                    "payload": json.dumps(envelope.payload),
                    "headers": json.dumps(envelope.headers),
                },
            )
        await store.requeue(list(rows.values()))
        await store.mark_replayed([p.id for p in picked])
        return sorted(p.id for p in picked)


async def backlog(engine: AsyncEngine) -> dict[str, Any]:
    """Unpublished events, the age of the oldest, dead letters waiting."""
    async with engine.connect() as conn:
        unpublished, oldest, dead = await OperatorStore(conn).backlog()
    return {"unpublished": unpublished, "oldest_seconds": oldest, "dead_letters": dead}

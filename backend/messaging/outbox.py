"""``emit``: the one way to publish an event, inside the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.logging import current_request_id
from backend.messaging.envelope import DomainEvent, Envelope
from backend.messaging.models import OutboxEvent

AGGREGATE_LOCK_SPACE = 0x0E7E
"""First key of the per-aggregate transaction advisory locks taken by :func:`emit`."""


async def emit(
    session: AsyncSession,
    event: DomainEvent,
    *,
    aggregate_id: object,
    customer_id: uuid.UUID | None,
) -> Envelope:
    """Write ``event`` to ``events.outbox`` in the session's open transaction.

    The row becomes visible (and the relay is woken by the table's NOTIFY trigger)
    only if the caller's transaction commits; a rollback leaves no trace.

    Args:
        session: The request's session; not committed here.
        event: The typed payload.
        aggregate_id: The id of the record the event is about (the Kafka key).
        customer_id: The tenant, or ``None`` for system events.

    Returns:
        The envelope as written.
    """
    headers = {}
    request_id = current_request_id()
    if request_id:
        headers["request_id"] = request_id
    # Writers of one aggregate take turns from here to their commit, so the order of
    # its events' positions is the order they commit in (what the relay publishes by).
    await session.execute(
        select(func.pg_advisory_xact_lock(AGGREGATE_LOCK_SPACE, func.hashtext(str(aggregate_id))))
    )
    envelope = Envelope.wrap(
        event, aggregate_id=aggregate_id, customer_id=customer_id, headers=headers
    )
    await session.execute(
        insert(OutboxEvent).values(
            id=envelope.id,
            topic=event.topic.name,
            type=envelope.type,
            customer_id=envelope.customer_id,
            aggregate_type=envelope.aggregate_type,
            aggregate_id=envelope.aggregate_id,
            occurred_at=envelope.occurred_at,
            payload=envelope.payload,
            headers=envelope.headers,
        )
    )
    return envelope


async def emit_many(
    session: AsyncSession,
    events: list[tuple[DomainEvent, object]],
    *,
    customer_id: uuid.UUID | None,
) -> int:
    """Like :func:`emit` for many ``(event, aggregate_id)`` pairs, in one statement
    (bulk changes such as CSV imports). Returns how many were written.

    It takes no per-aggregate lock (thousands would fill the lock table): use it for
    records the transaction created, or has row-locked by updating them, which
    serialises their writers just as well."""
    if not events:
        return 0
    headers = {}
    request_id = current_request_id()
    if request_id:
        headers["request_id"] = request_id
    rows = []
    for event, aggregate_id in events:
        envelope = Envelope.wrap(
            event, aggregate_id=aggregate_id, customer_id=customer_id, headers=headers
        )
        rows.append(
            {
                "id": envelope.id,
                "topic": event.topic.name,
                "type": envelope.type,
                "customer_id": envelope.customer_id,
                "aggregate_type": envelope.aggregate_type,
                "aggregate_id": envelope.aggregate_id,
                "occurred_at": envelope.occurred_at,
                "payload": envelope.payload,
                "headers": envelope.headers,
            }
        )
    await session.execute(insert(OutboxEvent), rows)
    return len(rows)

"""``emit``: the one way to publish an event, inside the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.logging import current_request_id
from backend.messaging.envelope import DomainEvent, Envelope
from backend.messaging.models import OutboxEvent


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
    (bulk changes such as CSV imports). Returns how many were written."""
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

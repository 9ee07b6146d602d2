"""``emit``: the one way to publish an event, inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.logging import current_request_id
from backend.messaging.envelope import DomainEvent, Envelope
from backend.messaging.repository import OutboxRepository


def _headers() -> dict[str, str]:
    request_id = current_request_id()
    return {"request_id": request_id} if request_id else {}


def _row(event: DomainEvent, envelope: Envelope) -> dict[str, Any]:
    return {
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


async def emit(
    session: AsyncSession,
    event: DomainEvent,
    *,
    aggregate_id: object,
    customer_id: uuid.UUID | None,
) -> Envelope:
    """Write ``event`` to ``events.outbox`` in the session's open transaction.

    The row becomes visible (and the relay is woken by the table's NOTIFY trigger)
    only if the caller's transaction commits; a rollback leaves no trace. The
    request id, if any, travels in the headers (the origin of the change).

    Args:
        session: The request's session; not committed here.
        event: The typed payload.
        aggregate_id: The id of the record the event is about (the Kafka key).
        customer_id: The tenant, or ``None`` for system events.

    Returns:
        The envelope as written.
    """
    outbox = OutboxRepository.from_session(session)
    # Writers of one aggregate take turns from here to their commit, so the order of
    # its events' positions is the order they commit in (what the relay publishes by).
    await outbox.lock_aggregate(str(aggregate_id))
    envelope = Envelope.wrap(
        event, aggregate_id=aggregate_id, customer_id=customer_id, headers=_headers()
    )
    await outbox.append([_row(event, envelope)])
    return envelope


async def emit_many(
    session: AsyncSession,
    events: Sequence[tuple[DomainEvent, object]],
    *,
    customer_id: uuid.UUID | None,
) -> int:
    """Like :func:`emit` for many ``(event, aggregate_id)`` pairs, in one statement
    (bulk changes such as CSV imports). Returns how many were written.

    It takes no per-aggregate lock (thousands would fill the lock table): use it for
    records the transaction created, or has row-locked by updating them, which
    serialises their writers just as well."""
    headers = _headers()
    rows = [
        _row(
            event,
            Envelope.wrap(
                event, aggregate_id=aggregate_id, customer_id=customer_id, headers=headers
            ),
        )
        for event, aggregate_id in events
    ]
    await OutboxRepository.from_session(session).append(rows)
    return len(rows)

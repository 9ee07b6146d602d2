"""Events and the envelope they travel in.

A context declares its events in its ``events.py`` as subclasses of
:class:`DomainEvent` (immutable Pydantic models). :func:`backend.messaging.outbox.emit`
wraps one in an :class:`Envelope` and writes it to ``events.outbox``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from backend.messaging.topics import Topic


class DomainEvent(BaseModel):
    """Base of every event payload.

    Subclasses set the class variables::

        class AccountCreated(DomainEvent):
            event_type: ClassVar[str] = "crm.account.created"
            topic: ClassVar[Topic] = topics.CRM_ACCOUNTS
            aggregate_type: ClassVar[str] = "account"

            account_id: UUID
            name: str
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    aggregate_type: ClassVar[str]


class Envelope(BaseModel):
    """What is stored in the outbox and published to the broker (as JSON)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    customer_id: uuid.UUID | None
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    payload: dict[str, Any]
    headers: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def wrap(
        cls,
        event: DomainEvent,
        *,
        aggregate_id: object,
        customer_id: uuid.UUID | None,
        headers: dict[str, str] | None = None,
    ) -> Envelope:
        return cls(
            type=event.event_type,
            customer_id=customer_id,
            aggregate_type=event.aggregate_type,
            aggregate_id=str(aggregate_id),
            payload=event.model_dump(mode="json"),
            headers=headers or {},
        )

"""Events, the envelope they travel in, and the one codec of that envelope.

A context declares its events in its ``events.py`` as subclasses of
:class:`DomainEvent` (immutable Pydantic models). :func:`backend.messaging.outbox.emit`
wraps one in an :class:`Envelope` and writes it to ``events.outbox``; the relay
publishes it with :func:`encode_stored`, consumers and the live feed read it with
:meth:`Envelope.decode`, and :meth:`Envelope.event` gives the typed payload back.
The wire form is written in one place (:func:`encode_stored`) and read in one place
(:meth:`Envelope.decode`)::

    {"id": "<uuid>", "type": "crm.account.updated", "customer_id": "<uuid>|null",
     "aggregate_type": "account", "aggregate_id": "<id>", "occurred_at": "<iso 8601>",
     "payload": {...}, "headers": {"request_id": "..."}}
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from backend.messaging.topics import Topic

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class UnknownEvent(LookupError):
    """An envelope names an event type no loaded ``events.py`` declares."""


class DomainEvent(BaseModel):
    """Base of every event payload.

    Subclasses set the class variables::

        class AccountCreated(DomainEvent):
            event_type: ClassVar[str] = "crm.account.created"
            topic: ClassVar[Topic] = topics.CRM_ACCOUNTS
            aggregate_type: ClassVar[str] = "account"

            account_id: UUID
            record: AccountSnapshot

    A class that sets ``event_type`` itself is registered under it, so a reader can
    turn an envelope back into the typed event (:meth:`Envelope.event`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    aggregate_type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _EVENT_TYPES[cls.event_type] = cls


class Changes(BaseModel):
    """A partial snapshot of a record: only the fields that were set travel.

    ``AccountChanges(name="Acme")`` serialises as ``{"name": "Acme"}``; a field set
    to ``None`` travels as ``null`` (it was cleared), a field not set does not travel
    (it did not change). ``model_fields_set`` names what changed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_serializer(mode="wrap")
    def _only_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if key in self.model_fields_set}


class Envelope(BaseModel):
    """What is stored in the outbox and published to the broker."""

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

    @property
    def origin(self) -> str | None:
        """The request id of the change (its ``X-Request-Id``), if it came from one."""
        return self.headers.get("request_id")

    def event(self) -> DomainEvent:
        """The typed payload.

        Raises:
            UnknownEvent: no loaded ``events.py`` declares this type.
            pydantic.ValidationError: the payload does not fit its class.
        """
        cls = _EVENT_TYPES.get(self.type)
        if cls is None:
            raise UnknownEvent(self.type)
        return cls.model_validate(self.payload)

    def encode(self) -> bytes:
        """The wire form (see the module docstring)."""
        return encode_stored(
            event_id=self.id,
            event_type=self.type,
            customer_id=self.customer_id,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            occurred_at=self.occurred_at,
            payload_json=json.dumps(self.payload, separators=(",", ":")),
            headers_json=json.dumps(self.headers, separators=(",", ":")),
        )

    @classmethod
    def decode(cls, data: bytes | str) -> Envelope:
        """Read the wire form.

        Raises:
            pydantic.ValidationError: not an envelope.
        """
        return cls.model_validate_json(data)


def encode_stored(
    *,
    event_id: uuid.UUID,
    event_type: str,
    customer_id: uuid.UUID | None,
    aggregate_type: str,
    aggregate_id: str,
    occurred_at: datetime,
    payload_json: str,
    headers_json: str,
) -> bytes:
    """The wire form from an outbox row's columns, with payload and headers as the
    JSON text the database stored (the relay publishes without parsing them)."""
    customer = json.dumps(str(customer_id)) if customer_id is not None else "null"
    return (
        "{"
        f'"id":"{event_id}",'
        f'"type":{json.dumps(event_type)},'
        f'"customer_id":{customer},'
        f'"aggregate_type":{json.dumps(aggregate_type)},'
        f'"aggregate_id":{json.dumps(aggregate_id)},'
        f'"occurred_at":"{occurred_at.isoformat()}",'
        f'"payload":{payload_json},'
        f'"headers":{headers_json}'
        "}"
    ).encode()


def kafka_headers(
    event_id: uuid.UUID, event_type: str, customer_id: uuid.UUID | None
) -> list[tuple[str, bytes]]:
    """Kafka headers: the event id and type, and the tenant, for readers that route
    without parsing the value."""
    headers = [("event_id", str(event_id).encode()), ("event_type", event_type.encode())]
    if customer_id is not None:
        headers.append(("customer_id", str(customer_id).encode()))
    return headers

"""Tables of the ``events`` schema: the outbox, consumer de-duplication, dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backend.kit.db import Base

SCHEMA = "events"


class OutboxEvent(Base):
    """One event, written in the same transaction as the change it describes.

    ``position`` orders events of one aggregate (assigned at insert); the relay never
    uses it as a global cursor, since rows become visible in commit order, not
    position order.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unpublished",
            "aggregate_id",
            "position",
            postgresql_where=text("published_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    topic: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    aggregate_type: Mapped[str] = mapped_column(Text)
    aggregate_id: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ProcessedEvent(Base):
    """A consumer handled an event: inserted in the same transaction as its effects."""

    __tablename__ = "processed_events"
    __table_args__ = {"schema": SCHEMA}

    consumer: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ConsumerGroup(Base):
    """A consumer group the relay must not leave behind: after a broker loss, events
    on its topics that it has not processed are published again."""

    __tablename__ = "consumer_groups"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    topics: Mapped[list[str]] = mapped_column(ARRAY(Text))
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeadLetter(Base):
    """An event the relay could not publish, or a consumer could not handle, N times."""

    __tablename__ = "dead_letters"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    source: Mapped[str] = mapped_column(Text)  # "relay" or "consumer:<name>"
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    topic: Mapped[str] = mapped_column(Text)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

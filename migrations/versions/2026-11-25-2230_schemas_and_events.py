"""One schema per bounded context, and the events schema (outbox, processed, dead letters).

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT_SCHEMAS = ("auth", "crm", "email", "calendar", "sequences", "activities", "scoring", "sync")


def upgrade() -> None:
    for schema in (*CONTEXT_SCHEMAS, "events"):
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    op.create_table(
        "outbox",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("position", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("customer_id", postgresql.UUID(as_uuid=True)),
        sa.Column("aggregate_type", sa.Text, nullable=False),
        sa.Column("aggregate_id", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column(
            "headers", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("position", name="uq_outbox_position"),
        schema="events",
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["aggregate_id", "position"],
        schema="events",
        postgresql_where=sa.text("published_at IS NULL"),
    )
    # Wake the relay at commit time (NOTIFY is transactional), once per statement.
    op.execute(
        """
        CREATE FUNCTION events.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('events_outbox', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON events.outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION events.notify_outbox()"
    )

    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema="events",
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("envelope", postgresql.JSONB, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        schema="events",
    )


def downgrade() -> None:
    op.drop_table("dead_letters", schema="events")
    op.drop_table("processed_events", schema="events")
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON events.outbox")
    op.execute("DROP FUNCTION IF EXISTS events.notify_outbox()")
    op.drop_index("ix_outbox_unpublished", table_name="outbox", schema="events")
    op.drop_table("outbox", schema="events")
    for schema in ("events", *reversed(CONTEXT_SCHEMAS)):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

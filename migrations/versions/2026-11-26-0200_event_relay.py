"""Event relay and consumers: retry schedule on the outbox, the queue index the relay
reads, registered consumer groups (what a re-publish after broker loss is for).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
        schema="events",
    )
    # The relay's queue: unpublished rows in position order.
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["position"],
        schema="events",
        postgresql_where=sa.text("published_at IS NULL"),
    )
    # Retention deletes by publication time.
    op.create_index(
        "ix_outbox_published",
        "outbox",
        ["published_at"],
        schema="events",
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )
    op.create_index("ix_processed_events_at", "processed_events", ["processed_at"], schema="events")
    op.create_table(
        "consumer_groups",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("topics", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        schema="events",
    )
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON events.consumer_groups TO salesos_app")


def downgrade() -> None:
    op.drop_table("consumer_groups", schema="events")
    op.drop_index("ix_processed_events_at", "processed_events", schema="events")
    op.drop_index("ix_outbox_published", "outbox", schema="events")
    op.drop_index("ix_outbox_pending", "outbox", schema="events")
    op.drop_column("outbox", "next_attempt_at", schema="events")

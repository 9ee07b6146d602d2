"""Imports survive a restart: who ran an import (their role and reach), and a lease per
running import that a recovery job can find across tenants.

``crm.import_leases`` holds ids and times only (no personal data) and has no
row-level security, so the recovery job can list stale leases of every tenant; it
then reads each import under its tenant, as everything else does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.rls import grant_schema_tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.add_column("imports", sa.Column("role", sa.Text), schema="crm")
    op.add_column("imports", sa.Column("reach", postgresql.ARRAY(UUID)), schema="crm")
    op.create_table(
        "import_leases",
        sa.Column("import_id", UUID, primary_key=True),
        sa.Column("customer_id", UUID, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column(
            "heartbeat_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
        schema="crm",
    )
    grant_schema_tables("crm")


def downgrade() -> None:
    op.drop_table("import_leases", schema="crm")
    op.drop_column("imports", "reach", schema="crm")
    op.drop_column("imports", "role", schema="crm")

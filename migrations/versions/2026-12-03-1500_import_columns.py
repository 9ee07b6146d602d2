"""An import keeps its file's columns in their order: its error report lists them as the
user's file had them (a JSONB mapping keeps no order).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("columns", postgresql.ARRAY(sa.Text)), schema="crm")


def downgrade() -> None:
    op.drop_column("imports", "columns", schema="crm")

"""Auth tables, the application role, grants and row-level security.

The services connect as ``salesos_app``: it owns no table and cannot bypass RLS.
Every tenant table has FORCE ROW LEVEL SECURITY with a policy comparing
``customer_id`` to ``app.customer_id`` (set per transaction). Two narrow extra
policies let a transaction that names an exact email (login) or refresh-token
hash (refresh) read that one row before it knows the tenant.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.rls import APP_ROLE, ensure_schema, grant_schema_tables, tenant_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMAS = (
    "auth",
    "crm",
    "email",
    "calendar",
    "sequences",
    "activities",
    "scoring",
    "sync",
    "events",
)

UUID = postgresql.UUID(as_uuid=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
            END IF;
        END $$
        """
    )
    # The migrating user must be able to become the app role (start-up option role=).
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
    for schema in SCHEMAS:
        ensure_schema(schema)
    grant_schema_tables("events")

    op.create_table(
        "customers",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="auth",
    )
    op.create_table(
        "users",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "customer_id",
            UUID,
            sa.ForeignKey("auth.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("manager_id", UUID, sa.ForeignKey("auth.users.id", ondelete="SET NULL")),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column(
            "password_changed_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("role IN ('admin', 'manager', 'rep')", name="role"),
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
        schema="auth",
    )
    # Login is by email alone, so an email belongs to one user across all tenants.
    op.create_index("uq_users_email", "users", ["email"], unique=True, schema="auth")
    op.create_index("ix_users_customer_id", "users", ["customer_id"], schema="auth")

    op.create_table(
        "sessions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "customer_id",
            UUID,
            sa.ForeignKey("auth.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", UUID, sa.ForeignKey("auth.users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_reason", sa.Text),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
        sa.Column("ip", sa.Text, nullable=False, server_default=""),
        schema="auth",
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"], schema="auth")

    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "customer_id",
            UUID,
            sa.ForeignKey("auth.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "session_id",
            UUID,
            sa.ForeignKey("auth.sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema="auth",
    )
    op.create_index(
        "uq_refresh_tokens_hash", "refresh_tokens", ["token_hash"], unique=True, schema="auth"
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"], schema="auth")

    # Failed-login counters keyed by a hash of the email: the same for known and
    # unknown emails, so throttling reveals nothing. Not tenant data (no tenant yet).
    op.create_table(
        "login_throttle",
        sa.Column("email_hash", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime(timezone=True)),
        sa.Column("blocked_until", sa.DateTime(timezone=True)),
        schema="auth",
    )

    for table in ("auth.users", "auth.sessions", "auth.refresh_tokens"):
        tenant_table(table)
    tenant_table("auth.customers", column="id")
    # Login: a transaction that names an exact email may read that user.
    op.execute(
        "CREATE POLICY login_lookup ON auth.users FOR SELECT "
        "USING (email = NULLIF(current_setting('app.login_email', true), ''))"
    )
    # Refresh: a transaction that names an exact token hash may read that token.
    op.execute(
        "CREATE POLICY refresh_lookup ON auth.refresh_tokens FOR SELECT "
        "USING (token_hash = NULLIF(current_setting('app.refresh_token_hash', true), ''))"
    )
    grant_schema_tables("auth")


def downgrade() -> None:
    for table in ("login_throttle", "refresh_tokens", "sessions", "users", "customers"):
        op.drop_table(table, schema="auth")
    for schema in SCHEMAS:
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}"
        )
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP_ROLE}")
        op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {APP_ROLE}")
    # The role is cluster-wide and may serve other databases: it is left in place.

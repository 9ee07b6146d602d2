"""The email context: mailboxes, templates, messages and their send ledger.

Tenant tables get FORCE row-level security. ``email.send_queue`` and
``email.mailbox_pacing`` hold ids, times and counts only and have none, so the send
worker can claim due work of every tenant; it reads each message under its tenant.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.rls import ensure_schema, grant_schema_tables, tenant_table

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB
NOW = sa.text("now()")


def _tenant_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", UUID, primary_key=True),
        sa.Column("customer_id", UUID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    ]


def upgrade() -> None:
    ensure_schema("email")
    op.create_table(
        "mailboxes",
        *_tenant_columns(),
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False, server_default="connected"),
        sa.Column("status_reason", sa.Text),
        sa.Column("smtp_host", sa.Text),
        sa.Column("smtp_port", sa.Integer),
        sa.Column("smtp_security", sa.Text),
        sa.Column("username", sa.Text),
        sa.Column("imap_host", sa.Text),
        sa.Column("imap_port", sa.Integer),
        sa.Column("imap_security", sa.Text),
        sa.Column("sent_folder", sa.Text),
        sa.Column("server_files_sent", sa.Boolean),
        sa.Column("secret_key_id", sa.Text, nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("token_expires_at", sa.DateTime(timezone=True)),
        sa.Column("scopes", JSONB, nullable=False, server_default="[]"),
        sa.Column("daily_cap", sa.Integer, nullable=False),
        sa.Column("min_interval_seconds", sa.Float, nullable=False),
        sa.Column("max_message_bytes", sa.Integer, nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("kind IN ('gmail', 'outlook', 'smtp')", name="mailbox_kind"),
        sa.CheckConstraint(
            "status IN ('connected', 'needs_reconnect', 'disconnected')", name="mailbox_status"
        ),
        schema="email",
    )
    # One live mailbox per address and owner (a disconnected one may be connected again).
    op.create_index(
        "mailboxes_owner_email",
        "mailboxes",
        ["customer_id", "owner_id", sa.text("lower(email)")],
        unique=True,
        schema="email",
        postgresql_where=sa.text("status <> 'disconnected'"),
    )
    op.create_table(
        "templates",
        *_tenant_columns(),
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text),
        sa.Column("body_html", sa.Text),
        sa.Column("shared", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        schema="email",
    )
    op.create_index(
        "templates_by_name", "templates", ["customer_id", sa.text("lower(name)")], schema="email"
    )
    op.create_table(
        "messages",
        *_tenant_columns(),
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("mailbox_id", UUID, sa.ForeignKey("email.mailboxes.id"), nullable=False),
        sa.Column("contact_id", UUID),
        sa.Column("account_id", UUID),
        sa.Column("template_id", UUID),
        sa.Column("from_email", sa.Text, nullable=False),
        sa.Column("from_name", sa.Text, nullable=False, server_default=""),
        sa.Column("to", JSONB, nullable=False),
        sa.Column("cc", JSONB, nullable=False, server_default="[]"),
        sa.Column("bcc", JSONB, nullable=False, server_default="[]"),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text),
        sa.Column("message_id", sa.Text, nullable=False, unique=True),
        sa.Column("in_reply_to", sa.Text),
        sa.Column("references", JSONB, nullable=False, server_default="[]"),
        sa.Column("provider_thread_id", sa.Text),
        sa.Column("provider_message_id", sa.Text),
        sa.Column("state", sa.Text, nullable=False, server_default="scheduled"),
        sa.Column("failure_code", sa.Text),
        sa.Column("failure_reason", sa.Text),
        sa.Column("waiting_reason", sa.Text),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint(
            "state IN ('scheduled', 'sending', 'sent', 'uncertain', 'failed', 'cancelled')",
            name="message_state",
        ),
        schema="email",
    )
    for name, columns in (
        ("messages_by_contact", ["customer_id", "contact_id", "created_at", "id"]),
        ("messages_by_account", ["customer_id", "account_id", "created_at", "id"]),
        ("messages_by_owner", ["customer_id", "owner_id", "created_at", "id"]),
        ("messages_by_mailbox", ["customer_id", "mailbox_id", "created_at", "id"]),
    ):
        op.create_index(name, "messages", columns, schema="email")
    op.create_table(
        "attachments",
        *_tenant_columns(),
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("message_id", UUID, sa.ForeignKey("email.messages.id")),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        schema="email",
    )
    op.create_index("attachments_of_message", "attachments", ["message_id"], schema="email")
    op.create_table(
        "send_attempts",
        *_tenant_columns(),
        sa.Column("message_id", UUID, sa.ForeignKey("email.messages.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("phase", sa.Text, nullable=False, server_default="prepared"),
        sa.Column("outcome", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("message_id", "number", name="send_attempt_number"),
        schema="email",
    )
    op.create_table(
        "send_queue",
        sa.Column("message_id", UUID, primary_key=True),
        sa.Column("customer_id", UUID, nullable=False),
        sa.Column("mailbox_id", UUID, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.Text),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("check_only", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("checks", sa.Integer, nullable=False, server_default="0"),
        schema="email",
    )
    op.create_index("send_queue_due", "send_queue", ["due_at"], schema="email")
    op.create_index(
        "send_queue_held",
        "send_queue",
        ["holder"],
        schema="email",
        postgresql_where=sa.text("holder IS NOT NULL"),
    )
    op.create_table(
        "mailbox_pacing",
        sa.Column("mailbox_id", UUID, primary_key=True),
        sa.Column("customer_id", UUID, nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column(
            "day",
            sa.Date,
            nullable=False,
            server_default=sa.text("(now() AT TIME ZONE 'utc')::date"),
        ),
        sa.Column("sent_today", sa.Integer, nullable=False, server_default="0"),
        sa.Column("daily_cap", sa.Integer, nullable=False),
        sa.Column("min_interval_seconds", sa.Float, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default="false"),
        schema="email",
    )
    # The worker sleeps on this channel; a queued message wakes it at commit.
    op.execute(
        """
        CREATE FUNCTION email.notify_send_queue() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('email_send_queue', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER send_queue_notify AFTER INSERT OR UPDATE OF due_at ON email.send_queue "
        "FOR EACH STATEMENT EXECUTE FUNCTION email.notify_send_queue()"
    )
    for table in ("mailboxes", "templates", "messages", "attachments", "send_attempts"):
        tenant_table(f"email.{table}")
    grant_schema_tables("email")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS send_queue_notify ON email.send_queue")
    op.execute("DROP FUNCTION IF EXISTS email.notify_send_queue()")
    for table in (
        "mailbox_pacing",
        "send_queue",
        "send_attempts",
        "attachments",
        "messages",
        "templates",
        "mailboxes",
    ):
        op.drop_table(table, schema="email")

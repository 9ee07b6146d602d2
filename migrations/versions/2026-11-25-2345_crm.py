"""CRM: pipelines and stages, accounts, contacts, opportunities, custom fields, views,
merges, imports. Every table is tenant-owned with FORCE row-level security. Lists
page over (tenant, column, id) indexes; global search uses trigram word similarity
(prefixes and typos) from GIN trigram indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:45
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.rls import grant_schema_tables, tenant_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
JSONB = postgresql.JSONB
NOW = sa.text("now()")
TABLES = (
    "pipelines", "stages", "accounts", "contacts", "opportunities",
    "custom_fields", "views", "merges", "imports", "import_errors",
)  # fmt: skip


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID, primary_key=True),
        sa.Column("customer_id", UUID, nullable=False),
    ]


def _record() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("owner_id", UUID),
        sa.Column("custom_fields", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", UUID),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    ]


TEXT_COLUMNS = {
    "name",
    "domain",
    "industry",
    "city",
    "country",
    "last_name",
    "first_name",
    "email",
    "title",
    "status",
}
SEARCH_DOCUMENTS = {
    "accounts": "lower(name || ' ' || coalesce(domain, ''))",
    "contacts": "lower(coalesce(first_name, '') || ' ' || last_name || ' ' || coalesce(email, ''))",
    "opportunities": "lower(name)",
}
"""What global search matches, per table (the same expressions as the repository's)."""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table(
        "pipelines",
        *_common(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="crm",
    )
    op.create_index(
        "uq_pipelines_default", "pipelines", ["customer_id"], unique=True, schema="crm",
        postgresql_where=sa.text("is_default"),
    )  # fmt: skip
    op.create_table(
        "stages",
        *_common(),
        sa.Column(
            "pipeline_id",
            UUID,
            sa.ForeignKey("crm.pipelines.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("probability", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False, server_default="open"),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
        sa.CheckConstraint("outcome IN ('open', 'won', 'lost')", name="outcome"),
        schema="crm",
    )
    op.create_index("ix_stages_pipeline", "stages", ["pipeline_id", "position"], schema="crm")

    op.create_table(
        "accounts",
        *_common(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("domain", sa.Text),
        sa.Column("industry", sa.Text),
        sa.Column("size", sa.Integer),
        sa.Column("street", sa.Text),
        sa.Column("city", sa.Text),
        sa.Column("region", sa.Text),
        sa.Column("postal_code", sa.Text),
        sa.Column("country", sa.Text),
        *_record(),
        schema="crm",
    )
    op.create_table(
        "contacts",
        *_common(),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("mobile", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("account_id", UUID, sa.ForeignKey("crm.accounts.id", ondelete="SET NULL")),
        sa.Column("time_zone", sa.Text),
        sa.Column("do_not_contact", sa.Boolean, nullable=False, server_default=sa.false()),
        *_record(),
        schema="crm",
    )
    op.create_table(
        "opportunities",
        *_common(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("account_id", UUID, sa.ForeignKey("crm.accounts.id", ondelete="SET NULL")),
        sa.Column(
            "primary_contact_id", UUID, sa.ForeignKey("crm.contacts.id", ondelete="SET NULL")
        ),
        sa.Column("amount", sa.Numeric(18, 2)),
        sa.Column("currency", sa.CHAR(3), nullable=False, server_default="USD"),
        sa.Column("pipeline_id", UUID, sa.ForeignKey("crm.pipelines.id"), nullable=False),
        sa.Column("stage_id", UUID, sa.ForeignKey("crm.stages.id"), nullable=False),
        sa.Column("probability_override", sa.Integer),
        sa.Column("close_date", sa.Date),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("closed_reason", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        *_record(),
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="status"),
        sa.CheckConstraint("probability_override BETWEEN 0 AND 100", name="probability_override"),
        schema="crm",
    )
    live = sa.text("deleted_at IS NULL")
    # Sorted lists and filters are keyset pages over (tenant, column, id); text sorts
    # are case-insensitive, so their indexes are on lower(column).
    for table, columns in {
        "accounts": [
            "name",
            "domain",
            "industry",
            "size",
            "city",
            "country",
            "owner_id",
            "created_at",
            "updated_at",
        ],
        "contacts": [
            "last_name",
            "first_name",
            "email",
            "title",
            "account_id",
            "owner_id",
            "created_at",
            "updated_at",
        ],
        "opportunities": [
            "name",
            "amount",
            "close_date",
            "stage_id",
            "account_id",
            "owner_id",
            "status",
            "created_at",
            "updated_at",
        ],
    }.items():
        for col in columns:
            text_column = col in TEXT_COLUMNS
            expr = sa.text(f"lower({col})") if text_column else col
            op.create_index(
                f"ix_{table}_{col}",
                table,
                ["customer_id", expr, "id"],
                schema="crm",
                postgresql_where=live,
            )
        op.create_index(
            f"ix_{table}_deleted",
            table,
            ["customer_id", "deleted_at"],
            schema="crm",
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
        )
    # Global search: trigram word similarity (prefixes, typos) on a stored column with
    # a GIN index. Under row-level security Postgres uses an index for a condition only
    # if every function in it is LEAKPROOF: so the document is a plain column (no
    # lower()/|| in the condition) and pg_trgm's word-similarity operator is marked
    # LEAKPROOF (it returns a number about its two arguments and raises nothing
    # data-dependent). That needs a superuser, which the embedded server's migrator is;
    # elsewhere search still works, by scanning (docs/operations).
    for table, document in SEARCH_DOCUMENTS.items():
        op.execute(
            f"ALTER TABLE crm.{table} ADD COLUMN search_doc text "
            f"GENERATED ALWAYS AS ({document}) STORED"
        )
        op.execute(
            f"CREATE INDEX ix_{table}_search ON crm.{table} USING gin "
            f"(search_doc gin_trgm_ops) WHERE deleted_at IS NULL"
        )
    op.execute(
        """
        DO $$ BEGIN
            IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF;
                ALTER FUNCTION word_similarity_dist_op(text, text) LEAKPROOF;
            ELSE
                RAISE NOTICE 'search: run as a superuser: ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF; ALTER FUNCTION word_similarity_dist_op(text, text) LEAKPROOF;';
            END IF;
        END $$
        """
    )
    op.create_index(
        "ix_contacts_email_lower",
        "contacts",
        ["customer_id", sa.text("lower(email)")],
        schema="crm",
    )
    op.create_index(
        "ix_accounts_domain_lower",
        "accounts",
        ["customer_id", sa.text("lower(domain)")],
        schema="crm",
    )

    op.create_table(
        "custom_fields",
        *_common(),
        sa.Column("object_type", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("field_type", sa.Text, nullable=False),
        sa.Column("options", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("required", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.UniqueConstraint("customer_id", "object_type", "key", name="uq_custom_fields_key"),
        sa.CheckConstraint(
            "object_type IN ('account', 'contact', 'opportunity')", name="object_type"
        ),
        sa.CheckConstraint(
            "field_type IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean')",
            name="field_type",
        ),
        schema="crm",
    )
    op.create_table(
        "views",
        *_common(),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("object_type", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("filters", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("sort", sa.Text),
        sa.Column("columns", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="crm",
    )
    op.create_index(
        "ix_views_user", "views", ["customer_id", "user_id", "object_type"], schema="crm"
    )
    op.create_table(
        "merges",
        *_common(),
        sa.Column("object_type", sa.Text, nullable=False),
        sa.Column("winner_id", UUID, nullable=False),
        sa.Column("merged_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("choices", JSONB, nullable=False),
        sa.Column("snapshots", JSONB, nullable=False),
        sa.Column("merged_by", UUID, nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="crm",
    )
    op.create_table(
        "imports",
        *_common(),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("object_type", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("mapping", JSONB, nullable=False),
        sa.Column("on_duplicate", sa.Text, nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("processed_rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failure", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        schema="crm",
    )
    op.create_table(
        "import_errors",
        *_common(),
        sa.Column(
            "import_id", UUID, sa.ForeignKey("crm.imports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("raw", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema="crm",
    )
    op.create_index(
        "ix_import_errors_import", "import_errors", ["import_id", "row_number"], schema="crm"
    )

    for table in TABLES:
        tenant_table(f"crm.{table}")
    grant_schema_tables("crm")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table, schema="crm")
    # pg_trgm stays: other schemas may use it, and it holds no data.

"""Row-level security and grants for a context's tables: the one helper every
migration uses (never copied SQL).

A context's migration creates its tables, then::

    from migrations.rls import grant_schema_tables, tenant_table

    for table in ("mailboxes", "messages"):
        tenant_table(f"email.{table}")
    grant_schema_tables("email")

``tenant_table`` turns on FORCE ROW LEVEL SECURITY with the policy that compares the
row's ``customer_id`` with the transaction's tenant (``app.customer_id``, set by
``backend.kit.tenancy``); the services' role ``salesos_app`` owns nothing and cannot
bypass it.
"""

from __future__ import annotations

from alembic import op

APP_ROLE = "salesos_app"
"""The role the services run as (``backend.kit.tenancy.APP_ROLE``)."""

TENANT = "NULLIF(current_setting('app.customer_id', true), '')::uuid"
"""The transaction's tenant; NULL (so no row matches) when none is set."""


def ensure_schema(schema: str) -> None:
    """A context's schema, usable by the app role, with grants on tables made later.

    Migration 0001/0002 made the schemas of the contexts planned then; a new context
    calls this first.
    """
    op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
    )


def tenant_table(table: str, column: str = "customer_id") -> None:
    """FORCE row-level security on ``table`` (``schema.name``): a row is seen and
    written only by a transaction of its tenant."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({column} = {TENANT}) WITH CHECK ({column} = {TENANT})"
    )


def grant_schema_tables(schema: str) -> None:
    """Let the app role use every table (and sequence) of ``schema`` made so far."""
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}"
    )
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}")

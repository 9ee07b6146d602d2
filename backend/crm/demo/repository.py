"""All SQL of the generated benchmark load (COPY as the owner role)."""

from __future__ import annotations

import uuid
from typing import Any


class ScaleStore:
    """COPY into the CRM's tables on an asyncpg connection of the owner role."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def default_stages(
        self, customer_id: uuid.UUID
    ) -> tuple[uuid.UUID, list[tuple[uuid.UUID, str]]]:
        """The tenant's default pipeline and its stages ``(id, outcome)`` in order.

        Raises:
            RuntimeError: the tenant has no default pipeline yet.
        """
        conn = self.conn
        pipeline_id = await conn.fetchval(
            "SELECT id FROM crm.pipelines WHERE customer_id = $1 AND is_default", customer_id
        )
        if pipeline_id is None:
            raise RuntimeError("the tenant has no default pipeline yet; seed the demo first")
        rows = await conn.fetch(
            "SELECT id, outcome FROM crm.stages WHERE pipeline_id = $1 ORDER BY position",
            pipeline_id,
        )
        return pipeline_id, [(r["id"], r["outcome"]) for r in rows]

    async def copy(
        self, acc_rows: list[tuple[Any, ...]], con_rows: list[tuple[Any, ...]],
        opp_rows: list[tuple[Any, ...]],
    ) -> None:  # fmt: skip
        conn = self.conn
        await conn.copy_records_to_table(
            "accounts",
            schema_name="crm",
            records=acc_rows,
            columns=[
                "id",
                "customer_id",
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
        )
        await conn.copy_records_to_table(
            "contacts",
            schema_name="crm",
            records=con_rows,
            columns=[
                "id",
                "customer_id",
                "first_name",
                "last_name",
                "email",
                "title",
                "account_id",
                "owner_id",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "opportunities",
            schema_name="crm",
            records=opp_rows,
            columns=[
                "id",
                "customer_id",
                "name",
                "account_id",
                "amount",
                "currency",
                "pipeline_id",
                "stage_id",
                "status",
                "owner_id",
                "created_at",
                "updated_at",
            ],
        )

    async def analyze(self) -> None:
        await self.conn.execute(
            "ANALYZE crm.accounts; ANALYZE crm.contacts; ANALYZE crm.opportunities"
        )

    async def vacuum(self) -> None:
        """Fresh statistics and visibility for the planner now, not whenever autovacuum
        gets to it (until then search ran 20x slower at p95)."""
        await self.conn.execute("VACUUM (ANALYZE) crm.accounts, crm.contacts, crm.opportunities")

"""All SQL of CSV imports and their error reports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from backend.crm.models import Import, ImportError_, ImportLease
from backend.kit.repository import RepositoryBase, TenantRepositoryBase


class ImportRepository(TenantRepositoryBase[Import]):
    model = Import

    async def recent(self, user_id: uuid.UUID) -> Sequence[Import]:
        stmt = (
            self.select()
            .where(Import.user_id == user_id)
            .order_by(Import.created_at.desc())
            .limit(50)
        )
        return await self.get_all(stmt)

    async def errors(
        self, import_id: uuid.UUID, limit: int, after_row: int
    ) -> Sequence[ImportError_]:
        stmt = (
            select(ImportError_)
            .where(
                ImportError_.customer_id == self.customer_id, ImportError_.import_id == import_id
            )
            .where(ImportError_.row_number > after_row)
            .order_by(ImportError_.row_number, ImportError_.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def add_errors(self, errors: Sequence[ImportError_]) -> None:
        for error in errors:
            error.customer_id = self.customer_id
        self.session.add_all(errors)
        await self.session.flush()


class ImportLeaseRepository(RepositoryBase[ImportLease]):
    """Leases of running imports, across tenants (ids and times only)."""

    model = ImportLease

    async def hold(self, import_id: uuid.UUID, customer_id: uuid.UUID, holder: str) -> None:
        """Take or refresh the lease of an import for ``holder``."""
        stmt = insert(ImportLease).values(
            import_id=import_id, customer_id=customer_id, holder=holder, heartbeat_at=func.now()
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[ImportLease.import_id],
                set_={"holder": holder, "heartbeat_at": func.now()},
            )
        )

    async def release(self, import_id: uuid.UUID) -> None:
        await self.session.execute(delete(ImportLease).where(ImportLease.import_id == import_id))

    async def claimable(self, limit: int = 50) -> Sequence[tuple[ImportLease, float]]:
        """Leases nobody else is looking at (row-locked until commit), each with the
        seconds since its last heartbeat."""
        age = func.extract("epoch", func.now() - ImportLease.heartbeat_at)
        stmt = (
            select(ImportLease, age)
            .order_by(ImportLease.heartbeat_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=ImportLease)
        )
        return [(row[0], float(row[1])) for row in (await self.session.execute(stmt)).all()]

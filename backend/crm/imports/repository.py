"""All SQL of CSV imports and their error reports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from backend.crm.models import Import, ImportError_
from backend.kit.repository import TenantRepositoryBase


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

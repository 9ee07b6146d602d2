"""All SQL of custom field definitions and saved views."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from backend.crm.models import CustomField, SavedView
from backend.kit.repository import TenantRepositoryBase


class CustomFieldRepository(TenantRepositoryBase[CustomField]):
    model = CustomField

    async def for_object(self, object_type: str) -> dict[str, CustomField]:
        rows = await self.get_all(self.select().where(CustomField.object_type == object_type))
        return {row.key: row for row in rows}

    async def listing(self, object_type: str | None) -> Sequence[CustomField]:
        stmt = self.select().order_by(
            CustomField.object_type, CustomField.position, CustomField.key
        )
        if object_type:
            stmt = stmt.where(CustomField.object_type == object_type)
        return await self.get_all(stmt)


class ViewRepository(TenantRepositoryBase[SavedView]):
    model = SavedView

    async def mine(self, user_id: uuid.UUID, object_type: str | None) -> Sequence[SavedView]:
        stmt = self.select().where(SavedView.user_id == user_id).order_by(SavedView.name)
        if object_type:
            stmt = stmt.where(SavedView.object_type == object_type)
        return await self.get_all(stmt)

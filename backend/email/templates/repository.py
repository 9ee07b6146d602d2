"""Every SQL statement about templates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_

from backend.email.models import Template
from backend.kit.repository import TenantRepositoryBase


class TemplateRepository(TenantRepositoryBase[Template]):
    model = Template

    async def visible(self, user_id: uuid.UUID) -> Sequence[Template]:
        """The caller's templates and the company's shared ones, by name."""
        stmt = (
            self.select()
            .where(
                Template.deleted_at.is_(None), or_(Template.owner_id == user_id, Template.shared)
            )
            .order_by(func.lower(Template.name), Template.id)
        )
        return await self.get_all(stmt)

    async def live(self, template_id: uuid.UUID, *, lock: bool = False) -> Template | None:
        stmt = self.select().where(Template.id == template_id, Template.deleted_at.is_(None))
        if lock:
            stmt = stmt.with_for_update()
        return await self.get_one_or_none(stmt)

"""Every SQL statement about mailboxes and their pace."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func

from backend.email.models import Mailbox
from backend.kit.repository import TenantRepositoryBase


class MailboxRepository(TenantRepositoryBase[Mailbox]):
    model = Mailbox

    async def of_owner(self, owner_id: uuid.UUID) -> Sequence[Mailbox]:
        stmt = (
            self.select()
            .where(Mailbox.owner_id == owner_id, Mailbox.status != "disconnected")
            .order_by(Mailbox.created_at, Mailbox.id)
        )
        return await self.get_all(stmt)

    async def live(self, mailbox_id: uuid.UUID, *, lock: bool = False) -> Mailbox | None:
        stmt = self.select().where(Mailbox.id == mailbox_id, Mailbox.status != "disconnected")
        if lock:
            stmt = stmt.with_for_update()
        return await self.get_one_or_none(stmt)

    async def address_taken(
        self, owner_id: uuid.UUID, email: str, but: uuid.UUID | None = None
    ) -> bool:
        stmt = self.select().where(
            Mailbox.owner_id == owner_id,
            func.lower(Mailbox.email) == email.lower(),
            Mailbox.status != "disconnected",
        )
        if but is not None:
            stmt = stmt.where(Mailbox.id != but)
        return await self.get_one_or_none(stmt.limit(1)) is not None

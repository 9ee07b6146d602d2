"""Duplicate suggestions and merges of accounts or contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func

from backend.crm import events
from backend.crm.models import Contact, Merge, Opportunity
from backend.crm.repository import RecordRepository
from backend.crm.service import RecordService
from backend.kit.errors import ValidationFailed
from backend.kit.security import Permission
from backend.messaging.outbox import emit

REFERENCES_TO: dict[str, list[tuple[type[Any], str]]] = {
    "account": [(Contact, "account_id"), (Opportunity, "account_id")],
    "contact": [(Opportunity, "primary_contact_id")],
}
"""Which columns point at a record kind (moved to the winner on merge)."""


class MergeService:
    """Duplicate suggestions and merges of accounts or contacts."""

    def __init__(self, records: RecordService[Any]) -> None:
        self.records = records
        self.session = records.session

    async def duplicates(self, limit: int) -> list[tuple[str, str, list[uuid.UUID]]]:
        spec = self.records.spec
        model = spec.model
        if spec.object_type == "account":
            key, name = "domain", func.lower(func.trim(model.name))
        else:
            key = "email"
            name = func.lower(
                func.trim(func.coalesce(model.first_name, "") + " " + model.last_name)
            )
        owners = self.records.access.owners(Permission.RECORDS_READ)
        return await self.records.repo.duplicates(key, name, owners, limit)

    async def merge(
        self, winner_id: uuid.UUID, loser_ids: Sequence[uuid.UUID], fields: dict[str, uuid.UUID]
    ) -> tuple[Merge, dict[str, int]]:
        """Keep ``winner_id`` with the chosen values, move references, trash the rest.

        Raises:
            ValidationFailed: a field or source that is not part of the merge.
            NotFound / Forbidden: a record out of reach.
        """
        spec = self.records.spec
        if winner_id in loser_ids:
            raise ValidationFailed.for_field("body.loser_ids", "must not contain the winner")
        everyone = await self.records._many_writable([winner_id, *loser_ids])
        by_id = {r.id: r for r in everyone}
        winner = by_id[winner_id]
        editable = set(self.records.editable_fields())
        changes: dict[str, Any] = {}
        for name, source in fields.items():
            if name not in editable:
                raise ValidationFailed.for_field(
                    f"body.fields.{name}", "is not a field that can be merged"
                )
            if source not in by_id:
                raise ValidationFailed.for_field(
                    f"body.fields.{name}", "must name one of the merged records"
                )
            if source != winner_id:
                changes[name] = getattr(by_id[source], name)
        snapshots = [{"id": str(r.id), **self.records.snapshot(r)} for r in everyone]
        if changes:
            await self.records.update(winner_id, changes, None)
        moved: dict[str, int] = {}
        for model, column in REFERENCES_TO.get(spec.object_type, []):
            count = await RecordRepository.of(self.session, model).repoint(
                column, list(loser_ids), winner.id
            )
            moved[f"{model.__tablename__}.{column}"] = count
        for loser in loser_ids:
            await self.records.delete(loser, None)
        audit = Merge(
            id=uuid.uuid4(),
            customer_id=self.records.access.principal.customer_id,
            object_type=spec.object_type,
            winner_id=winner.id,
            merged_ids=list(loser_ids),
            choices={k: str(v) for k, v in fields.items()},
            snapshots=snapshots,
            merged_by=self.records.access.principal.user_id,
        )
        self.session.add(audit)
        await self.session.flush()
        await emit(
            self.session,
            events.RecordsMerged(
                object_type=spec.object_type, winner_id=winner.id, merged_ids=list(loser_ids)
            ),
            aggregate_id=winner.id,
            customer_id=self.records.access.principal.customer_id,
        )
        return audit, moved

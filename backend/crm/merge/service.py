"""Duplicate suggestions and merges of accounts or contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from backend.crm import events
from backend.crm.merge.repository import MergeRepository
from backend.crm.models import Merge
from backend.crm.records.kinds import REFERENCES_TO
from backend.crm.records.service import RecordService, record_service
from backend.kit.errors import ValidationFailed
from backend.kit.security import Permission
from backend.messaging.outbox import emit

LIKELY_LIMIT = 5
"""How many likely duplicates a create form is told of."""


class MergeService:
    """Duplicate suggestions and merges of one kind of record (accounts or contacts)."""

    def __init__(self, records: RecordService[Any]) -> None:
        self.records = records
        self.session = records.session

    async def duplicates(self, limit: int) -> list[tuple[str, str, list[uuid.UUID]]]:
        """Groups of live records within reach that look like one: ``(reason, key, ids)``."""
        owners = self.records.access.owners(Permission.RECORDS_READ)
        return await self.records.repo.duplicates(owners, limit)

    async def likely(
        self, values: dict[str, Any], limit: int = LIKELY_LIMIT
    ) -> list[tuple[Any, str, bool]]:
        """Records that a record about to be made with ``values`` would duplicate, whoever
        owns them (a rep must learn that a colleague has the account already):
        ``(record, reason, within reach)``. Only a record within reach may be opened.
        ``values`` are an account's ``name`` and ``domain``, or a contact's
        ``first_name``, ``last_name`` and ``email``, as the create form has them."""
        kind = self.records.kind
        if kind.object_type == "account":
            key, name = values.get("domain"), values.get("name")
        else:
            key = values.get("email")
            parts = (values.get("first_name") or "", values.get("last_name") or "")
            name = " ".join(part.strip() for part in parts).strip() if parts[1] else None
        found = await self.records.repo.likely_duplicates(key or None, name or None, limit)
        access = self.records.access
        return [
            (record, reason, access.reaches(Permission.RECORDS_READ, record.owner_id))
            for record, reason in found
        ]

    async def merge(
        self, winner_id: uuid.UUID, loser_ids: Sequence[uuid.UUID], fields: dict[str, uuid.UUID]
    ) -> tuple[Merge | None, dict[str, int]]:
        """Keep ``winner_id`` with the chosen values, move every reference to the others
        onto it (each moved record gets its Updated event), trash the others, and keep
        an audit of what they were. The winner among the others is ignored; with no
        other, nothing changes (no audit).

        Raises:
            ValidationFailed: a field or source that is not part of the merge.
            NotFound / Forbidden: a record out of reach.
        """
        kind = self.records.kind
        access = self.records.access
        loser_ids = [i for i in dict.fromkeys(loser_ids) if i != winner_id]
        if not loser_ids:  # a record merged into itself: nothing changes
            await self.records.writable_many([winner_id])
            return None, {}
        everyone = await self.records.writable_many([winner_id, *loser_ids])
        by_id = {r.id: r for r in everyone}
        editable = set(kind.editable())
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
        snapshots = [
            {"id": str(r.id), **self.records.snapshot(r).model_dump(mode="json")} for r in everyone
        ]
        if changes:
            await self.records.update(winner_id, changes, None)
        moved: dict[str, int] = {}
        for referencing, column in REFERENCES_TO.get(kind.object_type, []):
            service = record_service(self.session, referencing, access)
            count = await service.move_references(column, list(loser_ids), winner_id)
            moved[f"{referencing.model.__tablename__}.{column}"] = count
        for loser in loser_ids:
            await self.records.delete(loser, None)
        audit = await MergeRepository.from_session(self.session).create(
            Merge(
                id=uuid.uuid4(),
                object_type=kind.object_type,
                winner_id=winner_id,
                merged_ids=list(loser_ids),
                choices={k: str(v) for k, v in fields.items()},
                snapshots=snapshots,
                merged_by=access.principal.user_id,
            )
        )
        await emit(
            self.session,
            events.RecordsMerged(
                object_type=kind.object_type, winner_id=winner_id, merged_ids=list(loser_ids)
            ),
            aggregate_id=winner_id,
            customer_id=access.principal.customer_id,
        )
        return audit, moved

"""Business rules of accounts, contacts and opportunities: ownership scopes, custom
fields, references, optimistic concurrency, a trash, and the events of every change.

There is one write path. A new record is *prepared* (checked, built) and then
*added*; a change is *prepared* and then *applied*. The API does it one record at a
time; bulk changes, CSV imports, merges and demo data do it for many at once with the
same methods, so every record's events have one shape (built here, by
:meth:`RecordService.snapshot` and :meth:`RecordService.changes_of`).

Services never commit; every change emits its event into the outbox in the same
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm import events
from backend.crm.errors import StaleWrite
from backend.crm.fields.service import CustomFieldService, validate_custom_fields
from backend.crm.models import CustomField, Opportunity, Stage
from backend.crm.pipelines.service import PipelineService, weighted
from backend.crm.records.kinds import OPPORTUNITIES, R, RecordKind
from backend.crm.records.repository import Filter, RecordRepository
from backend.kit.access import Access
from backend.kit.errors import Forbidden, NotFound, ValidationFailed
from backend.kit.security import Permission
from backend.messaging.envelope import DomainEvent
from backend.messaging.outbox import emit, emit_many

EXACT_COUNT_UP_TO = 10_000
"""Lists are counted exactly up to this many records (a few milliseconds); a longer one
gets the planner's estimate, said to be one."""
ME = "me"
"""``owner_id:eq:me``: the caller, whoever they are (a "My accounts" view for anyone)."""


def _mine(flt: Filter, me: uuid.UUID) -> Filter:
    """``owner_id:eq:me`` (or ``ne``/``in``) with the caller's id for ``me``."""
    if flt.field != "owner_id" or ME not in flt.value.split(","):
        return flt
    values = [str(me) if value == ME else value for value in flt.value.split(",")]
    return Filter(flt.field, flt.op, ",".join(values))


def _now() -> datetime:
    return datetime.now(UTC)


def etag(record: Any) -> str:
    return f'"{record.version}"'


class RecordService(Generic[R]):
    """Lists, reads, writes, trash and bulk changes of one record kind."""

    def __init__(self, session: AsyncSession, kind: RecordKind[R], access: Access) -> None:
        self.session = session
        self.kind: RecordKind[R] = kind
        self.access = access
        self.repo: RecordRepository[R] = RecordRepository.of(session, kind.model)
        self.fields = CustomFieldService(session)
        self._definitions: dict[str, CustomField] | None = None

    # ------------------------------------------------------------------ reading
    async def custom_definitions(self) -> dict[str, CustomField]:
        if self._definitions is None:
            self._definitions = await self.fields.definitions(self.kind.object_type)
        return self._definitions

    async def _listing(self, filters: Sequence[str], trash: bool, quick: str) -> Any:
        me = self.access.principal.user_id
        parsed = [_mine(Filter.parse(f), me) for f in filters]
        return self.repo.listing(
            filters=parsed,
            custom=await self.custom_definitions(),
            owners=self.access.owners(Permission.RECORDS_READ),
            trash=trash,
            quick=quick.strip(),
        )

    async def page(
        self,
        *,
        filters: Sequence[str],
        sort: str | None,
        trash: bool,
        cursor: str | None,
        limit: int,
        quick: str = "",
        end: bool = False,
    ) -> tuple[list[R], str | None]:
        """One page of the list; with ``end``, its last page (no cursor: the list's end).

        ``owner_id:eq:me`` stands for the caller; ``quick`` is the filter box's text.

        Raises:
            ValidationFailed: a bad filter or sort, or ``end`` with a ``cursor``.
        """
        listing = await self._listing(filters, trash, quick)
        sort = sort or self.kind.default_sort
        custom = await self.custom_definitions()
        if end:
            if cursor is not None:
                raise ValidationFailed.for_field("query.end", "cannot be used with a cursor")
            return await self.repo.last_page(listing, sort=sort, custom=custom, limit=limit), None
        return await self.repo.page(listing, sort=sort, custom=custom, cursor=cursor, limit=limit)

    async def count(
        self, *, filters: Sequence[str], trash: bool, quick: str = ""
    ) -> tuple[int, bool]:
        """How many records the list holds: ``(count, exact)``, exact up to
        :data:`EXACT_COUNT_UP_TO`, the planner's estimate beyond."""
        listing = await self._listing(filters, trash, quick)
        return await self.repo.count(listing, EXACT_COUNT_UP_TO)

    async def get(self, record_id: uuid.UUID) -> R:
        """Raises:
        NotFound: no such live record within the caller's reach.
        """
        record = await self.repo.live_one(record_id)
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(self.kind.label, record_id)
        return record

    # ------------------------------------------------------------------ the API's writes
    async def create(self, values: dict[str, Any]) -> R:
        """Raises:
        ValidationFailed: naming each field that is wrong.
        """
        prepared = (await self.prepare_new([values]))[0]
        if isinstance(prepared, ValidationFailed):
            raise prepared
        await self.add_new([prepared])
        return prepared

    async def update(
        self, record_id: uuid.UUID, changes: dict[str, Any], if_match: str | None
    ) -> R:
        """Apply ``changes`` (only the fields sent).

        Raises:
            NotFound, Forbidden, StaleWrite, ValidationFailed.
        """
        record = await self._writable(record_id, if_match)
        prepared = await self.prepare_changes(record, changes)
        await self.apply_changes([(record, prepared)])
        return record

    async def delete(self, record_id: uuid.UUID, if_match: str | None) -> R:
        """Move to the trash (restorable)."""
        record = await self._writable(record_id, if_match)
        record.deleted_at = _now()
        record.version += 1
        await self.session.flush()
        await self._emit(self.kind.deleted, record)
        return record

    async def restore(self, record_id: uuid.UUID) -> R:
        record = await self.repo.any_deleted(record_id)
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(f"{self.kind.label} in the trash", record_id)
        self._require_write(record)
        record.deleted_at = None
        record.version += 1
        record.updated_at = _now()
        await self.session.flush()
        await self._emit(self.kind.restored, record)
        return record

    async def bulk_update(self, ids: Sequence[uuid.UUID], changes: dict[str, Any]) -> int:
        """All or nothing: one record out of reach fails the whole request."""
        unknown = set(changes) - set(self.kind.editable())
        if unknown:
            raise ValidationFailed.for_field(
                f"body.changes.{sorted(unknown)[0]}", "cannot be changed in bulk"
            )
        records = await self.writable_many(ids)
        pairs = [(record, await self.prepare_changes(record, dict(changes))) for record in records]
        await self.apply_changes(pairs)
        return len(records)

    async def bulk_delete(self, ids: Sequence[uuid.UUID]) -> int:
        records = await self.writable_many(ids)
        for record in records:
            await self.delete(record.id, None)
        return len(records)

    # ------------------------------------------------------------------ the one write path
    async def prepare_new(self, rows: Sequence[dict[str, Any]]) -> list[R | ValidationFailed]:
        """Check and build new records (not yet added): for each row the record, or
        what is wrong with it. References are checked in one query per column."""
        definitions = await self.custom_definitions()
        problems = await self._reference_problems(rows)
        prepared: list[R | ValidationFailed] = []
        for values, wrong in zip(rows, problems, strict=True):
            try:
                if wrong is not None:
                    raise wrong
                values = dict(values)
                values["owner_id"] = await self._owner(values.get("owner_id"))
                values["custom_fields"] = validate_custom_fields(
                    values.get("custom_fields") or {}, definitions, creating=True, current={}
                )
                record = self.kind.model(
                    id=uuid.uuid4(), created_by=self.access.principal.user_id, version=1, **values
                )
                await self.before_create(record)
            except ValidationFailed as exc:
                prepared.append(exc)
                continue
            prepared.append(record)
        return prepared

    async def add_new(self, records: Sequence[R]) -> None:
        """Insert prepared records and emit their Created events (one statement each)."""
        if not records:
            return
        await self.repo.create_many(records)
        await self._emit_many(
            [
                self.kind.created(
                    **{self.kind.id_field: r.id, "record": self.snapshot(r)},
                    version=r.version,
                    owner_id=r.owner_id,
                )
                for r in records
            ],
            records,
        )

    async def prepare_changes(self, record: R, changes: dict[str, Any]) -> dict[str, Any]:
        """Check ``changes`` to ``record``; returns those that change something (derived
        ones added, e.g. an opportunity's status from its new stage).

        Raises:
            ValidationFailed: naming each field that is wrong.
        """
        changes = dict(changes)
        if "owner_id" in changes:
            changes["owner_id"] = await self._owner(changes["owner_id"], current=record.owner_id)
        if "custom_fields" in changes:
            changes["custom_fields"] = validate_custom_fields(
                changes["custom_fields"] or {},
                await self.custom_definitions(),
                creating=False,
                current=record.custom_fields,
            )
        wrong = (await self._reference_problems([changes]))[0]
        if wrong is not None:
            raise wrong
        changes = {k: v for k, v in changes.items() if getattr(record, k) != v}
        await self.before_update(record, changes)
        return changes

    async def apply_changes(self, pairs: Sequence[tuple[R, dict[str, Any]]]) -> None:
        """Apply prepared changes, bump each changed record's version, and emit an
        Updated event per record (plus the kind's own events, e.g. StageChanged)."""
        changed = [(record, changes) for record, changes in pairs if changes]
        if not changed:
            return
        befores = []
        for record, changes in changed:
            befores.append({k: getattr(record, k) for k in changes})
            for key, value in changes.items():
                setattr(record, key, value)
            record.version += 1
            record.updated_at = _now()
        await self.session.flush()
        updates = []
        for (record, changes), before in zip(changed, befores, strict=True):
            diff = [k for k in changes if before[k] != getattr(record, k)]
            if diff:
                previous = before["owner_id"] if "owner_id" in diff else None
                updates.append((record, self.changes_of(record, diff), previous))
        await self._emit_many(
            [
                self.kind.updated(
                    **{self.kind.id_field: r.id, "changes": c},
                    version=r.version,
                    owner_id=r.owner_id,
                    previous_owner_id=previous,
                )
                for r, c, previous in updates
            ],
            [r for r, _, _ in updates],
        )
        for (record, _), before in zip(changed, befores, strict=True):
            await self.after_update(record, before)

    async def move_references(self, column: str, old: Sequence[uuid.UUID], new: uuid.UUID) -> int:
        """Point ``column`` of every record (live or trashed) that names one of ``old``
        at ``new`` instead (a merge's winner), with each moved record's Updated event.
        Returns how many moved."""
        records = await self.repo.referencing(column, old)
        await self.apply_changes([(record, {column: new}) for record in records])
        return len(records)

    # ------------------------------------------------------------------ event shapes
    def snapshot(self, record: R) -> BaseModel:
        """The record's business fields as its Created event carries them."""
        return self.kind.snapshot.model_validate(record)

    def changes_of(self, record: R, fields: Sequence[str]) -> BaseModel:
        """The new values of ``fields`` as an Updated event carries them."""
        return self.kind.changes.model_validate({f: getattr(record, f) for f in fields})

    # ------------------------------------------------------------------ hooks
    async def before_create(self, record: R) -> None:
        """Kind-specific rules on a new record (opportunities: stage and status)."""

    async def before_update(self, record: R, changes: dict[str, Any]) -> None:
        """Kind-specific rules: may check ``changes`` and add derived ones (never
        touches ``record``, so the event sees what changed)."""

    async def after_update(self, record: R, before: dict[str, Any]) -> None:
        """Kind-specific events after an update."""

    # ------------------------------------------------------------------ internals
    async def _emit(self, event_type: type[events.RecordEvent], subject: R, **payload: Any) -> None:
        event = event_type(
            **{self.kind.id_field: subject.id},
            version=subject.version,
            owner_id=subject.owner_id,
            **payload,
        )
        await emit(
            self.session,
            event,
            aggregate_id=subject.id,
            customer_id=self.access.principal.customer_id,
        )

    async def _emit_many(self, events_: Sequence[DomainEvent], records: Sequence[R]) -> None:
        if len(events_) == 1:  # one record: take its aggregate lock as emit does
            await emit(
                self.session,
                events_[0],
                aggregate_id=records[0].id,
                customer_id=self.access.principal.customer_id,
            )
        elif events_:  # many: each row is locked by its insert or update already
            await emit_many(
                self.session,
                [(e, r.id) for e, r in zip(events_, records, strict=True)],
                customer_id=self.access.principal.customer_id,
            )

    def _require_write(self, record: R) -> None:
        if not self.access.reaches(Permission.RECORDS_WRITE, record.owner_id):
            raise Forbidden(
                "You can only change records within your reach "
                f"({self.access.principal.role.value})."
            )

    async def _writable(self, record_id: uuid.UUID, if_match: str | None) -> R:
        record = await self.repo.live_one(record_id, for_update=True)
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(self.kind.label, record_id)
        self._require_write(record)
        if if_match is not None and if_match.strip() not in (etag(record), "*"):
            raise StaleWrite(etag(record))
        return record

    async def writable_many(self, ids: Sequence[uuid.UUID]) -> list[R]:
        records = await self.repo.many(list(dict.fromkeys(ids)))
        found = {r.id for r in records if self.access.reaches(Permission.RECORDS_READ, r.owner_id)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(self.kind.label, missing[0])
        for record in records:
            self._require_write(record)
        return records

    async def _owner(
        self, owner_id: uuid.UUID | None, current: uuid.UUID | None = None
    ) -> uuid.UUID:
        me = self.access.principal.user_id
        if owner_id is None:
            return current or me
        if owner_id == current:
            return owner_id
        if not self.access.reaches(Permission.RECORDS_WRITE, owner_id):
            raise ValidationFailed.for_field(
                "body.owner_id", "is not a user you may assign records to"
            )
        if owner_id != me and not await self.access.user_exists(owner_id):
            raise ValidationFailed.for_field("body.owner_id", "is not a user of your company")
        return owner_id

    async def _reference_problems(
        self, rows: Sequence[dict[str, Any]]
    ) -> list[ValidationFailed | None]:
        """For each row, what is wrong with the records it points at (one query per
        referencing column for all rows)."""
        problems: list[ValidationFailed | None] = [None] * len(rows)
        for column, (model, label) in self.kind.references.items():
            wanted = [row[column] for row in rows if row.get(column) is not None]
            if not wanted:
                continue
            owners = await RecordRepository.of(self.session, model).live_owners(wanted)
            for i, row in enumerate(rows):
                ref = row.get(column)
                if (
                    problems[i] is None
                    and ref is not None
                    and (
                        ref not in owners
                        or not self.access.reaches(Permission.RECORDS_READ, owners[ref])
                    )
                ):
                    problems[i] = ValidationFailed.for_field(
                        f"body.{column}", f"is not an {label} you can see"
                    )
        return problems


class OpportunityService(RecordService[Opportunity]):
    """Opportunities live in a pipeline stage; won/lost stages close them."""

    def __init__(self, session: AsyncSession, access: Access) -> None:
        super().__init__(session, OPPORTUNITIES, access)
        self.pipelines = PipelineService(session)

    async def before_create(self, record: Opportunity) -> None:
        stage = await self.pipelines.stage_or_first(record.stage_id)
        record.stage_id, record.pipeline_id = stage.id, stage.pipeline_id
        record.currency = record.currency or "USD"
        self._close_by_stage(record, stage)

    async def before_update(self, record: Opportunity, changes: dict[str, Any]) -> None:
        if "stage_id" in changes:
            stage = await self.pipelines.stage_or_first(changes["stage_id"])
            if stage.pipeline_id != record.pipeline_id:
                raise ValidationFailed.for_field("body.stage_id", "is a stage of another pipeline")
            changes["stage_id"] = stage.id
            if stage.outcome != record.status:
                changes["status"] = stage.outcome
                changes["closed_at"] = _now() if stage.outcome != "open" else None

    async def after_update(self, record: Opportunity, before: dict[str, Any]) -> None:
        old_stage = before.get("stage_id")
        if old_stage is None or old_stage == record.stage_id:
            return
        await self._emit(
            events.OpportunityStageChanged,
            record,
            from_stage_id=old_stage,
            to_stage_id=record.stage_id,
        )
        if record.status == "won":
            await self._emit(
                events.OpportunityWon, record, amount=record.amount, currency=record.currency
            )
        elif record.status == "lost":
            await self._emit(events.OpportunityLost, record, reason=record.closed_reason)

    def _close_by_stage(self, record: Opportunity, stage: Stage) -> None:
        record.status = stage.outcome
        record.closed_at = _now() if stage.outcome != "open" else None

    async def with_probabilities(
        self, records: Sequence[Opportunity]
    ) -> list[tuple[Opportunity, int, Decimal | None]]:
        """Each deal with its win probability (its own, or its stage's) and its
        weighted amount."""
        if not records:
            return []
        stages = await self.pipelines.stages_by_id({r.pipeline_id for r in records})
        rows = []
        for r in records:
            p = r.probability_override
            if p is None:
                p = stages[r.stage_id].probability
            rows.append((r, p, weighted(r.amount, p)))
        return rows


def record_service(
    session: AsyncSession, kind: RecordKind[Any], access: Access
) -> RecordService[Any]:
    """The service of one kind (opportunities have their own rules)."""
    if kind is OPPORTUNITIES:
        return OpportunityService(session, access)
    return RecordService(session, kind, access)

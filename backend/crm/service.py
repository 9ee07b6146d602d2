"""Business rules of the CRM: records (accounts, contacts, opportunities) with
ownership scopes, custom fields, optimistic concurrency and a trash; pipelines.

Services never commit; every change emits its event into the outbox in the same
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm import events
from backend.crm.errors import StaleWrite
from backend.crm.models import (
    Account,
    Contact,
    CustomField,
    Opportunity,
    Stage,
)
from backend.crm.pipelines import PipelineService
from backend.crm.repository import (
    CustomFieldRepository,
    Filter,
    RecordRepository,
)
from backend.kit.errors import ErrorDetail, Forbidden, NotFound, ValidationFailed
from backend.kit.security import Permission, Principal, Scope
from backend.messaging.outbox import emit

R = TypeVar("R", Account, Contact, Opportunity)

SYSTEM_FIELDS = frozenset(
    {
        "id",
        "customer_id",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
        "created_by",
        "search_doc",
    }
)


def _now() -> datetime:
    return datetime.now(UTC)


def etag(record: Any) -> str:
    return f'"{record.version}"'


@dataclass(frozen=True)
class Spec(Generic[R]):
    """What differs between the three record kinds."""

    object_type: str
    label: str
    model: type[R]
    id_field: str
    created: type[events.RecordEvent]
    updated: type[events.RecordEvent]
    deleted: type[events.RecordEvent]
    restored: type[events.RecordEvent]
    default_sort: str
    references: dict[str, tuple[type[Any], str]] = field(default_factory=dict)


ACCOUNTS: Spec[Account] = Spec(
    object_type="account",
    label="Account",
    model=Account,
    id_field="account_id",
    created=events.AccountCreated,
    updated=events.AccountUpdated,
    deleted=events.AccountDeleted,
    restored=events.AccountRestored,
    default_sort="name",
)
CONTACTS: Spec[Contact] = Spec(
    object_type="contact",
    label="Contact",
    model=Contact,
    id_field="contact_id",
    created=events.ContactCreated,
    updated=events.ContactUpdated,
    deleted=events.ContactDeleted,
    restored=events.ContactRestored,
    default_sort="last_name",
    references={"account_id": (Account, "account")},
)
OPPORTUNITIES: Spec[Opportunity] = Spec(
    object_type="opportunity",
    label="Opportunity",
    model=Opportunity,
    id_field="opportunity_id",
    created=events.OpportunityCreated,
    updated=events.OpportunityUpdated,
    deleted=events.OpportunityDeleted,
    restored=events.OpportunityRestored,
    default_sort="-updated_at",
    references={"account_id": (Account, "account"), "primary_contact_id": (Contact, "contact")},
)


@dataclass(frozen=True)
class Access:
    """The caller and the owners their role reaches.

    Attributes:
        team: The users the caller manages (only looked up for a "team" scope).
        user_exists: Asks the auth service whether a user id is one of the company's.
    """

    principal: Principal
    team: frozenset[uuid.UUID]
    user_exists: Callable[[uuid.UUID], Awaitable[bool]]

    def owners(self, permission: Permission) -> frozenset[uuid.UUID] | None:
        scope = self.principal.scope(permission)
        if scope is Scope.ALL:
            return None
        if scope is Scope.TEAM:
            return self.team | {self.principal.user_id}
        return frozenset({self.principal.user_id})

    def reaches(self, permission: Permission, owner_id: uuid.UUID | None) -> bool:
        owners = self.owners(permission)
        return owners is None or owner_id in owners


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def validate_custom_fields(
    values: dict[str, Any],
    definitions: dict[str, CustomField],
    *,
    creating: bool,
    current: dict[str, Any],
) -> dict[str, Any]:
    """Check custom field values against their definitions; returns the merged dict.

    Raises:
        ValidationFailed: naming ``body.custom_fields.<key>`` for each problem.
    """
    problems: list[ErrorDetail] = []
    merged = dict(current)
    for key, value in values.items():
        path = f"body.custom_fields.{key}"
        definition = definitions.get(key)
        if definition is None:
            problems.append(ErrorDetail(field=path, message="is not a custom field of this object"))
            continue
        if value is None:
            merged.pop(key, None)
            continue
        kind = definition.field_type
        ok = True
        if kind == "text":
            ok = isinstance(value, str) and len(value) <= 2000
        elif kind == "number":
            try:
                ok = not isinstance(value, bool) and Decimal(str(value)).is_finite()
            except InvalidOperation:
                ok = False
        elif kind == "boolean":
            ok = isinstance(value, bool)
        elif kind == "date":
            try:
                ok = isinstance(value, str) and bool(date.fromisoformat(value))
            except ValueError:
                ok = False
        elif kind == "select":
            ok = isinstance(value, str) and value in definition.options
        elif kind == "multi_select":
            ok = isinstance(value, list) and all(v in definition.options for v in value)
        if not ok:
            expected = {
                "text": "text up to 2000 characters", "number": "a number",
                "boolean": "true or false",
                "date": "a date such as 2026-12-31",
                "select": f"one of {', '.join(definition.options)}",
                "multi_select": f"a list of {', '.join(definition.options)}",
            }[kind]  # fmt: skip
            problems.append(ErrorDetail(field=path, message=f"must be {expected}"))
            continue
        merged[key] = value
    for key, definition in definitions.items():
        if (
            definition.required
            and merged.get(key) in (None, "", [])
            and (creating or key in values)
        ):
            problems.append(ErrorDetail(field=f"body.custom_fields.{key}", message="is required"))
    if problems:
        raise ValidationFailed(
            "Invalid custom fields: " + ", ".join(p.field or "" for p in problems), details=problems
        )
    return merged


class RecordService(Generic[R]):
    """CRUD, lists, trash and bulk changes of one record kind."""

    def __init__(self, session: AsyncSession, spec: Spec[R], access: Access) -> None:
        self.session = session
        self.spec: Spec[R] = spec
        self.access = access
        self.repo: RecordRepository[R] = RecordRepository.of(session, spec.model)

    # ------------------------------------------------------------------ reading
    async def custom_definitions(self) -> dict[str, CustomField]:
        return await CustomFieldRepository.from_session(self.session).for_object(
            self.spec.object_type
        )

    async def page(
        self,
        *,
        filters: Sequence[str],
        sort: str | None,
        trash: bool,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[R], str | None]:
        parsed = [Filter.parse(f) for f in filters]
        return await self.repo.page(
            filters=parsed,
            sort=sort or self.spec.default_sort,
            custom=await self.custom_definitions(),
            owners=self.access.owners(Permission.RECORDS_READ),
            trash=trash,
            cursor=cursor,
            limit=limit,
        )

    async def get(self, record_id: uuid.UUID) -> R:
        """Raises:
        NotFound: no such live record within the caller's reach.
        """
        record = await self.repo.get_one_or_none(
            self.repo.live().where(self.spec.model.id == record_id)
        )
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(self.spec.label, record_id)
        return record

    # ------------------------------------------------------------------ writing
    async def create(self, values: dict[str, Any]) -> R:
        values = dict(values)
        values["owner_id"] = await self._owner(values.get("owner_id"))
        values["custom_fields"] = validate_custom_fields(
            values.get("custom_fields") or {},
            await self.custom_definitions(),
            creating=True,
            current={},
        )
        await self._check_references(values)
        record = self.spec.model(
            id=uuid.uuid4(), created_by=self.access.principal.user_id, version=1, **values
        )
        await self.before_create(record)
        await self.repo.create(record)
        await self._emit(self.spec.created, record, record=self.snapshot(record))
        created: R = record
        return created

    async def update(
        self, record_id: uuid.UUID, changes: dict[str, Any], if_match: str | None
    ) -> R:
        """Apply ``changes`` (only the fields sent).

        Raises:
            NotFound, Forbidden, StaleWrite, ValidationFailed.
        """
        record = await self._writable(record_id, if_match)
        changes = await self._prepare_changes(record, changes)
        await self.before_update(record, changes)
        if not changes:
            return record
        before = {k: getattr(record, k) for k in changes}
        for key, value in changes.items():
            setattr(record, key, value)
        record.version += 1
        record.updated_at = _now()
        await self.session.flush()
        diff = {
            k: _jsonable(getattr(record, k)) for k in changes if before[k] != getattr(record, k)
        }
        if diff:
            await self._emit(self.spec.updated, record, changes=diff)
        await self.after_update(record, before)
        return record

    async def delete(self, record_id: uuid.UUID, if_match: str | None) -> R:
        """Move to the trash (restorable)."""
        record = await self._writable(record_id, if_match)
        record.deleted_at = _now()
        record.version += 1
        await self.session.flush()
        await self._emit(self.spec.deleted, record)
        return record

    async def restore(self, record_id: uuid.UUID) -> R:
        record = await self.repo.any_deleted(record_id)
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(f"{self.spec.label} in the trash", record_id)
        self._require_write(record)
        record.deleted_at = None
        record.version += 1
        record.updated_at = _now()
        await self.session.flush()
        await self._emit(self.spec.restored, record)
        return record

    async def bulk_update(self, ids: Sequence[uuid.UUID], changes: dict[str, Any]) -> int:
        """All or nothing: one record out of reach fails the whole request."""
        unknown = set(changes) - set(self.editable_fields())
        if unknown:
            raise ValidationFailed.for_field(
                f"body.changes.{sorted(unknown)[0]}", "cannot be changed in bulk"
            )
        records = await self._many_writable(ids)
        for record in records:
            await self.update(record.id, dict(changes), None)
        return len(records)

    async def bulk_delete(self, ids: Sequence[uuid.UUID]) -> int:
        records = await self._many_writable(ids)
        for record in records:
            await self.delete(record.id, None)
        return len(records)

    # ------------------------------------------------------------------ hooks
    def editable_fields(self) -> list[str]:
        return [c.key for c in self.spec.model.__table__.columns if c.key not in SYSTEM_FIELDS]

    async def before_create(self, record: R) -> None:
        """Kind-specific rules on a new record (opportunities: stage and status)."""

    async def before_update(self, record: R, changes: dict[str, Any]) -> None:
        """Kind-specific rules: may check ``changes`` and add derived ones (never
        touches ``record``, so the event sees what changed)."""

    async def after_update(self, record: R, before: dict[str, Any]) -> None:
        """Kind-specific events after an update."""

    def snapshot(self, record: R) -> dict[str, Any]:
        return {c: _jsonable(getattr(record, c)) for c in self.editable_fields()}

    # ------------------------------------------------------------------ internals
    async def _emit(self, event_type: type[events.RecordEvent], subject: R, **payload: Any) -> None:
        event = event_type(**{self.spec.id_field: subject.id}, version=subject.version, **payload)
        await emit(
            self.session,
            event,
            aggregate_id=subject.id,
            customer_id=self.access.principal.customer_id,
        )

    def _require_write(self, record: R) -> None:
        if not self.access.reaches(Permission.RECORDS_WRITE, record.owner_id):
            raise Forbidden(
                "You can only change records within your reach "
                f"({self.access.principal.role.value})."
            )

    async def _writable(self, record_id: uuid.UUID, if_match: str | None) -> R:
        record = await self.repo.get_one_or_none(
            self.repo.live().where(self.spec.model.id == record_id).with_for_update()
        )
        if record is None or not self.access.reaches(Permission.RECORDS_READ, record.owner_id):
            raise NotFound(self.spec.label, record_id)
        self._require_write(record)
        if if_match is not None and if_match.strip() not in (etag(record), "*"):
            raise StaleWrite(etag(record))
        return record

    async def _many_writable(self, ids: Sequence[uuid.UUID]) -> list[R]:
        records = await self.repo.many(list(dict.fromkeys(ids)))
        found = {r.id for r in records if self.access.reaches(Permission.RECORDS_READ, r.owner_id)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(self.spec.label, missing[0])
        for record in records:
            self._require_write(record)
        return records

    async def _prepare_changes(self, record: R, changes: dict[str, Any]) -> dict[str, Any]:
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
        await self._check_references(changes)
        return {k: v for k, v in changes.items() if getattr(record, k) != v}

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

    async def _check_references(self, values: dict[str, Any]) -> None:
        for column, (model, label) in self.spec.references.items():
            ref = values.get(column)
            if ref is None:
                continue
            target = await RecordRepository.of(self.session, model).get_one_or_none(
                RecordRepository.of(self.session, model).live().where(model.id == ref)
            )
            if target is None or not self.access.reaches(Permission.RECORDS_READ, target.owner_id):
                raise ValidationFailed.for_field(f"body.{column}", f"is not an {label} you can see")


class OpportunityService(RecordService[Opportunity]):
    """Opportunities live in a pipeline stage; won/lost stages close them."""

    def __init__(self, session: AsyncSession, access: Access) -> None:
        super().__init__(session, OPPORTUNITIES, access)
        self.pipelines = PipelineService(session)

    def editable_fields(self) -> list[str]:
        return [
            f for f in super().editable_fields() if f not in ("pipeline_id", "status", "closed_at")
        ]

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
            amount = format(record.amount, "f") if record.amount is not None else None
            await self._emit(events.OpportunityWon, record, amount=amount, currency=record.currency)
        elif record.status == "lost":
            await self._emit(events.OpportunityLost, record, reason=record.closed_reason)

    def _close_by_stage(self, record: Opportunity, stage: Stage) -> None:
        record.status = stage.outcome
        record.closed_at = _now() if stage.outcome != "open" else None

    async def probabilities(self, records: Sequence[Opportunity]) -> dict[uuid.UUID, int]:
        stages = await self.pipelines.stages_by_id({r.pipeline_id for r in records})
        return {
            r.id: r.probability_override
            if r.probability_override is not None
            else stages[r.stage_id].probability
            for r in records
        }

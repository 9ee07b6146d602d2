"""All SQL of the CRM context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Float,
    Numeric,
    Select,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from backend.crm.models import (
    Account,
    Contact,
    CustomField,
    Import,
    ImportError_,
    Opportunity,
    Pipeline,
    SavedView,
    Stage,
)
from backend.kit.errors import ValidationFailed
from backend.kit.pagination import decode_cursor, sorted_cursor
from backend.kit.repository import TenantRepositoryBase

R = TypeVar("R", Account, Contact, Opportunity)

TEXT, INT, NUMBER, DATE, DATETIME, BOOL, ID = (
    "text",
    "int",
    "number",
    "date",
    "datetime",
    "bool",
    "uuid",
)

FIELDS: dict[type[Any], dict[str, str]] = {
    Account: {
        "id": ID, "name": TEXT, "domain": TEXT, "industry": TEXT, "size": INT, "street": TEXT,
        "city": TEXT, "region": TEXT, "postal_code": TEXT, "country": TEXT, "owner_id": ID,
        "created_at": DATETIME, "updated_at": DATETIME,
    },
    Contact: {
        "id": ID, "first_name": TEXT, "last_name": TEXT, "email": TEXT, "phone": TEXT,
        "mobile": TEXT, "title": TEXT, "account_id": ID, "time_zone": TEXT, "do_not_contact": BOOL,
        "owner_id": ID,
        "created_at": DATETIME, "updated_at": DATETIME,
    },
    Opportunity: {
        "id": ID, "name": TEXT, "account_id": ID, "primary_contact_id": ID, "amount": NUMBER,
        "currency": TEXT,
        "pipeline_id": ID, "stage_id": ID, "probability_override": INT, "close_date": DATE,
        "status": TEXT, "owner_id": ID, "created_at": DATETIME, "updated_at": DATETIME,
    },
}  # fmt: skip
"""The columns a list may be filtered and sorted by, with their kinds; custom fields
are addressed as ``cf.<key>``."""

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "starts", "in", "empty", "notempty")
_CUSTOM_KIND = {"text": TEXT, "select": TEXT, "number": NUMBER, "date": DATE, "boolean": BOOL}


@dataclass(frozen=True)
class Filter:
    """``field:op:value`` from a query string, e.g. ``size:gte:100`` or ``cf.tier:eq:Gold``."""

    field: str
    op: str
    value: str

    @classmethod
    def parse(cls, raw: str) -> Filter:
        field, _, rest = raw.partition(":")
        op, _, value = rest.partition(":")
        if not field or op not in OPERATORS:
            raise ValidationFailed.for_field(
                "query.filter",
                f"{raw!r} is not field:op:value with op one of {', '.join(OPERATORS)}",
            )
        return cls(field, op, value)


def _coerce(kind: str, raw: str, field: str) -> Any:
    try:
        if kind == INT:
            return int(raw)
        if kind == NUMBER:
            return Decimal(raw)
        if kind == DATE:
            return date.fromisoformat(raw)
        if kind == DATETIME:
            return datetime.fromisoformat(raw)
        if kind == BOOL:
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        if kind == ID:
            return uuid.UUID(raw)
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed.for_field(
            "query.filter", f"{field}: {raw!r} is not a valid {kind}"
        ) from exc
    return raw


class RecordRepository(TenantRepositoryBase[R], Generic[R]):
    """Accounts, contacts or opportunities: lists with filters, sort, scope and trash."""

    def __init__(self, session: Any, model: type[R]) -> None:
        self.model = model
        super().__init__(session)

    @classmethod
    def of(cls, session: Any, model: type[R]) -> RecordRepository[R]:
        return cls(session, model)

    def live(self) -> Select[R]:
        return self.select().where(self.model.deleted_at.is_(None))

    def expression(
        self, field: str, custom: dict[str, CustomField]
    ) -> tuple[ColumnElement[Any], str]:
        """The SQL expression and kind of a filterable/sortable field.

        Raises:
            ValidationFailed: unknown field.
        """
        if field.startswith("cf."):
            definition = custom.get(field[3:])
            if definition is None:
                raise ValidationFailed.for_field("query", f"{field} is not a custom field here")
            if definition.field_type == "multi_select":
                return self.model.custom_fields[definition.key], "multi"
            kind = _CUSTOM_KIND[definition.field_type]
            text_value = self.model.custom_fields[definition.key].astext
            if kind == TEXT:
                return text_value, kind
            sql_type: Any = {NUMBER: Numeric(), DATE: Date(), BOOL: Boolean()}[kind]
            return cast(text_value, sql_type), kind
        kinds = FIELDS[self.model]
        if field not in kinds:
            raise ValidationFailed.for_field(
                "query",
                f"{field} is not a field of this list; one of {', '.join(kinds)} or cf.<key>",
            )
        return getattr(self.model, field), kinds[field]

    def condition(self, flt: Filter, custom: dict[str, CustomField]) -> ColumnElement[bool]:
        expr, kind = self.expression(flt.field, custom)
        if kind == "multi":
            if flt.op not in ("contains", "eq", "empty", "notempty"):
                raise ValidationFailed.for_field(
                    "query.filter", f"{flt.field} supports contains/empty"
                )
            if flt.op in ("empty", "notempty"):
                empty = or_(expr.is_(None), expr == cast(literal("[]"), JSONB))
                return empty if flt.op == "empty" else ~empty
            return expr.contains(cast(literal(f'["{flt.value}"]'), JSONB))
        if flt.op == "empty":
            return expr.is_(None) if kind != TEXT else or_(expr.is_(None), expr == "")
        if flt.op == "notempty":
            return expr.is_not(None) if kind != TEXT else and_(expr.is_not(None), expr != "")
        if flt.op in ("contains", "starts"):
            if kind != TEXT:
                raise ValidationFailed.for_field("query.filter", f"{flt.field} is not text")
            pattern = flt.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{pattern}%" if flt.op == "contains" else f"{pattern}%"
            return expr.ilike(pattern)
        if flt.op == "in":
            return expr.in_([_coerce(kind, v, flt.field) for v in flt.value.split(",") if v])
        value = _coerce(kind, flt.value, flt.field)
        if kind == TEXT and flt.op in ("eq", "ne"):
            expr, value = func.lower(expr), str(value).lower()
        comparisons: dict[str, ColumnElement[bool]] = {
            "eq": expr == value, "ne": expr != value, "lt": expr < value,
            "lte": expr <= value, "gt": expr > value, "gte": expr >= value,
        }  # fmt: skip
        return comparisons[flt.op]

    async def page(
        self,
        *,
        filters: Sequence[Filter],
        sort: str,
        custom: dict[str, CustomField],
        owners: frozenset[uuid.UUID] | None,
        trash: bool,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[R], str | None]:
        """One page. ``owners=None`` means every owner (the caller's scope is "all")."""
        stmt = self.select().where(
            self.model.deleted_at.is_not(None) if trash else self.model.deleted_at.is_(None)
        )
        if owners is not None:
            stmt = stmt.where(self.model.owner_id.in_(owners))
        for flt in filters:
            stmt = stmt.where(self.condition(flt, custom))
        descending = sort.startswith("-")
        sort_expr, kind = self.expression(sort.lstrip("-"), custom)
        if kind == "multi":
            raise ValidationFailed.for_field("query.sort", "multi-select fields cannot be sorted")
        if kind == TEXT:
            sort_expr = func.lower(sort_expr)
        return await self._two_phase(stmt, sort_expr, descending, cursor, limit)

    async def _two_phase(
        self,
        stmt: Select[Any],
        sort_expr: ColumnElement[Any],
        descending: bool,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[R], str | None]:
        """Empty values last in both directions, each phase an index range scan:
        first the rows with a value (forward or backward over (tenant, value, id)),
        then, when the page is not full, the rows without one, by id."""
        model_id: ColumnElement[Any] = self.model.id  # type: ignore[assignment]
        value, last = decode_cursor(cursor, 2) if cursor else (None, None)
        in_null_block = cursor is not None and value is None
        items: list[R] = []
        next_cursor: str | None = None
        if not in_null_block:
            valued = stmt.where(sort_expr.is_not(None))
            if cursor is not None:
                if descending:
                    valued = valued.where(
                        or_(sort_expr < value, and_(sort_expr == value, model_id < last))
                    )
                else:
                    valued = valued.where(
                        or_(sort_expr > value, and_(sort_expr == value, model_id > last))
                    )
            order = (
                (sort_expr.desc(), model_id.desc())
                if descending
                else (sort_expr.asc(), model_id.asc())
            )
            rows: Sequence[Any] = (
                await self.session.execute(
                    valued.add_columns(sort_expr).order_by(*order).limit(limit + 1)
                )
            ).all()
            items = [row[0] for row in rows[:limit]]
            if len(rows) > limit:
                return items, sorted_cursor(rows[limit - 1][1], rows[limit - 1][0].id)
            if items:
                last, in_null_block = None, True
        remaining = limit - len(items)
        nulls = stmt.where(sort_expr.is_(None))
        if last is not None:
            nulls = nulls.where(model_id > last)
        more = list(
            (await self.session.scalars(nulls.order_by(model_id).limit(remaining + 1))).all()
        )
        items += more[:remaining]
        if len(more) > remaining:
            next_cursor = sorted_cursor(None, items[-1].id)
        return items, next_cursor

    async def many(self, ids: Sequence[uuid.UUID], *, for_update: bool = True) -> list[R]:
        stmt = self.live().where(self.model.id.in_(ids))
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def by_key(self, column: str, values: Sequence[str]) -> dict[str, R]:
        """Live records whose lower-cased ``column`` is one of ``values`` (de-duplication)."""
        if not values:
            return {}
        col = func.lower(getattr(self.model, column))
        rows = await self.get_all(
            self.live().where(col.in_(set(values))).order_by(self.model.created_at)
        )
        found: dict[str, R] = {}
        for row in rows:
            found.setdefault(str(getattr(row, column)).lower(), row)
        return found

    async def duplicates(
        self,
        key_column: str,
        name_expr: ColumnElement[Any],
        owners: frozenset[uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[str, str, list[uuid.UUID]]]:
        """Groups of live records sharing a key (domain/email) or a normalised name."""
        groups: list[tuple[str, str, list[uuid.UUID]]] = []
        for reason, expr in (
            (f"same {key_column}", func.lower(getattr(self.model, key_column))),
            ("same name", name_expr),
        ):
            stmt = (
                select(expr.label("k"), func.array_agg(self.model.id).label("ids"))
                .where(
                    self.model.customer_id == self.customer_id,
                    self.model.deleted_at.is_(None),
                    expr.is_not(None),
                    expr != "",
                )
                .group_by(expr)
                .having(func.count() > 1)
                .order_by(func.count().desc(), expr)
                .limit(limit)
            )
            if owners is not None:
                stmt = stmt.where(self.model.owner_id.in_(owners))
            groups += [
                (reason, row.k, list(row.ids)) for row in (await self.session.execute(stmt)).all()
            ]
        return groups[:limit]

    async def any_deleted(self, ident: uuid.UUID) -> R | None:
        return await self.get_one_or_none(
            self.select().where(self.model.id == ident, self.model.deleted_at.is_not(None))
        )

    async def repoint(self, column: str, old: Sequence[uuid.UUID], new: uuid.UUID) -> int:
        """Move references (e.g. contacts.account_id) from ``old`` records to ``new``."""
        col = getattr(self.model, column)
        result = await self.session.execute(
            update(self.model)
            .where(self.model.customer_id == self.customer_id, col.in_(old))
            .values({column: new, "version": self.model.version + 1, "updated_at": func.now()})
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


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


class PipelineRepository(TenantRepositoryBase[Pipeline]):
    model = Pipeline

    async def default(self) -> Pipeline | None:
        return await self.get_one_or_none(self.select().where(Pipeline.is_default.is_(True)))

    async def all(self) -> Sequence[Pipeline]:
        return await self.get_all(self.select().order_by(Pipeline.is_default.desc(), Pipeline.name))

    async def stages(self, pipeline_ids: Sequence[uuid.UUID]) -> Sequence[Stage]:
        stmt = (
            select(Stage)
            .where(Stage.customer_id == self.customer_id, Stage.pipeline_id.in_(pipeline_ids))
            .order_by(Stage.pipeline_id, Stage.position)
        )
        return (await self.session.scalars(stmt)).all()

    async def stage(self, stage_id: uuid.UUID) -> Stage | None:
        stmt = select(Stage).where(Stage.customer_id == self.customer_id, Stage.id == stage_id)
        return await self.session.scalar(stmt)

    async def board(self, pipeline_id: uuid.UUID, owners: frozenset[uuid.UUID] | None) -> list[Any]:
        """Per stage and currency: count, total amount, weighted amount."""
        probability = func.coalesce(Opportunity.probability_override, Stage.probability)
        stmt = (
            select(
                Opportunity.stage_id,
                Opportunity.currency,
                func.count(),
                func.coalesce(func.sum(Opportunity.amount), 0),
                func.coalesce(func.sum(Opportunity.amount * probability / 100), 0),
            )
            .join(Stage, Stage.id == Opportunity.stage_id)
            .where(
                Opportunity.customer_id == self.customer_id,
                Opportunity.pipeline_id == pipeline_id,
                Opportunity.deleted_at.is_(None),
            )
            .group_by(Opportunity.stage_id, Opportunity.currency)
        )
        if owners is not None:
            stmt = stmt.where(Opportunity.owner_id.in_(owners))
        return list((await self.session.execute(stmt)).all())


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


SEARCH_CANDIDATES = 400
"""How many matches per kind are ranked. A word shared by thousands of records (every
"North…" company) would otherwise cost a similarity computation for each of them;
the ranked set is then the first 400 matches found, and typing one more letter
narrows it."""


class SearchRepository(TenantRepositoryBase[Account]):
    """Global search by trigram word similarity (prefixes and small typos match) on
    each record's stored ``search_doc``: candidates from its GIN index, nearest first."""

    model = Account

    async def search(
        self, q: str, limit: int, owners: frozenset[uuid.UUID] | None
    ) -> list[tuple[str, Any]]:
        needle = " ".join(q.lower().split())
        if not needle:
            return []
        # With a LIMIT on the candidates the planner prefers reading the table in
        # order until enough rows match, which for a rare word means the whole table;
        # the trigram index is always the better road here.
        await self.session.execute(text("SET LOCAL enable_seqscan = off"))
        results: list[tuple[str, Any]] = []
        for kind, model in (
            ("account", Account),
            ("contact", Contact),
            ("opportunity", Opportunity),
        ):
            document: ColumnElement[Any] = model.search_doc  # type: ignore[assignment]
            distance = literal(needle).op("<<->", return_type=Float())(document)
            candidates = select(model.id.label("id"), distance.label("distance")).where(
                model.customer_id == self.customer_id,
                model.deleted_at.is_(None),
                literal(needle).op("<%", is_comparison=True)(document),
            )
            if owners is not None:
                candidates = candidates.where(model.owner_id.in_(owners))
            found = candidates.limit(SEARCH_CANDIDATES).subquery(f"{kind}_found")
            best = (
                select(found.c.id, found.c.distance)
                .order_by(found.c.distance, found.c.id)
                .limit(limit)
                .subquery(f"{kind}_best")
            )
            stmt = (
                select(model, (1 - best.c.distance).label("score"))
                .join(best, model.id == best.c.id)
                .order_by(best.c.distance, best.c.id)
            )
            results += [(kind, row) for row in (await self.session.execute(stmt)).all()]
        results.sort(key=lambda item: -float(item[1][1]))
        return results[:limit]

    async def account_names(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The names of the live accounts among ``ids`` (to say where a hit works)."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Account.id, Account.name).where(
                Account.customer_id == self.customer_id,
                Account.id.in_(ids),
                Account.deleted_at.is_(None),
            )
        )
        return {row[0]: row[1] for row in rows}

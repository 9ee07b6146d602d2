"""All SQL of accounts, contacts and opportunities: lists with filters, sort, scope
and trash; lookups by key; duplicates; the references between records."""

from __future__ import annotations

import json
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
    Numeric,
    Select,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from backend.crm.models import Account, Contact, CustomField, Opportunity
from backend.crm.schemas import OPERATORS
from backend.kit.errors import ValidationFailed
from backend.kit.pagination import decode_cursor, sorted_cursor
from backend.kit.repository import TenantRepositoryBase
from backend.kit.validation import NUL_MESSAGE, has_nul

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

_CUSTOM_KIND = {"text": TEXT, "select": TEXT, "number": NUMBER, "date": DATE, "boolean": BOOL}


@dataclass(frozen=True)
class Filter:
    """``field:op:value`` from a query string, e.g. ``size:gte:100`` or ``cf.tier:eq:Gold``."""

    field: str
    op: str
    value: str

    @classmethod
    def parse(cls, raw: str) -> Filter:
        if has_nul(raw):
            raise ValidationFailed.for_field("query.filter", NUL_MESSAGE)
        field, _, rest = raw.partition(":")
        op, _, value = rest.partition(":")
        if not field or op not in OPERATORS:
            raise ValidationFailed.for_field(
                "query.filter",
                f"{raw!r} is not field:op:value with op one of {', '.join(OPERATORS)}",
            )
        return cls(field, op, value)


INT_RANGE = (-(2**31), 2**31 - 1)
"""Whole-number columns are Postgres ``integer``."""
NUMBER_LIMIT = Decimal("1e30")
"""Larger (or finer than 1e-30) is no amount or count a CRM holds; refused, not overflowed."""


def _coerce(kind: str, raw: str, field: str) -> Any:
    try:
        if kind == INT:
            number = int(raw)
            if not INT_RANGE[0] <= number <= INT_RANGE[1]:
                raise ValidationFailed.for_field(
                    "query.filter", f"{field}: {raw[:40]!r} is out of range"
                )
            return number
        if kind == NUMBER:
            value = Decimal(raw)
            if (
                not value.is_finite()
                or abs(value) >= NUMBER_LIMIT
                or (value != 0 and abs(value) < 1 / NUMBER_LIMIT)
            ):
                raise ValidationFailed.for_field(
                    "query.filter", f"{field}: {raw[:40]!r} is out of range"
                )
            return value
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
            "query.filter", f"{field}: {raw[:40]!r} is not a valid {kind}"
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

    def quick(self, words: str) -> ColumnElement[bool]:
        """What the list's filter box matches: any of the record's everyday fields
        (an account's name, domain or city; a contact's whole name, email, phone or
        mobile; a deal's name) contains ``words``, case-insensitively."""
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        model: Any = self.model
        columns: list[ColumnElement[Any]]
        if self.model is Account:
            columns = [model.name, model.domain, model.city]
        elif self.model is Contact:
            whole = func.coalesce(model.first_name, "") + " " + model.last_name
            columns = [whole, model.email, model.phone, model.mobile]
        else:
            columns = [model.name]
        return or_(*(column.ilike(pattern) for column in columns))

    def listing(
        self,
        *,
        filters: Sequence[Filter],
        custom: dict[str, CustomField],
        owners: frozenset[uuid.UUID] | None,
        trash: bool,
        quick: str = "",
    ) -> Select[Any]:
        """The rows of a list (before sorting and paging). ``owners=None`` means every
        owner (the caller's scope is "all")."""
        stmt = self.select().where(
            self.model.deleted_at.is_not(None) if trash else self.model.deleted_at.is_(None)
        )
        if owners is not None:
            stmt = stmt.where(self.model.owner_id.in_(owners))
        for flt in filters:
            stmt = stmt.where(self.condition(flt, custom))
        if quick:
            stmt = stmt.where(self.quick(quick))
        return stmt

    def _sort_expression(
        self, sort: str, custom: dict[str, CustomField]
    ) -> tuple[ColumnElement[Any], bool]:
        descending = sort.startswith("-")
        sort_expr, kind = self.expression(sort.lstrip("-"), custom)
        if kind == "multi":
            raise ValidationFailed.for_field("query.sort", "multi-select fields cannot be sorted")
        if kind == TEXT:
            sort_expr = func.lower(sort_expr)
        return sort_expr, descending

    async def page(
        self,
        listing: Select[Any],
        *,
        sort: str,
        custom: dict[str, CustomField],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[R], str | None]:
        """One page of ``listing`` (see :meth:`listing`) in ``sort`` order."""
        sort_expr, descending = self._sort_expression(sort, custom)
        return await self._two_phase(listing, sort_expr, descending, cursor, limit)

    async def last_page(
        self, listing: Select[Any], *, sort: str, custom: dict[str, CustomField], limit: int
    ) -> list[R]:
        """The last ``limit`` rows of ``listing`` in ``sort`` order (the list's end,
        read backwards: the rows without a value come last, by id, as in :meth:`page`)."""
        sort_expr, descending = self._sort_expression(sort, custom)
        model_id: ColumnElement[Any] = self.model.id  # type: ignore[assignment]
        nulls: list[R] = list(
            (
                await self.session.scalars(
                    listing.where(sort_expr.is_(None)).order_by(model_id.desc()).limit(limit)
                )
            ).all()
        )
        valued: list[R] = []
        if len(nulls) < limit:
            backwards = (
                (sort_expr.asc(), model_id.asc())
                if descending
                else (sort_expr.desc(), model_id.desc())
            )
            valued = list(
                (
                    await self.session.scalars(
                        listing.where(sort_expr.is_not(None))
                        .order_by(*backwards)
                        .limit(limit - len(nulls))
                    )
                ).all()
            )
        return valued[::-1] + nulls[::-1]

    async def count(self, listing: Select[Any], exact_up_to: int) -> tuple[int, bool]:
        """How many rows ``listing`` has: exactly up to ``exact_up_to``; beyond, the
        planner's estimate (never below ``exact_up_to + 1``). Returns ``(count, exact)``."""
        capped = listing.with_only_columns(literal(1)).limit(exact_up_to + 1).subquery()
        counted = int(await self.session.scalar(select(func.count()).select_from(capped)) or 0)
        if counted <= exact_up_to:
            return counted, True
        estimate = await self._estimate(listing.with_only_columns(literal(1)))
        return max(estimate, exact_up_to + 1), False

    async def _estimate(self, statement: Select[Any]) -> int:
        """The planner's row estimate of ``statement`` (``EXPLAIN``: nothing is read)."""
        connection = await self.session.connection()
        compiled = statement.compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        names: list[str] = list(compiled.positiontup or [])
        params = tuple(compiled.params[name] for name in names)
        result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params)
        plan = result.scalar()
        document: Any = json.loads(plan) if isinstance(plan, str) else plan
        return int(document[0]["Plan"]["Plan Rows"])

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

    async def by_key(
        self, column: str, values: Sequence[str], owners: frozenset[uuid.UUID] | None = None
    ) -> dict[str, R]:
        """Live records (of ``owners``; ``None``: any) whose lower-cased ``column`` is one
        of ``values`` (de-duplication)."""
        if not values:
            return {}
        col = func.lower(getattr(self.model, column))
        stmt = self.live().where(col.in_(set(values))).order_by(self.model.created_at)
        if owners is not None:
            stmt = stmt.where(self.model.owner_id.in_(owners))
        rows = await self.get_all(stmt)
        found: dict[str, R] = {}
        for row in rows:
            found.setdefault(str(getattr(row, column)).lower(), row)
        return found

    async def duplicates(
        self, owners: frozenset[uuid.UUID] | None, limit: int
    ) -> list[tuple[str, str, list[uuid.UUID]]]:
        """Groups of live records sharing a key (an account's domain, a contact's email)
        or a normalised name."""
        key_column = "domain" if self.model is Account else "email"
        name_expr = self._name_key()
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

    def _name_key(self) -> ColumnElement[Any]:
        """A record's name as duplicates are found by: trimmed, lower case (a contact's
        first and last name together)."""
        model: Any = self.model
        if self.model is Account:
            return func.lower(func.trim(model.name))
        return func.lower(func.trim(func.coalesce(model.first_name, "") + " " + model.last_name))

    async def likely_duplicates(
        self, key: str | None, name: str | None, limit: int
    ) -> list[tuple[R, str]]:
        """Live records of the tenant, whoever owns them, with the same key (an
        account's domain, a contact's email) or the same name as a record about to be
        made: ``(record, "same domain" | "same email" | "same name")``, key matches first."""
        key_column = "domain" if self.model is Account else "email"
        found: list[tuple[R, str]] = []
        seen: set[uuid.UUID] = set()
        checks: list[tuple[str, ColumnElement[Any], str]] = []
        if key:
            checks.append((f"same {key_column}", func.lower(getattr(self.model, key_column)), key))
        if name:
            checks.append(("same name", self._name_key(), name))
        for reason, expr, value in checks:
            stmt = self.live().where(expr == value.strip().lower()).order_by(self.model.created_at)
            for record in await self.get_all(stmt.limit(limit)):
                if record.id not in seen:
                    seen.add(record.id)
                    found.append((record, reason))
        return found[:limit]

    async def any_deleted(self, ident: uuid.UUID) -> R | None:
        return await self.get_one_or_none(
            self.select().where(self.model.id == ident, self.model.deleted_at.is_not(None))
        )

    async def live_one(self, ident: uuid.UUID, *, for_update: bool = False) -> R | None:
        """The live record ``ident`` (row-locked until commit with ``for_update``)."""
        stmt = self.live().where(self.model.id == ident)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.get_one_or_none(stmt)

    async def live_owners(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
        """The owner of each live record among ``ids`` (references are checked with it)."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(self.model.id, self.model.owner_id).where(
                self.model.customer_id == self.customer_id,
                self.model.deleted_at.is_(None),
                self.model.id.in_(set(ids)),
            )
        )
        return {row[0]: row[1] for row in rows}

    async def referencing(self, column: str, targets: Sequence[uuid.UUID]) -> list[R]:
        """Records (live or in the trash) whose ``column`` points at one of ``targets``,
        row-locked (a merge moves them)."""
        col = getattr(self.model, column)
        stmt = self.select().where(col.in_(targets)).order_by(self.model.id).with_for_update()
        return list(await self.get_all(stmt))

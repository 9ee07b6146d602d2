"""Request and response bodies of the CRM API.

Amounts travel as decimal strings (``"12345.67"``) and are Decimal end to end.
Unknown fields are refused (422 naming the field), text has a maximum length.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    field_validator,
)

ObjectType = Literal["account", "contact", "opportunity"]
Short = Annotated[str, Field(min_length=1, max_length=200)]
OptionalShort = Annotated[str | None, Field(default=None, max_length=200)]
Phone = Annotated[str | None, Field(default=None, max_length=50, pattern=r"^[0-9+()./\- x]*$")]
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TIME_ZONES = zoneinfo.available_timezones()


def _domain(value: Any) -> Any:
    """Accept ``https://www.Acme.com/about`` and keep ``acme.com``."""
    if not isinstance(value, str) or not value.strip():
        return None if isinstance(value, str) else value
    host = value.strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host).split("/")[0].split(":")[0]
    host = host.removeprefix("www.")
    if not _DOMAIN.match(host):
        raise ValueError("is not a domain name such as acme.com")
    return host


Domain = Annotated[str | None, BeforeValidator(_domain)]


def _money(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('must be a decimal string such as "12345.67" (not a float)')
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, max_digits=18, decimal_places=2),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]
Total = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]
"""A sum of amounts: as exact as Money, but not bound to one amount's 18 digits."""

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---------------------------------------------------------------- accounts
class AccountFields(_In):
    name: Short | None = None
    domain: Domain = None
    industry: OptionalShort = None
    size: int | None = Field(default=None, ge=0, le=10_000_000, description="employees")
    street: OptionalShort = None
    city: OptionalShort = None
    region: OptionalShort = None
    postal_code: str | None = Field(default=None, max_length=20)
    country: OptionalShort = None
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None


class AccountIn(AccountFields):
    name: Short


class AccountOut(_Out):
    id: uuid.UUID
    name: str
    domain: str | None
    industry: str | None
    size: int | None
    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    owner_id: uuid.UUID | None
    custom_fields: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


# ---------------------------------------------------------------- contacts
class ContactFields(_In):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: Phone = None
    mobile: Phone = None
    title: OptionalShort = None
    account_id: uuid.UUID | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    do_not_contact: bool | None = None
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None

    @field_validator("email", mode="after")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value and value not in _TIME_ZONES:
            raise ValueError("is not an IANA time zone such as Europe/Paris")
        return value


class ContactIn(ContactFields):
    last_name: str = Field(min_length=1, max_length=100)


class ContactOut(_Out):
    id: uuid.UUID
    first_name: str | None
    last_name: str
    email: str | None
    phone: str | None
    mobile: str | None
    title: str | None
    account_id: uuid.UUID | None
    time_zone: str | None
    do_not_contact: bool
    owner_id: uuid.UUID | None
    custom_fields: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


# ---------------------------------------------------------------- opportunities
class OpportunityFields(_In):
    name: Short | None = None
    account_id: uuid.UUID | None = None
    primary_contact_id: uuid.UUID | None = None
    amount: Money | None = None
    currency: Currency | None = None
    stage_id: uuid.UUID | None = None
    probability_override: int | None = Field(default=None, ge=0, le=100)
    close_date: date | None = None
    closed_reason: str | None = Field(default=None, max_length=500)
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None


class OpportunityIn(OpportunityFields):
    name: Short


class OpportunityOut(_Out):
    id: uuid.UUID
    name: str
    account_id: uuid.UUID | None
    primary_contact_id: uuid.UUID | None
    amount: Money | None
    currency: str
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    probability_override: int | None
    probability: int = 0
    weighted_amount: Money | None = None
    close_date: date | None
    status: Literal["open", "won", "lost"]
    closed_reason: str | None
    closed_at: datetime | None
    owner_id: uuid.UUID | None
    custom_fields: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


# ---------------------------------------------------------------- pages, bulk
class Page(BaseModel):
    """A page of records; ``next_cursor`` is null on the last page."""

    items: list[Any]
    next_cursor: str | None = None


class AccountPage(Page):
    items: list[AccountOut]


class ContactPage(Page):
    items: list[ContactOut]


class OpportunityPage(Page):
    items: list[OpportunityOut]


class BulkIds(_In):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class BulkUpdate(BulkIds):
    changes: dict[str, Any] = Field(min_length=1)


class BulkResult(BaseModel):
    count: int


# ---------------------------------------------------------------- pipelines
class StageIn(_In):
    name: Short
    probability: int = Field(ge=0, le=100)
    outcome: Literal["open", "won", "lost"] = "open"


class PipelineIn(_In):
    name: Short
    stages: list[StageIn] = Field(min_length=2, max_length=30)

    @field_validator("stages")
    @classmethod
    def _outcomes(cls, stages: list[StageIn]) -> list[StageIn]:
        outcomes = [s.outcome for s in stages]
        if "won" not in outcomes or "lost" not in outcomes or "open" not in outcomes:
            raise ValueError("need at least one open stage, one won stage and one lost stage")
        if len({s.name.lower() for s in stages}) != len(stages):
            raise ValueError("stage names must differ")
        return stages


class PipelineRename(_In):
    name: Short


class StageOut(_Out):
    id: uuid.UUID
    name: str
    position: int
    probability: int
    outcome: str


class PipelineOut(_Out):
    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageOut] = []


class PipelineList(BaseModel):
    items: list[PipelineOut]


class StageTotals(BaseModel):
    """One column of the board: per currency, since amounts are never converted."""

    stage: StageOut
    count: int
    totals: dict[str, Total]
    weighted: dict[str, Total]


class Board(BaseModel):
    pipeline: PipelineOut
    columns: list[StageTotals]


# ---------------------------------------------------------------- custom fields, views
FieldType = Literal["text", "number", "date", "select", "multi_select", "boolean"]


class CustomFieldIn(_In):
    object_type: ObjectType
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: Short
    field_type: FieldType
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default=[], max_length=200
    )
    required: bool = False
    position: int = 0


class CustomFieldPatch(_In):
    label: Short | None = None
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = None
    required: bool | None = None
    position: int | None = None


class CustomFieldOut(_Out):
    id: uuid.UUID
    object_type: str
    key: str
    label: str
    field_type: str
    options: list[str]
    required: bool
    position: int


class CustomFieldList(BaseModel):
    items: list[CustomFieldOut]


class ViewIn(_In):
    object_type: ObjectType
    name: Short
    filters: list[Annotated[str, Field(max_length=500)]] = Field(default=[], max_length=50)
    sort: str | None = Field(default=None, max_length=100)
    columns: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=100)


class ViewPatch(_In):
    name: Short | None = None
    filters: list[Annotated[str, Field(max_length=500)]] | None = None
    sort: str | None = Field(default=None, max_length=100)
    columns: list[Annotated[str, Field(max_length=100)]] | None = None


class ViewOut(_Out):
    id: uuid.UUID
    object_type: str
    name: str
    filters: list[str]
    sort: str | None
    columns: list[str]


class ViewList(BaseModel):
    items: list[ViewOut]


# ---------------------------------------------------------------- search
class SearchHit(BaseModel):
    type: ObjectType
    id: uuid.UUID
    title: str
    subtitle: str | None = None
    score: float
    account_id: uuid.UUID | None = None
    account_name: str | None = None
    """The account of a contact or an opportunity (so a result line can name it)."""
    amount: Decimal | None = None
    currency: str | None = None
    status: str | None = None
    """An opportunity's amount, currency and ``open``/``won``/``lost``."""


class SearchResults(BaseModel):
    items: list[SearchHit]


# ---------------------------------------------------------------- imports
class ImportPreview(BaseModel):
    """The file's columns, a sample, and a suggested column -> field mapping."""

    headers: list[str]
    sample: list[list[str]]
    total_rows: int
    suggested_mapping: dict[str, str]
    fields: list[str]


class ImportOut(_Out):
    id: uuid.UUID
    object_type: str
    filename: str
    status: Literal["queued", "running", "done", "failed"]
    on_duplicate: str
    mapping: dict[str, str]
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    failure: str | None
    created_at: datetime
    finished_at: datetime | None


class ImportList(BaseModel):
    items: list[ImportOut]


class ImportErrorOut(_Out):
    id: uuid.UUID
    row_number: int
    field: str | None
    message: str
    raw: dict[str, str] | None = None
    """The row as the file had it (column -> cell), so a reader can show the value."""


class ImportErrorPage(BaseModel):
    items: list[ImportErrorOut]


# ---------------------------------------------------------------- duplicates, merge
class DuplicateGroup(BaseModel):
    """Records that look like one: same domain/email, or the same name."""

    reason: str
    key: str
    record_ids: list[uuid.UUID]


class DuplicateList(BaseModel):
    items: list[DuplicateGroup]


class MergeIn(_In):
    winner_id: uuid.UUID
    loser_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    fields: dict[str, uuid.UUID] = Field(
        default={}, description="field -> the record whose value to keep (default: the winner's)"
    )


class MergeOut(BaseModel):
    merge_id: uuid.UUID
    winner_id: uuid.UUID
    merged_ids: list[uuid.UUID]
    moved: dict[str, int]

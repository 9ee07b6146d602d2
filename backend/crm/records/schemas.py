"""Request and response bodies of accounts, contacts and opportunities."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, Field, StrictBool, StrictInt, field_validator
from pydantic.json_schema import SkipJsonSchema

from backend.crm.schemas import (
    TIME_ZONE_SET,
    TIME_ZONES,
    Currency,
    Domain,
    In,
    Money,
    OptionalShort,
    Out,
    Phone,
    Short,
)
from backend.kit.validation import Email, not_null

F = TypeVar("F", bound=BaseModel)

# ---------------------------------------------------------------- accounts
CustomValues: TypeAlias = dict[
    Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")],
    str | int | float | bool | list[str] | None,
]
"""Custom field values by key (the keys the company defined; ``null`` clears one)."""


class AccountFields(In):
    name: Short | SkipJsonSchema[None] = None
    domain: Domain = None
    industry: OptionalShort = None
    size: StrictInt | None = Field(default=None, ge=0, le=10_000_000, description="employees")
    street: OptionalShort = None
    city: OptionalShort = None
    region: OptionalShort = None
    postal_code: str | None = Field(default=None, max_length=20)
    country: OptionalShort = None
    owner_id: uuid.UUID | SkipJsonSchema[None] = None
    custom_fields: CustomValues | SkipJsonSchema[None] = None

    _required = not_null("name")


class AccountIn(AccountFields):
    name: Short


class AccountOut(Out):
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
class ContactFields(In):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=100)
    email: Email | None = None
    phone: Phone = None
    mobile: Phone = None
    title: OptionalShort = None
    account_id: uuid.UUID | None = None
    time_zone: str | None = Field(
        default=None, max_length=64, json_schema_extra={"enum": [*TIME_ZONES, None]}
    )
    do_not_contact: StrictBool | SkipJsonSchema[None] = None
    owner_id: uuid.UUID | SkipJsonSchema[None] = None
    custom_fields: CustomValues | SkipJsonSchema[None] = None

    _required = not_null("last_name", "do_not_contact")

    @field_validator("email", mode="after")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value and value not in TIME_ZONE_SET:
            raise ValueError("is not an IANA time zone such as Europe/Paris")
        return value


class ContactIn(ContactFields):
    last_name: str = Field(min_length=1, max_length=100)


class ContactOut(Out):
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
class OpportunityFields(In):
    name: Short | SkipJsonSchema[None] = None
    account_id: uuid.UUID | None = None
    primary_contact_id: uuid.UUID | None = None
    amount: Money | None = None
    currency: Currency | SkipJsonSchema[None] = None
    stage_id: uuid.UUID | SkipJsonSchema[None] = None
    probability_override: StrictInt | None = Field(default=None, ge=0, le=100)
    close_date: date | None = None
    closed_reason: str | None = Field(default=None, max_length=500)
    owner_id: uuid.UUID | SkipJsonSchema[None] = None
    custom_fields: CustomValues | SkipJsonSchema[None] = None

    _required = not_null("name", "currency", "stage_id")


class OpportunityIn(OpportunityFields):
    name: Short


class OpportunityOut(Out):
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


class BulkIds(In):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class BulkUpdate(BulkIds, Generic[F]):
    """The same change to many records of one kind: the fields of its update."""

    changes: F = Field(json_schema_extra={"minProperties": 1})

    @field_validator("changes")
    @classmethod
    def _some(cls, value: F) -> F:
        if not value.model_fields_set:
            raise ValueError("name at least one field to change")
        return value


class BulkResult(BaseModel):
    count: int


class RecordCount(BaseModel):
    """How many records a list holds."""

    count: int
    exact: bool = Field(description="false: the database's estimate (a long list)")

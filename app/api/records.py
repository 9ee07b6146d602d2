"""CRM records (``/accounts``, ``/contacts``, ``/opportunities``): one model per kind and
one set of calls for all three.

Every kind is listed the same way (:meth:`RecordsApi.page`, paged, sorted and
filtered by the server; :meth:`RecordsApi.by_ids` for records named by id) and
changed the same way. A change sends ``If-Match`` with the ETag of the version it
was based on (the server's ETag is the quoted version: ``"3"`` for version 3);
when someone else saved in between the server answers 412 ``stale_write``.
Amounts are :class:`~decimal.Decimal` both ways, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient
from app.api.paging import PAGE_SIZE, Page, batches, list_query

STALE_WRITE = "stale_write"
"""The error code of a change refused because the record changed since it was read."""

OPEN, WON, LOST = "open", "won", "lost"
"""An opportunity's status words."""


class Account(BaseModel):
    """A company the sales team sells to.

    Attributes:
        id: The account's id.
        name: The company's name.
        domain: Its web domain, e.g. ``acme.com``.
        industry: Its industry, as typed by a user.
        size: Its number of employees.
        street: Its street address.
        city: Where it is.
        region: Its state or province.
        postal_code: Its postal code.
        country: Its country.
        owner_id: The user who owns it.
        version: Its version; a write names it so a newer one is not overwritten.
        custom_fields: The company's custom field values by key.
        created_at: When it was added.
        updated_at: When it last changed.
        deleted_at: When it went to the trash (``None`` while it is live).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    size: int | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    owner_id: str | None = None
    version: int = 0
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


class Contact(BaseModel):
    """A person at an account.

    Attributes:
        id: The contact's id.
        first_name: Their first name, if known.
        last_name: Their last name.
        email: Their email address.
        phone: Their phone number.
        mobile: Their mobile number.
        title: Their job title.
        account_id: The account they work at.
        time_zone: Their IANA time zone (``Europe/Paris``), if known.
        do_not_contact: Never email or call them.
        owner_id: The user who owns the contact.
        version: Its version; a write names it so a newer one is not overwritten.
        custom_fields: The company's custom field values by key.
        created_at: When the contact was added.
        updated_at: When the contact last changed.
        deleted_at: When it went to the trash (``None`` while it is live).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    first_name: str | None = None
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    title: str | None = None
    account_id: str | None = None
    time_zone: str | None = None
    do_not_contact: bool = False
    owner_id: str | None = None
    version: int = 0
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def full_name(self) -> str:
        """First and last name, as people write them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class Opportunity(BaseModel):
    """A deal being worked on with an account.

    Attributes:
        id: The opportunity's id.
        name: What the deal is.
        account_id: The account it is with.
        primary_contact_id: The person it is mainly with.
        amount: Its value, exact; ``None`` when not known yet.
        currency: The ISO code of the amount.
        pipeline_id: The pipeline it is in.
        stage_id: Its stage.
        probability_override: A chance (percent) set for this deal; ``None`` = the stage's.
        probability: The chance in use (the override or the stage's).
        weighted_amount: ``amount * probability / 100``, rounded to the cent.
        close_date: When it is expected to close (or closed).
        status: ``"open"``, ``"won"`` or ``"lost"`` (follows the stage).
        closed_reason: Why it was won or lost.
        closed_at: When it was won or lost.
        owner_id: The user who owns it.
        version: Its version; a write names it so a newer one is not overwritten.
        custom_fields: The company's custom field values by key.
        created_at: When it was added.
        updated_at: When it last changed.
        deleted_at: When it went to the trash (``None`` while it is live).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    account_id: str | None = None
    primary_contact_id: str | None = None
    amount: Decimal | None = None
    currency: str = "USD"
    pipeline_id: str = ""
    stage_id: str = ""
    probability_override: int | None = None
    probability: int = 0
    weighted_amount: Decimal | None = None
    close_date: date | None = None
    status: str = OPEN
    closed_reason: str | None = None
    closed_at: datetime | None = None
    owner_id: str | None = None
    version: int = 0
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


R = TypeVar("R", bound=BaseModel)


class RecordCount(BaseModel):
    """How many records a list holds.

    Attributes:
        count: The number (an estimate when not ``exact``).
        exact: Whether it was counted (short lists) or estimated (long ones).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    count: int
    exact: bool = True


class BulkResult(BaseModel):
    """What a bulk change answers: how many records it changed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    count: int


def with_quick(params: httpx.QueryParams, quick: str) -> httpx.QueryParams:
    """``params`` with the filter box's text (``q``), when there is some."""
    return params.add("q", quick) if quick.strip() else params


@dataclass(frozen=True)
class RecordKind(Generic[R]):
    """Where one kind of record lives on the server and how it reads.

    Attributes:
        path: The collection's path (``/api/v1/accounts``).
        object_type: The word custom fields, views and the live stream use (``account``).
        record: The record's model.
        page: The model of one page of the list.
    """

    path: str
    object_type: str
    record: type[R]
    page: type[Page[R]]


ACCOUNTS: RecordKind[Account] = RecordKind("/api/v1/accounts", "account", Account, Page[Account])
CONTACTS: RecordKind[Contact] = RecordKind("/api/v1/contacts", "contact", Contact, Page[Contact])
OPPORTUNITIES: RecordKind[Opportunity] = RecordKind(
    "/api/v1/opportunities", "opportunity", Opportunity, Page[Opportunity]
)


def etag_of(version: int) -> str:
    """The ``If-Match`` value naming a record's ``version`` (the server's ETag)."""
    return f'"{version}"'


def wire(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as JSON: amounts as decimal strings, dates as ISO text.

    Decimals are written digit for digit (``format(d, "f")``), never through a float.
    """
    body: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            body[key] = format(value, "f")
        elif isinstance(value, date):
            body[key] = value.isoformat()
        else:
            body[key] = value
    return body


class RecordsApi:
    """Lists, reads and changes accounts, contacts and opportunities.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def page(
        self,
        kind: RecordKind[R],
        *,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Sequence[str] = (),
        limit: int = PAGE_SIZE,
        quick: str = "",
        end: bool = False,
    ) -> Page[R]:
        """One page of ``kind``, sorted and filtered by the server.

        Args:
            kind: ``ACCOUNTS``, ``CONTACTS`` or ``OPPORTUNITIES``.
            cursor: The ``next_cursor`` of the page before; ``None`` for the first.
            sort: A field, ``-field`` for descending (``"name"``, ``"-updated_at"``).
            filters: ``field:op:value`` conditions, all of which must hold
                (``owner_id:eq:me`` is the signed-in user).
            limit: At most this many records.
            quick: The filter box's text: any of the record's everyday fields contains
                it (name, email, domain, phone, city).
            end: The list's last page instead (in its order; no cursor).

        Raises:
            ApiError: ``validation_error`` (422) naming a bad filter or sort.
        """
        params = with_quick(list_query(cursor, sort, filters, limit), quick)
        if end:
            params = params.add("end", "true")
        return await self._client.call_json("GET", kind.path, kind.page, params=params)

    async def count(
        self, kind: RecordKind[Any], *, filters: Sequence[str] = (), quick: str = ""
    ) -> RecordCount:
        """How many records of ``kind`` a list with ``filters`` and ``quick`` holds: exact
        up to 10,000, the server's estimate beyond (``exact`` is then false).

        Raises:
            ApiError: ``validation_error`` (422) naming a bad filter.
        """
        params = with_quick(list_query(None, None, filters, 1), quick).remove("limit")
        return await self._client.call_json("GET", f"{kind.path}/count", RecordCount, params=params)

    async def bulk_update(
        self, kind: RecordKind[Any], record_ids: Sequence[str], changes: Mapping[str, Any]
    ) -> int:
        """Make the same change to many records (all or none: one out of reach fails
        them all); returns how many changed.

        Raises:
            ApiError: ``validation_error`` (422) naming a field; ``not_found``;
                ``forbidden``.
        """
        body = {"ids": list(record_ids), "changes": wire(changes)}
        answer = await self._client.call_json(
            "POST", f"{kind.path}/bulk-update", BulkResult, json=body
        )
        return answer.count

    async def bulk_delete(self, kind: RecordKind[Any], record_ids: Sequence[str]) -> int:
        """Move many records to the trash at once (:meth:`restore` brings each back).

        Raises:
            ApiError: ``not_found``; ``forbidden``.
        """
        body = {"ids": list(record_ids)}
        answer = await self._client.call_json(
            "POST", f"{kind.path}/bulk-delete", BulkResult, json=body
        )
        return answer.count

    async def export_csv(
        self,
        kind: RecordKind[Any],
        *,
        filters: Sequence[str] = (),
        sort: str | None = None,
        quick: str = "",
    ) -> bytes:
        """Every record of the list (same filters, filter box and sort) as CSV.

        Raises:
            ApiError: ``validation_error`` (422) naming a bad filter or sort.
        """
        params = with_quick(list_query(None, sort, filters, 1), quick).remove("limit")
        response = await self._client.call(
            "GET",
            f"/api/v1/exports/{kind.object_type}.csv",
            params=params,
            headers={"Accept": "text/csv"},
        )
        return response.content

    async def by_ids(self, kind: RecordKind[R], record_ids: Sequence[str]) -> list[R]:
        """The records with these ids that still exist and the user may see
        (``filter=id:in:…``, one call per 100 ids); the others are left out."""
        found: list[R] = []
        for chunk in batches(record_ids):
            page = await self.page(kind, filters=(f"id:in:{','.join(chunk)}",), limit=len(chunk))
            found.extend(page.items)
        return found

    async def get(self, kind: RecordKind[R], record_id: str) -> R:
        """The record as the server has it now.

        Raises:
            ApiError: ``not_found`` (404), also when it is in the trash or out of reach.
        """
        return await self._client.call_json("GET", f"{kind.path}/{record_id}", kind.record)

    async def create(self, kind: RecordKind[R], values: Mapping[str, Any]) -> R:
        """Add a record with ``values`` (custom fields under ``custom_fields``).

        Raises:
            ApiError: ``validation_error`` (422) naming each field that is not right
                (``email``, ``custom_fields.tier``, ...).
        """
        return await self._client.call_json(
            "POST", kind.path, kind.record, json=wire(values), status=201
        )

    async def update(
        self, kind: RecordKind[R], record_id: str, changes: Mapping[str, Any], version: int
    ) -> R:
        """Change the fields in ``changes``, unless the record is no longer at ``version``.

        Moving a deal to a won or lost stage closes it; the server sets its status.

        Raises:
            ApiError: ``stale_write`` (412) when someone changed it since ``version``;
                ``validation_error`` (422) naming fields; ``not_found``; ``forbidden``.
        """
        return await self._client.call_json(
            "PATCH",
            f"{kind.path}/{record_id}",
            kind.record,
            json=wire(changes),
            headers={"If-Match": etag_of(version)},
        )

    async def delete(self, kind: RecordKind[R], record_id: str, version: int) -> None:
        """Move the record to the trash (:meth:`restore` brings it back).

        Raises:
            ApiError: ``stale_write`` (412) when someone changed it since ``version``.
        """
        await self._client.call(
            "DELETE",
            f"{kind.path}/{record_id}",
            status=204,
            headers={"If-Match": etag_of(version)},
        )

    async def restore(self, kind: RecordKind[R], record_id: str) -> R:
        """Take the record out of the trash.

        Raises:
            ApiError: ``not_found`` (404) when it is not in the trash.
        """
        return await self._client.call_json("POST", f"{kind.path}/{record_id}/restore", kind.record)

"""Typed calls for editing CRM records, their custom fields and the user's saved views.

Accounts and contacts are read and written through one :class:`RecordsApi`, told
which kind by a :class:`RecordKind`. A change sends ``If-Match`` with the record's
ETag, which the server computes from the record's ``version`` (``"3"`` for version
3); when someone else saved in between the server answers 412 ``stale_write``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import RECORDS_PAGE_SIZE, GatewayClient, etag_of, list_params
from app.api.models import Account, Contact, OpportunityPage, Page

STALE_WRITE = "stale_write"
"""The error code of a change refused because the record changed since it was read."""

R = TypeVar("R", bound=BaseModel)
P = TypeVar("P", bound=BaseModel)


class AccountRecord(Account):
    """An account with everything the forms and the detail panel need.

    Attributes:
        custom_fields: The tenant's custom field values by key.
        deleted_at: When it went to the trash (``None`` while it is live).
    """

    custom_fields: dict[str, Any] = Field(default_factory=dict)
    deleted_at: datetime | None = None


class ContactRecord(Contact):
    """A contact with everything the forms and the detail panel need.

    Attributes:
        time_zone: Their IANA time zone (``Europe/Paris``), if known.
        custom_fields: The tenant's custom field values by key.
        created_at: When the contact was added.
        deleted_at: When it went to the trash (``None`` while it is live).
    """

    time_zone: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    deleted_at: datetime | None = None


AccountRecordPage = Page[AccountRecord]


ContactRecordPage = Page[ContactRecord]


class CustomField(BaseModel):
    """A field the company added to a kind of record (``GET /custom-fields``).

    Attributes:
        id: The definition's id.
        object_type: ``account``, ``contact`` or ``opportunity``.
        key: Its key in a record's ``custom_fields`` (``tier``).
        label: Its name for people ("Customer tier").
        field_type: ``text``, ``number``, ``date``, ``select``, ``multi_select`` or
            ``boolean``; other words (a newer server) are edited as text.
        options: The choices of a select field.
        required: Whether a new record must have a value.
        position: Where it goes among the others (smaller first).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    object_type: str
    key: str
    label: str
    field_type: str
    options: list[str] = Field(default_factory=list)
    required: bool = False
    position: int = 0


class CustomFieldList(BaseModel):
    """``GET /custom-fields``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[CustomField]


class SavedView(BaseModel):
    """A list set up the way one user likes it (``GET /views``).

    Attributes:
        id: The view's id.
        object_type: The kind of record it lists.
        name: What the user called it.
        filters: ``field:op:value`` conditions, all of which must hold.
        sort: A field, ``-field`` for descending; ``None`` for the list's default.
        columns: The keys of the columns shown, in order; empty for all.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    object_type: str
    name: str
    filters: list[str] = Field(default_factory=list)
    sort: str | None = None
    columns: list[str] = Field(default_factory=list)


class SavedViewList(BaseModel):
    """``GET /views``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[SavedView]


@dataclass(frozen=True)
class RecordKind(Generic[R, P]):
    """Where one kind of record lives on the server and how it reads.

    Attributes:
        path: The collection's path (``/api/v1/accounts``).
        object_type: The word custom fields and views use (``account``).
        record: The record's model.
        page: The model of one page of the list.
    """

    path: str
    object_type: str
    record: type[R]
    page: type[P]


ACCOUNTS: RecordKind[AccountRecord, AccountRecordPage] = RecordKind(
    "/api/v1/accounts", "account", AccountRecord, AccountRecordPage
)
CONTACTS: RecordKind[ContactRecord, ContactRecordPage] = RecordKind(
    "/api/v1/contacts", "contact", ContactRecord, ContactRecordPage
)


class RecordsApi:
    """Reads and changes accounts and contacts, custom field definitions and saved views.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    @property
    def client(self) -> GatewayClient:
        """The client the calls go through."""
        return self._client

    # ------------------------------------------------------------------ records

    async def page(
        self,
        kind: RecordKind[R, P],
        *,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Sequence[str] = (),
        limit: int = RECORDS_PAGE_SIZE,
    ) -> P:
        """One page of ``kind`` (a ``kind.page``), sorted and filtered by the server.

        Raises:
            ApiError: ``validation_error`` (422) naming a bad filter or sort.
        """
        params = list_params(cursor, sort, filters, limit)
        return await self._client.call_json("GET", kind.path, kind.page, params=params)

    async def get(self, kind: RecordKind[R, P], record_id: str) -> R:
        """The record as the server has it now.

        Raises:
            ApiError: ``not_found`` (404), also when it is in the trash.
        """
        return await self._client.call_json("GET", f"{kind.path}/{record_id}", kind.record)

    async def create(self, kind: RecordKind[R, P], values: Mapping[str, Any]) -> R:
        """Add a record with ``values`` (custom fields under ``custom_fields``).

        Raises:
            ApiError: ``validation_error`` (422) naming each field that is not right
                (``email``, ``custom_fields.tier``, ...).
        """
        return await self._client.call_json(
            "POST", kind.path, kind.record, json=dict(values), status=201
        )

    async def update(
        self, kind: RecordKind[R, P], record_id: str, changes: Mapping[str, Any], version: int
    ) -> R:
        """Change the fields in ``changes``, unless the record is no longer at ``version``.

        Raises:
            ApiError: ``stale_write`` (412) when someone changed it since ``version``;
                ``validation_error`` (422) naming fields; ``not_found``; ``forbidden``.
        """
        return await self._client.call_json(
            "PATCH",
            f"{kind.path}/{record_id}",
            kind.record,
            json=dict(changes),
            headers={"If-Match": etag_of(version)},
        )

    async def delete(self, kind: RecordKind[R, P], record_id: str, version: int) -> None:
        """Move the record to the trash (``restore`` brings it back).

        Raises:
            ApiError: ``stale_write`` (412) when someone changed it since ``version``.
        """
        await self._client.call(
            "DELETE",
            f"{kind.path}/{record_id}",
            status=204,
            headers={"If-Match": etag_of(version)},
        )

    async def restore(self, kind: RecordKind[R, P], record_id: str) -> R:
        """Take the record out of the trash.

        Raises:
            ApiError: ``not_found`` (404) when it is not in the trash.
        """
        return await self._client.call_json("POST", f"{kind.path}/{record_id}/restore", kind.record)

    async def opportunities(
        self, *, sort: str | None = None, filters: Sequence[str] = (), limit: int = 50
    ) -> OpportunityPage:
        """One page of opportunities (for a record's detail panel)."""
        params = list_params(None, sort, filters, limit)
        return await self._client.call_json(
            "GET", "/api/v1/opportunities", OpportunityPage, params=params
        )

    # ------------------------------------------------------------------ custom fields

    async def custom_fields(self, object_type: str) -> list[CustomField]:
        """The company's custom fields of ``object_type``, in their order."""
        answer = await self._client.call_json(
            "GET", "/api/v1/custom-fields", CustomFieldList, params={"object_type": object_type}
        )
        return sorted(answer.items, key=lambda field: (field.position, field.key))

    # ------------------------------------------------------------------ saved views

    async def views(self, object_type: str) -> list[SavedView]:
        """The signed-in user's saved views of ``object_type``, by name."""
        answer = await self._client.call_json(
            "GET", "/api/v1/views", SavedViewList, params={"object_type": object_type}
        )
        return list(answer.items)

    async def create_view(
        self,
        object_type: str,
        name: str,
        *,
        filters: Sequence[str] = (),
        sort: str | None = None,
        columns: Sequence[str] = (),
    ) -> SavedView:
        """Save a view of ``object_type`` for the signed-in user.

        Raises:
            ApiError: ``validation_error`` (422) naming ``name`` (empty, too long).
        """
        body = {
            "object_type": object_type,
            "name": name,
            "filters": list(filters),
            "sort": sort,
            "columns": list(columns),
        }
        return await self._client.call_json(
            "POST", "/api/v1/views", SavedView, json=body, status=201
        )

    async def delete_view(self, view_id: str) -> None:
        """Delete one of the signed-in user's views."""
        await self._client.call("DELETE", f"/api/v1/views/{view_id}", status=204)

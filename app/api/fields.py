"""The company's custom fields (``/custom-fields``) and each user's saved views of a list
(``/views``): the crm's fields-and-views area."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient


class CustomField(BaseModel):
    """A field the company added to a kind of record.

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
    """A list set up the way one user likes it.

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


class FieldsApi:
    """Custom field definitions and the signed-in user's saved views.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def custom_fields(self, object_type: str) -> list[CustomField]:
        """The company's custom fields of ``object_type``, in their order."""
        answer = await self._client.call_json(
            "GET", "/api/v1/custom-fields", CustomFieldList, params={"object_type": object_type}
        )
        return sorted(answer.items, key=lambda field: (field.position, field.key))

    async def create_custom_field(
        self,
        object_type: str,
        key: str,
        label: str,
        field_type: str,
        *,
        options: Sequence[str] = (),
        required: bool = False,
        position: int = 0,
    ) -> CustomField:
        """Add a field to ``object_type`` (admins).

        Raises:
            ApiError: ``conflict`` (409) when ``key`` is taken; ``validation_error``
                (422) naming ``key``, ``label`` or ``options``; ``forbidden``.
        """
        body = {
            "object_type": object_type,
            "key": key,
            "label": label,
            "field_type": field_type,
            "options": list(options),
            "required": required,
            "position": position,
        }
        return await self._client.call_json(
            "POST", "/api/v1/custom-fields", CustomField, json=body, status=201
        )

    async def update_custom_field(self, field_id: str, **changes: Any) -> CustomField:
        """Rename, re-order, change the choices or the requiredness of a field (admins):
        ``label``, ``position``, ``options``, ``required``.

        Raises:
            ApiError: ``validation_error`` (422) naming a field; ``not_found``.
        """
        return await self._client.call_json(
            "PATCH", f"/api/v1/custom-fields/{field_id}", CustomField, json=changes
        )

    async def retire_custom_field(self, field_id: str) -> None:
        """Remove a field's definition (admins); values already stored stay in the records.

        Raises:
            ApiError: ``not_found``; ``forbidden``.
        """
        await self._client.call("DELETE", f"/api/v1/custom-fields/{field_id}", status=204)

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

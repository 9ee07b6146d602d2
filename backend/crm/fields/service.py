"""Custom fields (their definitions and the rules their values follow) and saved views."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm.fields.repository import CustomFieldRepository, ViewRepository
from backend.crm.models import CustomField, SavedView
from backend.kit.errors import Conflict, ErrorDetail, NotFound, ValidationFailed

SELECT_KINDS = ("select", "multi_select")
_EXPECTED = {
    "text": "text up to 2000 characters",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date such as 2026-12-31",
}


def _fits(definition: CustomField, value: Any) -> bool:
    kind = definition.field_type
    if kind == "text":
        return isinstance(value, str) and len(value) <= 2000
    if kind == "number":
        try:
            return not isinstance(value, bool) and Decimal(str(value)).is_finite()
        except InvalidOperation:
            return False
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "date":
        try:
            return isinstance(value, str) and bool(date.fromisoformat(value))
        except ValueError:
            return False
    if kind == "select":
        return isinstance(value, str) and value in definition.options
    if kind == "multi_select":
        return isinstance(value, list) and all(v in definition.options for v in value)
    return True


def _expected(definition: CustomField) -> str:
    if definition.field_type == "select":
        return f"one of {', '.join(definition.options)}"
    if definition.field_type == "multi_select":
        return f"a list of {', '.join(definition.options)}"
    return _EXPECTED.get(definition.field_type, "a value")


def validate_custom_fields(
    values: dict[str, Any],
    definitions: dict[str, CustomField],
    *,
    creating: bool,
    current: dict[str, Any],
) -> dict[str, Any]:
    """Check custom field values against their definitions; returns the merged dict
    (``None`` clears a value).

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
        elif value is None:
            merged.pop(key, None)
        elif not _fits(definition, value):
            problems.append(ErrorDetail(field=path, message=f"must be {_expected(definition)}"))
        else:
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


class CustomFieldService:
    """The fields a company adds to a kind of record."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = CustomFieldRepository.from_session(session)

    async def definitions(self, object_type: str) -> dict[str, CustomField]:
        """The definitions of one kind, by key."""
        return await self.repo.for_object(object_type)

    async def listing(self, object_type: str | None) -> Sequence[CustomField]:
        return await self.repo.listing(object_type)

    async def create(self, values: dict[str, Any]) -> CustomField:
        """Raises:
        ValidationFailed: the key exists on that kind, or a select field has no options.
        """
        if values["key"] in await self.repo.for_object(values["object_type"]):
            raise Conflict(
                f"A field {values['key']} exists on {values['object_type']}s already.",
                details=[ErrorDetail(field="body.key", message="is taken on this kind of record")],
            )
        if values["field_type"] in SELECT_KINDS and not values.get("options"):
            raise ValidationFailed.for_field("body.options", "a select field needs options")
        return await self.repo.create(CustomField(id=uuid.uuid4(), **values))

    async def update(self, field_id: uuid.UUID, changes: dict[str, Any]) -> CustomField:
        """Raises:
        NotFound: no such field.
        ValidationFailed: a select field left without options.
        """
        field = await self._get(field_id)
        if field.field_type in SELECT_KINDS and changes.get("options", field.options) == []:
            raise ValidationFailed.for_field("body.options", "a select field needs options")
        return await self.repo.update(field, changes)

    async def delete(self, field_id: uuid.UUID) -> None:
        """Remove the definition; values already stored stay in the records' data."""
        await self.repo.delete(await self._get(field_id))

    async def _get(self, field_id: uuid.UUID) -> CustomField:
        field = await self.repo.get(field_id)
        if field is None:
            raise NotFound("Custom field", field_id)
        return field


class ViewService:
    """A user's saved views; nobody else sees or changes them."""

    def __init__(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        self.repo = ViewRepository.from_session(session)
        self.user_id = user_id

    async def mine(self, object_type: str | None) -> Sequence[SavedView]:
        return await self.repo.mine(self.user_id, object_type)

    async def create(self, values: dict[str, Any]) -> SavedView:
        return await self.repo.create(SavedView(id=uuid.uuid4(), user_id=self.user_id, **values))

    async def get(self, view_id: uuid.UUID) -> SavedView:
        """Raises:
        NotFound: no such view of this user (another user's view is not found either).
        """
        view = await self.repo.get(view_id)
        if view is None or view.user_id != self.user_id:
            raise NotFound("View", view_id)
        return view

    async def update(self, view_id: uuid.UUID, changes: dict[str, Any]) -> SavedView:
        return await self.repo.update(await self.get(view_id), changes)

    async def delete(self, view_id: uuid.UUID) -> None:
        await self.repo.delete(await self.get(view_id))

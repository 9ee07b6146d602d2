"""Request and response bodies of custom fields and saved views."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt
from pydantic.json_schema import SkipJsonSchema

from backend.crm.schemas import FilterText, In, ObjectType, Out, Short, SortText
from backend.kit.validation import not_null

Position = Annotated[StrictInt, Field(ge=0, le=100_000, description="order among the fields")]

# ---------------------------------------------------------------- custom fields, views
FieldType = Literal["text", "number", "date", "select", "multi_select", "boolean"]


class CustomFieldIn(In):
    object_type: ObjectType
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: Short
    field_type: FieldType
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default=[], max_length=200
    )
    required: StrictBool = False
    position: Position = 0


class CustomFieldPatch(In):
    label: Short | SkipJsonSchema[None] = None
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] | SkipJsonSchema[None] = (
        Field(default=None, max_length=200)
    )
    required: StrictBool | SkipJsonSchema[None] = None
    position: Position | SkipJsonSchema[None] = None

    _required = not_null("label", "options", "required", "position")


class CustomFieldOut(Out):
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


class ViewIn(In):
    object_type: ObjectType
    name: Short
    filters: list[FilterText] = Field(default=[], max_length=50)
    sort: SortText | None = None
    columns: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=100)


class ViewPatch(In):
    name: Short | SkipJsonSchema[None] = None
    filters: list[FilterText] | SkipJsonSchema[None] = Field(default=None, max_length=50)
    sort: SortText | None = None
    columns: list[Annotated[str, Field(max_length=100)]] | SkipJsonSchema[None] = Field(
        default=None, max_length=100
    )

    _required = not_null("name", "filters", "columns")


class ViewOut(Out):
    id: uuid.UUID
    object_type: str
    name: str
    filters: list[str]
    sort: str | None
    columns: list[str]


class ViewList(BaseModel):
    items: list[ViewOut]

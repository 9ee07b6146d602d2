"""Request and response bodies of custom fields and saved views."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from backend.crm.schemas import In, ObjectType, Out, Short

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
    required: bool = False
    position: int = 0


class CustomFieldPatch(In):
    label: Short | None = None
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = None
    required: bool | None = None
    position: int | None = None


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
    filters: list[Annotated[str, Field(max_length=500)]] = Field(default=[], max_length=50)
    sort: str | None = Field(default=None, max_length=100)
    columns: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=100)


class ViewPatch(In):
    name: Short | None = None
    filters: list[Annotated[str, Field(max_length=500)]] | None = None
    sort: str | None = Field(default=None, max_length=100)
    columns: list[Annotated[str, Field(max_length=100)]] | None = None


class ViewOut(Out):
    id: uuid.UUID
    object_type: str
    name: str
    filters: list[str]
    sort: str | None
    columns: list[str]


class ViewList(BaseModel):
    items: list[ViewOut]

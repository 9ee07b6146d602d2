"""Request and response bodies of ``/email-templates``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from backend.kit.validation import Email, Input, not_null

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=998)]
"""RFC 5322's line limit; merge fields are counted as written."""
Body = Annotated[str, Field(max_length=1_000_000)]


class TemplateIn(Input):
    """A template: a subject and a plain and/or HTML body with merge fields such as
    ``{{ contact.first_name | default("there") }}`` (see ``GET /email-templates/fields``)."""

    name: Name
    subject: Subject
    body_text: Body | None = None
    body_html: Body | None = None
    shared: StrictBool = False
    """Shared templates are seen (and used) by the whole company; private ones by you."""


class TemplatePatch(Input):
    name: Name | SkipJsonSchema[None] = None
    subject: Subject | SkipJsonSchema[None] = None
    body_text: Body | None = None
    body_html: Body | None = None
    shared: StrictBool | SkipJsonSchema[None] = None

    _required = not_null("name", "subject", "shared")


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    subject: str
    body_text: str | None
    body_html: str | None
    shared: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TemplateList(BaseModel):
    items: list[TemplateOut]


class PreviewIn(Input):
    """Whom to preview for: a contact, or an address (its contact is looked up)."""

    contact_id: uuid.UUID | None = None
    to: Email | None = None
    mailbox_id: uuid.UUID | None = None
    """The mailbox it would go from (the ``sender.*`` fields); default: your first."""


class PreviewOut(BaseModel):
    subject: str
    body_text: str
    body_html: str | None
    contact_id: uuid.UUID | None
    empty_fields: list[str]
    """Merge fields this recipient has no value for (they render empty or their default)."""


class MergeFields(BaseModel):
    """The merge fields a template may use, by record kind."""

    contact: list[str]
    account: list[str]
    sender: list[str]

"""Request and response bodies of ``/emails`` and ``/email-attachments``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from backend.email.templates.schemas import Body
from backend.kit.validation import ONE_LINE, Email, Input

MAX_RECIPIENTS = 100
"""Gmail's and Exchange's limit per message (To, Cc and Bcc together)."""

RecipientName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=ONE_LINE)
]


class RecipientIn(Input):
    email: Email
    name: RecipientName = ""


Recipient = Email | RecipientIn
"""An address, or ``{"email", "name"}``."""
Recipients = Annotated[list[Recipient], Field(max_length=MAX_RECIPIENTS)]


class EmailIn(Input):
    """One message from one of your mailboxes. Merge fields work in the subject and
    bodies as in templates (for ``contact_id``, or the contact of the first ``to``)."""

    mailbox_id: uuid.UUID
    to: Annotated[list[Recipient], Field(min_length=1, max_length=MAX_RECIPIENTS)]
    cc: Recipients = []
    bcc: Recipients = []
    subject: Annotated[str, StringConstraints(max_length=998)] | None = None
    """Required unless the template gives one."""
    body_text: Body | None = None
    body_html: Body | None = None
    template_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    send_at: AwareDatetime | None = None
    """When to send (with a time zone); now if absent or past."""
    attachment_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = []
    reply_to: uuid.UUID | None = None
    """A message of yours this one answers (same thread, In-Reply-To and References)."""


class PreviewIn(Input):
    """What compose shows before sending: the message as each recipient would get it."""

    mailbox_id: uuid.UUID | None = None
    to: Annotated[list[Recipient], Field(min_length=1, max_length=MAX_RECIPIENTS)]
    subject: Annotated[str, StringConstraints(max_length=998)] | None = None
    body_text: Body | None = None
    body_html: Body | None = None
    template_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None


class RecipientOut(BaseModel):
    email: str
    name: str = ""


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    created_at: datetime
    phase: str
    outcome: str | None
    detail: str | None
    finished_at: datetime | None


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    size: int
    content_type: str = ""


State = Literal["scheduled", "sending", "sent", "uncertain", "failed", "cancelled"]


class EmailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    mailbox_id: uuid.UUID
    contact_id: uuid.UUID | None
    account_id: uuid.UUID | None
    template_id: uuid.UUID | None
    from_email: str
    from_name: str
    to: list[RecipientOut]
    cc: list[RecipientOut]
    bcc: list[RecipientOut]
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    """The ``Message-ID`` header it is sent with."""
    in_reply_to: str | None
    provider_thread_id: str | None
    state: State
    failure_code: str | None
    failure_reason: str | None
    """Why it failed, or why it may have been sent (state ``uncertain``)."""
    waiting_reason: str | None
    send_at: datetime
    sent_at: datetime | None
    attempts: int
    version: int
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentOut] = []


class EmailDetail(EmailOut):
    attempt_log: list[AttemptOut] = []
    """Each try, what happened, and why (an uncertain message's justification)."""


class EmailPage(BaseModel):
    items: list[EmailOut]
    next_cursor: str | None = None


class RecipientPreview(BaseModel):
    to: str
    contact_id: uuid.UUID | None
    subject: str
    body_text: str
    body_html: str | None
    empty_fields: list[str]


class PreviewOut(BaseModel):
    items: list[RecipientPreview]


class Decision(Input):
    """What happened to an uncertain message, as its sender decides: it went (``sent``),
    it did not and should go now (``resend``), or leave it (``failed``)."""

    decision: Literal["sent", "resend", "failed"]

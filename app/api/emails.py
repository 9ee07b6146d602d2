"""Emails (``/emails``, ``/email-attachments``): queueing a message from one of the user's
mailboxes, previewing it per recipient, and following what became of it.

A message is sent exactly once by the server's send worker: ``POST /emails`` answers
202 with the message ``scheduled``; it then goes ``sending`` and ``sent``, or
``failed`` (with the reason), or ``uncertain`` when the provider's answer was lost
and nothing can tell whether it went: then its sender decides
(:meth:`EmailsApi.decide`). Bad input is a 4xx naming the field, and nothing is queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient
from app.api.paging import PAGE_SIZE, Page

EMAILS = "/api/v1/emails"
ATTACHMENTS = "/api/v1/email-attachments"

SCHEDULED, SENDING, SENT = "scheduled", "sending", "sent"
UNCERTAIN, FAILED, CANCELLED = "uncertain", "failed", "cancelled"
STATES = (SCHEDULED, SENDING, SENT, UNCERTAIN, FAILED, CANCELLED)
"""A message's states; ``uncertain``: it may have been sent, a person decides."""

MAX_RECIPIENTS = 100
"""Gmail's and Exchange's limit per message (To, Cc and Bcc together)."""

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
"""The largest file the server takes; each mailbox's own limit applies when sending."""

Decision = Literal["sent", "resend", "failed"]
"""What its sender says of an uncertain message: it went; it did not and should go now;
it did not (leave it)."""


class Recipient(BaseModel):
    """An address and, optionally, the name shown with it.

    Attributes:
        email: The address.
        name: The person's name, or ``""``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    email: str
    name: str = ""

    def as_input(self) -> str | dict[str, str]:
        """How the server takes it: the bare address, or ``{"email", "name"}``."""
        return {"email": self.email, "name": self.name} if self.name else self.email


class Attachment(BaseModel):
    """A file uploaded for a message.

    Attributes:
        id: Its id (``attachment_ids`` of the message).
        filename: Its name.
        size: Its size in bytes.
        content_type: Its MIME type.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    filename: str = ""
    size: int = 0
    content_type: str = ""


class Attempt(BaseModel):
    """One try at sending a message, and what became of it.

    Attributes:
        number: 1 for the first try.
        created_at: When it began.
        phase: How far it got.
        outcome: ``sent``, ``failed``, ``uncertain`` … (``None`` while running).
        detail: Why, in words.
        finished_at: When it ended.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    number: int = 0
    created_at: datetime | None = None
    phase: str = ""
    outcome: str | None = None
    detail: str | None = None
    finished_at: datetime | None = None


class Email(BaseModel):
    """A message from one of the user's mailboxes (the list, the detail and live updates
    all read this one model; :attr:`attempt_log` is filled by :meth:`EmailsApi.get`).

    Attributes:
        id: The message's id.
        owner_id: The user who sent it.
        mailbox_id: The mailbox it goes from.
        contact_id: The contact it went to (merge fields came from them).
        account_id: That contact's account.
        template_id: The template it was made from.
        from_email: The sending address.
        from_name: The sender's name.
        to: Its recipients.
        cc: Its copy recipients.
        bcc: Its blind copy recipients.
        subject: Its subject (merge fields filled in).
        body_text: Its plain body.
        body_html: Its HTML body, if any.
        message_id: The ``Message-ID`` header it is sent with.
        state: ``scheduled``, ``sending``, ``sent``, ``uncertain``, ``failed`` or
            ``cancelled``.
        failure_code: Why it failed (or may have been sent), as a code.
        failure_reason: The same in words.
        waiting_reason: Why a scheduled message is still waiting (pacing, a daily cap,
            a mailbox to reconnect).
        send_at: When it is (or was) due.
        sent_at: When it went.
        attempts: How many times sending was tried.
        version: Its version after its last change.
        created_at: When it was queued.
        updated_at: When it last changed.
        attachments: Its files.
        attempt_log: Each try (only from :meth:`EmailsApi.get`).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    owner_id: str = ""
    mailbox_id: str = ""
    contact_id: str | None = None
    account_id: str | None = None
    template_id: str | None = None
    from_email: str = ""
    from_name: str = ""
    to: list[Recipient] = Field(default_factory=list)
    cc: list[Recipient] = Field(default_factory=list)
    bcc: list[Recipient] = Field(default_factory=list)
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    message_id: str = ""
    in_reply_to: str | None = None
    provider_thread_id: str | None = None
    state: str = SCHEDULED
    failure_code: str | None = None
    failure_reason: str | None = None
    waiting_reason: str | None = None
    send_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    attempt_log: list[Attempt] = Field(default_factory=list)


class Draft(BaseModel):
    """A message to queue (``POST /emails``) or preview (``POST /emails/preview``).

    Merge fields work in the subject and bodies as in templates, for ``contact_id`` or
    the contact of each address.

    Attributes:
        mailbox_id: Which of the user's mailboxes sends it (a preview may leave it out).
        to: Its recipients (at least one).
        cc: Copy recipients.
        bcc: Blind copy recipients.
        subject: Its subject (``None``: the template's).
        body_text: Its plain body (``None`` with a template: the template's).
        body_html: Its HTML body.
        template_id: The template it is made from.
        contact_id: The contact of the first recipient (where merge fields come from).
        send_at: When to send (aware); ``None``: now.
        attachment_ids: Files uploaded for it.
        reply_to: A message of the user's this one answers.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    mailbox_id: str | None = None
    to: list[Recipient] = Field(default_factory=list)
    cc: list[Recipient] = Field(default_factory=list)
    bcc: list[Recipient] = Field(default_factory=list)
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    template_id: str | None = None
    contact_id: str | None = None
    send_at: datetime | None = None
    attachment_ids: list[str] = Field(default_factory=list)
    reply_to: str | None = None

    def send_body(self) -> dict[str, Any]:
        """The body of ``POST /emails``."""
        body: dict[str, Any] = {
            "mailbox_id": self.mailbox_id,
            "to": [r.as_input() for r in self.to],
        }
        if self.cc:
            body["cc"] = [r.as_input() for r in self.cc]
        if self.bcc:
            body["bcc"] = [r.as_input() for r in self.bcc]
        for name in ("subject", "body_text", "body_html", "template_id", "contact_id", "reply_to"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if self.send_at is not None:
            if self.send_at.tzinfo is None:
                raise ValueError("send_at must say its time zone")
            body["send_at"] = self.send_at.isoformat()
        if self.attachment_ids:
            body["attachment_ids"] = list(self.attachment_ids)
        return body

    def preview_body(self) -> dict[str, Any]:
        """The body of ``POST /emails/preview`` (what a preview takes of the draft)."""
        body: dict[str, Any] = {"to": [r.as_input() for r in self.to]}
        for name in ("mailbox_id", "subject", "body_text", "body_html", "template_id"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if self.contact_id is not None:
            body["contact_id"] = self.contact_id
        return body


class RecipientPreview(BaseModel):
    """The message as one recipient would get it.

    Attributes:
        to: Their address.
        contact_id: The contact whose fields were used (``None``: no contact has it).
        subject: The subject, merge fields filled in.
        body_text: The plain body.
        body_html: The HTML body, if any.
        empty_fields: Merge fields they have no value for (empty, or their default).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    to: str
    contact_id: str | None = None
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    empty_fields: list[str] = Field(default_factory=list)


class EmailPreview(BaseModel):
    """``POST /emails/preview``: one item per recipient of ``to``, in order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[RecipientPreview] = Field(default_factory=list)


EmailPage = Page[Email]
"""One page of ``GET /emails``, newest first."""


class EmailsApi:
    """The email calls of the gateway.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def send(self, draft: Draft) -> Email:
        """Queue a message; it is sent once, at ``send_at`` (202: saved, ``scheduled``).

        Raises:
            ApiError: ``validation_error`` (422) naming ``mailbox_id`` (not one of the
                user's), ``to`` (a malformed address, more than 100 recipients, a
                contact who asked not to be contacted), ``subject``/``body_text``/
                ``body_html`` (missing, or a merge field error with its line),
                ``template_id``, ``contact_id``, ``attachment_ids`` or ``reply_to``;
                ``conflict`` (409) naming ``mailbox_id`` when it needs reconnecting;
                ``payload_too_large`` (413) naming ``attachment_ids`` when the message
                is larger than its mailbox sends.
        """
        return await self._client.call_json(
            "POST", EMAILS, Email, json=draft.send_body(), status=202
        )

    async def preview(self, draft: Draft) -> list[RecipientPreview]:
        """The draft as each of its ``to`` recipients would get it.

        Raises:
            ApiError: ``validation_error`` (422) naming ``to``, ``subject``,
                ``body_text``, ``body_html`` (with the line of a merge field error),
                ``template_id``, ``contact_id`` or ``mailbox_id``.
        """
        answer = await self._client.call_json(
            "POST", f"{EMAILS}/preview", EmailPreview, json=draft.preview_body()
        )
        return answer.items

    async def page(
        self,
        *,
        contact_id: str | None = None,
        account_id: str | None = None,
        mailbox_id: str | None = None,
        states: Sequence[str] = (),
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> EmailPage:
        """A contact's, an account's or a mailbox's emails within the user's reach,
        newest first.

        Raises:
            ApiError: ``validation_error`` (422) for a malformed id, state or cursor.
        """
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        for name, value in (
            ("contact_id", contact_id),
            ("account_id", account_id),
            ("mailbox_id", mailbox_id),
            ("cursor", cursor),
        ):
            if value:
                params.append((name, value))
        params.extend(("state", state) for state in states)
        return await self._client.call_json(
            "GET", EMAILS, EmailPage, params=httpx.QueryParams(params)
        )

    async def get(self, email_id: str) -> Email:
        """One message, with each attempt (:attr:`Email.attempt_log`).

        Raises:
            ApiError: ``not_found`` (404) for one out of the user's reach.
        """
        return await self._client.call_json("GET", f"{EMAILS}/{email_id}", Email)

    async def cancel(self, email_id: str) -> Email:
        """Cancel a scheduled message.

        Raises:
            ApiError: ``conflict`` (409) once it is being sent (or is no longer
                scheduled); ``not_found`` (404).
        """
        return await self._client.call_json("POST", f"{EMAILS}/{email_id}/cancel", Email)

    async def decide(self, email_id: str, decision: Decision) -> Email:
        """Say what became of an uncertain message: ``"sent"`` (it went), ``"resend"``
        (send it again now) or ``"failed"`` (it did not go).

        Raises:
            ApiError: ``conflict`` (409) unless it is uncertain; ``validation_error``
                (422) naming ``email_id`` when resending needs its mailbox reconnected;
                ``not_found`` (404).
        """
        return await self._client.call_json(
            "POST", f"{EMAILS}/{email_id}/decision", Email, json={"decision": decision}
        )

    async def upload(self, filename: str, data: bytes, content_type: str = "") -> Attachment:
        """Upload a file for a message about to be sent (at most 25 MB).

        Raises:
            ApiError: ``payload_too_large`` (413) naming ``file``; ``validation_error``
                (422) naming ``file`` when it is empty.
        """
        kind = content_type or "application/octet-stream"
        return await self._client.call_json(
            "POST", ATTACHMENTS, Attachment, files={"file": (filename, data, kind)}, status=201
        )

"""Events the email context publishes (its contract with the other contexts).

``email.messages``: a message was queued, sent, failed, became uncertain (it may have
been sent; a person decides) or was cancelled. ``email.mailboxes``: a mailbox was
connected, needs reconnecting (its sends wait), or was disconnected. Each names its
``owner_id`` (whose message or mailbox it is), so the live feed sends it only to
users who may read it, and carries the ``version`` of the message or mailbox after
the change.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from backend.messaging import topics
from backend.messaging.envelope import DomainEvent


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str
    name: str = ""


class _MessageEvent(DomainEvent):
    topic: ClassVar[topics.Topic] = topics.EMAIL_MESSAGES
    aggregate_type: ClassVar[str] = "message"
    message_id: uuid.UUID
    version: int
    owner_id: uuid.UUID
    mailbox_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None


class EmailQueued(_MessageEvent):
    event_type: ClassVar[str] = "email.message.queued"
    to: list[Recipient]
    cc: list[Recipient] = []
    subject: str
    send_at: datetime
    template_id: uuid.UUID | None = None
    internet_message_id: str
    """The ``Message-ID`` header the message is sent with."""


class EmailSent(_MessageEvent):
    event_type: ClassVar[str] = "email.message.sent"
    sent_at: datetime
    internet_message_id: str
    provider_message_id: str | None = None
    provider_thread_id: str | None = None
    found_in_sent_folder: bool = False
    """The answer to the send was lost, and the message was found in the Sent folder."""


class EmailFailed(_MessageEvent):
    event_type: ClassVar[str] = "email.message.failed"
    code: str
    reason: str


class EmailUncertain(_MessageEvent):
    """It may have been sent: the provider's answer was lost and nothing can tell."""

    event_type: ClassVar[str] = "email.message.uncertain"
    reason: str


class EmailCancelled(_MessageEvent):
    event_type: ClassVar[str] = "email.message.cancelled"


class _MailboxEvent(DomainEvent):
    topic: ClassVar[topics.Topic] = topics.EMAIL_MAILBOXES
    aggregate_type: ClassVar[str] = "mailbox"
    mailbox_id: uuid.UUID
    version: int
    owner_id: uuid.UUID
    kind: str
    email: str


class MailboxConnected(_MailboxEvent):
    event_type: ClassVar[str] = "email.mailbox.connected"


class MailboxNeedsReconnect(_MailboxEvent):
    event_type: ClassVar[str] = "email.mailbox.needs_reconnect"
    reason: str


class MailboxDisconnected(_MailboxEvent):
    event_type: ClassVar[str] = "email.mailbox.disconnected"

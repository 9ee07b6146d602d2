"""Tables of the ``email`` schema (migration 0006 adds indexes and row-level security).

Tenant tables (RLS): mailboxes, templates, messages, attachments, send_attempts.
Cross-tenant scheduling tables without RLS, holding ids, times and counts only (the
send worker claims work there, then reads each message under its tenant):
send_queue, mailbox_pacing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backend.kit.db import Base

SCHEMA = "email"


class _Tenant:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Mailbox(_Tenant, Base):
    """A user's sending account: Gmail, Outlook, or an SMTP server (with IMAP or not).

    ``secret`` holds, sealed (:mod:`backend.kit.secrets`), the OAuth tokens or the
    password; ``status`` is ``connected``, ``needs_reconnect`` (a revoked grant or a
    changed password: its sends wait) or ``disconnected`` (deleted by its owner)."""

    __tablename__ = "mailboxes"
    __table_args__ = {"schema": SCHEMA}

    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(Text, default="connected")
    status_reason: Mapped[str | None] = mapped_column(Text)
    smtp_host: Mapped[str | None] = mapped_column(Text)
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_security: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    imap_host: Mapped[str | None] = mapped_column(Text)
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str | None] = mapped_column(Text)
    sent_folder: Mapped[str | None] = mapped_column(Text)
    """The IMAP folder our copies go to (found by its ``\\Sent`` special use)."""
    server_files_sent: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the SMTP server files what it accepts in the Sent folder itself (as
    Gmail's and Office 365's do): learned from the first sends. Only then does a
    Message-ID missing from the folder prove a message was not accepted."""
    secret_key_id: Mapped[str] = mapped_column(Text)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    daily_cap: Mapped[int] = mapped_column(Integer)
    min_interval_seconds: Mapped[float] = mapped_column(Float)
    max_message_bytes: Mapped[int] = mapped_column(Integer)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Template(_Tenant, Base):
    """A reusable email: subject and bodies with merge fields (Jinja2, sandboxed)."""

    __tablename__ = "templates"
    __table_args__ = {"schema": SCHEMA}

    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Message(_Tenant, Base):
    """One email and where it stands in the send ledger.

    ``state``: ``scheduled`` (waiting for its time, its mailbox's pace, or a retry),
    ``sending`` (an attempt is under way or being checked), ``sent``, ``uncertain``
    (it may have been sent and nothing can tell: a person decides), ``failed`` (with
    ``failure_code``/``failure_reason``), ``cancelled``."""

    __tablename__ = "messages"
    __table_args__ = {"schema": SCHEMA}

    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mailbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("email.mailboxes.id"))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    template_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    from_email: Mapped[str] = mapped_column(Text)
    from_name: Mapped[str] = mapped_column(Text, default="")
    to: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    cc: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    bcc: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text, unique=True)
    """Our own ``Message-ID`` header, fixed before the first attempt."""
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(JSONB, default=list)
    provider_thread_id: Mapped[str | None] = mapped_column(Text)
    """Gmail's ``threadId`` or Graph's ``conversationId``."""
    provider_message_id: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, default="scheduled")
    failure_code: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    waiting_reason: Mapped[str | None] = mapped_column(Text)
    """Why a scheduled message has not gone yet (its mailbox needs reconnecting, a
    provider asked to wait), for the people looking at it."""
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Attachment(_Tenant, Base):
    """A file uploaded for a message (kept with it once sent)."""

    __tablename__ = "attachments"
    __table_args__ = {"schema": SCHEMA}

    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("email.messages.id"))
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SendAttempt(_Tenant, Base):
    """One try at handing a message to its provider, committed before the network call.

    ``phase``: ``prepared`` (nothing has left yet), ``handed_over`` (the point after
    which the provider may have it: the SMTP DATA, the HTTP request), ``done``.
    ``outcome``: ``sent``, ``retry``, ``failed``, ``ambiguous`` (the answer was lost),
    ``found`` (an ambiguous attempt whose Message-ID was found in the Sent folder),
    ``not_found``, ``uncertain``."""

    __tablename__ = "send_attempts"
    __table_args__ = {"schema": SCHEMA}

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("email.messages.id"))
    number: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(Text, default="prepared")
    outcome: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SendQueue(Base):
    """Messages waiting for the send worker (no RLS: ids and times only)."""

    __tablename__ = "send_queue"
    __table_args__ = {"schema": SCHEMA}

    message_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mailbox_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    holder: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_only: Mapped[bool] = mapped_column(Boolean, default=False)
    """An ambiguous attempt waits here to be looked up, not sent again."""
    checks: Mapped[int] = mapped_column(Integer, default=0)
    """Look-ups of the current ambiguous attempt so far."""


class MailboxPacing(Base):
    """Each mailbox's pace and daily count, where the worker claims (no RLS)."""

    __tablename__ = "mailbox_pacing"
    __table_args__ = {"schema": SCHEMA}

    mailbox_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    day: Mapped[date] = mapped_column(Date, server_default=func.current_date())
    sent_today: Mapped[int] = mapped_column(Integer, default=0)
    daily_cap: Mapped[int] = mapped_column(Integer)
    min_interval_seconds: Mapped[float] = mapped_column(Float)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)

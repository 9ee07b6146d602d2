"""Request and response bodies of ``/mailboxes``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    StringConstraints,
    Tag,
)
from pydantic.json_schema import SkipJsonSchema

from backend.kit.validation import ONE_LINE, Email, Input, not_null

Host = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=253,
        pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
    ),
]
"""A host name or IPv4 address (``smtp.example.com``, ``10.0.0.5``): labels of 1 to 63
letters, digits and hyphens (a longer one cannot be looked up)."""
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Security = Literal["none", "starttls", "tls"]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=ONE_LINE)
]
UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
Secret = Annotated[str, Field(min_length=1, max_length=1024)]
"""A password or app password, kept exactly as typed."""
DailyCap = Annotated[StrictInt, Field(ge=1, le=10_000)]
Interval = Annotated[float, Field(ge=0.1, le=3600)]
Token = Annotated[str, Field(min_length=1, max_length=8192)]


class SmtpMailboxIn(Input):
    """An SMTP server, with the account's IMAP server for the Sent folder (optional:
    without it replies are not detected and a lost answer cannot be checked)."""

    kind: Literal["smtp"]
    email: Email
    display_name: DisplayName = ""
    smtp_host: Host
    smtp_port: Port = 587
    smtp_security: Security = "starttls"
    username: UserName
    password: Secret
    imap_host: Host | None = None
    imap_port: Port | None = None
    imap_security: Security | None = None
    daily_cap: DailyCap | None = None
    min_interval_seconds: Interval | None = None


class Grant(Input):
    """What the desktop's OAuth flow got from the provider (RFC 6749 §5.1)."""

    access_token: Token
    refresh_token: Token
    expires_in: Annotated[StrictInt, Field(ge=0, le=10 * 365 * 86400)] = 3600
    scope: Annotated[str, Field(max_length=4096)] = ""


class OAuthMailboxIn(Input):
    """A Gmail or Outlook account: the grant from the desktop's sign-in in the browser."""

    kind: Literal["gmail", "outlook"]
    grant: Grant
    display_name: DisplayName = ""
    daily_cap: DailyCap | None = None
    min_interval_seconds: Interval | None = None


def _kind(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return "union:smtp" if kind == "smtp" else "union:oauth"


MailboxIn = Annotated[
    Annotated[SmtpMailboxIn, Tag("union:smtp")] | Annotated[OAuthMailboxIn, Tag("union:oauth")],
    Discriminator(_kind),
]
"""``kind`` says which: ``smtp`` with servers and a password, ``gmail``/``outlook`` with
the grant of the desktop's browser sign-in."""


class MailboxPatch(Input):
    """Settings to change; new credentials (``password`` or ``grant``) reconnect it."""

    display_name: DisplayName | SkipJsonSchema[None] = None
    smtp_host: Host | SkipJsonSchema[None] = None
    smtp_port: Port | SkipJsonSchema[None] = None
    smtp_security: Security | SkipJsonSchema[None] = None
    username: UserName | SkipJsonSchema[None] = None
    password: Secret | SkipJsonSchema[None] = None
    imap_host: Host | None = None
    imap_port: Port | None = None
    imap_security: Security | None = None
    grant: Grant | SkipJsonSchema[None] = None
    daily_cap: DailyCap | SkipJsonSchema[None] = None
    min_interval_seconds: Interval | SkipJsonSchema[None] = None

    _required = not_null(
        "display_name",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "username",
        "password",
        "grant",
        "daily_cap",
        "min_interval_seconds",
    )


class MailboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    kind: str
    email: str
    display_name: str
    status: str
    status_reason: str | None
    smtp_host: str | None
    smtp_port: int | None
    smtp_security: str | None
    username: str | None
    imap_host: str | None
    imap_port: int | None
    imap_security: str | None
    sent_folder: str | None
    daily_cap: int
    sent_today: int = 0
    min_interval_seconds: float
    max_message_bytes: int
    limitations: list[str] = []
    """What this mailbox cannot do, in words (e.g. no IMAP: replies are not seen)."""
    last_checked_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class MailboxList(BaseModel):
    items: list[MailboxOut]


class MailboxCheck(BaseModel):
    """The result of a real sign-in to the mailbox's servers."""

    ok: bool
    status: str
    message: str
    field: str | None = None
    code: str | None = None


class GoogleClient(BaseModel):
    configured: bool
    message: str
    client_id: str = ""
    client_secret: str = ""
    """Google's desktop clients' "secret" is not confidential (RFC 8252 §8.5)."""
    auth_uri: str = ""
    token_uri: str = ""
    scopes: list[str] = []


class MicrosoftClient(BaseModel):
    configured: bool
    message: str
    client_id: str = ""
    authority: str = ""
    scopes: list[str] = []


class Providers(BaseModel):
    """How the desktop signs in to each provider (the server's configuration)."""

    gmail: GoogleClient
    outlook: MicrosoftClient

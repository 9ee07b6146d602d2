"""The user's own sending mailboxes (``/mailboxes``): Gmail, Outlook, or any SMTP server
with an optional IMAP server.

Connecting signs in for real on the server: an SMTP mailbox with its servers and
password, a Gmail or Outlook one with the grant the desktop's browser sign-in got
(:mod:`app.features.mailboxes.oauth`). A refused sign-in is a 422 whose details name
the setting at fault (``smtp_port``, ``password``, ``imap_security``, ``grant``), with
a sentence for people. No answer ever carries a password or a token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient

MAILBOXES = "/api/v1/mailboxes"

CONNECTED, NEEDS_RECONNECT, DISCONNECTED = "connected", "needs_reconnect", "disconnected"
"""A mailbox's status words: it sends; its sign-in stopped working (its sends wait);
its owner disconnected it."""

Security = Literal["none", "starttls", "tls"]
"""How a connection to a mail server is protected: not at all, upgraded with STARTTLS,
or TLS from the first byte."""


class Mailbox(BaseModel):
    """A mailbox a user sends from.

    Attributes:
        id: The mailbox's id.
        owner_id: The user it belongs to (only they see it and send from it).
        kind: ``"gmail"``, ``"outlook"`` or ``"smtp"``.
        email: The address it sends as.
        display_name: The name recipients see beside the address.
        status: ``"connected"``, ``"needs_reconnect"`` or ``"disconnected"``.
        status_reason: Why it needs reconnecting (the provider's words), if it does.
        smtp_host: An SMTP mailbox's submission server.
        smtp_port: Its port.
        smtp_security: ``"none"``, ``"starttls"`` or ``"tls"``.
        username: The user name it signs in with.
        imap_host: Its IMAP server (``None``: none, with what that loses in
            :attr:`limitations`).
        imap_port: The IMAP server's port.
        imap_security: How the IMAP connection is protected.
        sent_folder: The IMAP folder sent messages are filed in.
        daily_cap: The most messages it sends a day.
        sent_today: How many it sent today.
        min_interval_seconds: The least time between two sends (pacing).
        max_message_bytes: The largest message it takes (attachments included).
        limitations: What it cannot do, in sentences ("Replies are not detected (no
            IMAP server).").
        last_checked_at: When its sign-in was last tried.
        version: Its version after its last change.
        created_at: When it was connected.
        updated_at: When it last changed.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    owner_id: str = ""
    kind: str = "smtp"
    email: str = ""
    display_name: str = ""
    status: str = CONNECTED
    status_reason: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    username: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    sent_folder: str | None = None
    daily_cap: int = 0
    sent_today: int = 0
    min_interval_seconds: float = 0.0
    max_message_bytes: int = 25 * 1024 * 1024
    limitations: list[str] = Field(default_factory=list)
    last_checked_at: datetime | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def connected(self) -> bool:
        """Whether it sends (its sign-in works)."""
        return self.status == CONNECTED


class MailboxList(BaseModel):
    """``GET /mailboxes``: the user's mailboxes, oldest first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[Mailbox] = Field(default_factory=list)


class MailboxCheck(BaseModel):
    """What a sign-in to a mailbox's servers found (``POST /mailboxes/{id}/test``).

    Attributes:
        ok: Whether it signed in.
        status: The mailbox's status after the check.
        message: What happened, for people ("Signed in: it works.").
        field: The setting at fault when it did not (``password``, ``smtp_port`` …).
        code: The provider's error code, if any.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    ok: bool
    status: str = CONNECTED
    message: str = ""
    field: str | None = None
    code: str | None = None


class GoogleSignIn(BaseModel):
    """How this server's desktop app signs in to Google (an "installed app" OAuth
    client; its secret is not confidential, RFC 8252 §8.5).

    Attributes:
        configured: Whether Gmail is set up on this server.
        message: When it is not: what an administrator has to do, in words.
        client_id: The OAuth client's id.
        client_secret: Its (public) secret.
        auth_uri: Google's authorization endpoint.
        token_uri: Google's token endpoint.
        scopes: The scopes to ask for.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    configured: bool = False
    message: str = ""
    client_id: str = ""
    client_secret: str = ""
    auth_uri: str = ""
    token_uri: str = ""
    scopes: list[str] = Field(default_factory=list)


class MicrosoftSignIn(BaseModel):
    """How this server's desktop app signs in to Microsoft (a public client).

    Attributes:
        configured: Whether Outlook is set up on this server.
        message: When it is not: what an administrator has to do, in words.
        client_id: The app registration's id.
        authority: ``https://login.microsoftonline.com/<tenant>``.
        scopes: The scopes to ask for (``offline_access`` is added by the library).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    configured: bool = False
    message: str = ""
    client_id: str = ""
    authority: str = ""
    scopes: list[str] = Field(default_factory=list)


class Providers(BaseModel):
    """``GET /mailboxes/providers``: how to sign in to each provider from here."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    gmail: GoogleSignIn = Field(default_factory=GoogleSignIn)
    outlook: MicrosoftSignIn = Field(default_factory=MicrosoftSignIn)


class Grant(BaseModel):
    """What a browser sign-in got from the provider (RFC 6749 §5.1), handed to the server
    so that it can send while the desktop is closed.

    Attributes:
        access_token: The access token.
        refresh_token: The refresh token (the server keeps it, sealed).
        expires_in: Seconds the access token lives.
        scope: The scopes granted, space-separated.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: str
    refresh_token: str
    expires_in: int = 3600
    scope: str = ""


class SmtpSettings(BaseModel):
    """What an SMTP mailbox is connected with (``POST /mailboxes``, ``kind: smtp``).

    Attributes:
        email: The address it sends as.
        display_name: The name recipients see.
        smtp_host: The submission server, e.g. ``smtp.example.com``.
        smtp_port: Its port (587 with STARTTLS, 465 with TLS).
        smtp_security: ``"starttls"``, ``"tls"`` or ``"none"``.
        username: The user name to sign in with.
        password: The password or app password.
        imap_host: The account's IMAP server, if it has one.
        imap_port: Its port (993 with TLS, 143 otherwise).
        imap_security: How the IMAP connection is protected.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    email: str
    display_name: str = ""
    smtp_host: str
    smtp_port: int = 587
    smtp_security: Security = "starttls"
    username: str
    password: str
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: Security | None = None


class MailboxesApi:
    """The mailbox calls of the gateway.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def providers(self) -> Providers:
        """How to sign in to Gmail and Outlook from this server; a provider that is not
        set up says so in :attr:`GoogleSignIn.message` (never an error)."""
        return await self._client.call_json("GET", f"{MAILBOXES}/providers", Providers)

    async def mailboxes(self) -> list[Mailbox]:
        """The user's mailboxes (not the disconnected ones), oldest first."""
        answer = await self._client.call_json("GET", MAILBOXES, MailboxList)
        return answer.items

    async def get(self, mailbox_id: str) -> Mailbox:
        """One of the user's mailboxes.

        Raises:
            ApiError: ``not_found`` (404) for another user's, a disconnected one, or none.
        """
        return await self._client.call_json("GET", f"{MAILBOXES}/{mailbox_id}", Mailbox)

    async def connect_smtp(self, settings: SmtpSettings) -> Mailbox:
        """Connect an SMTP mailbox after the server signed in to it.

        Raises:
            ApiError: ``validation_error`` (422) naming the setting at fault
                (``smtp_host``, ``smtp_port``, ``smtp_security``, ``username``,
                ``password``, ``imap_host``, ``imap_port``, ``imap_security``,
                ``email``) with the server's sentence; ``conflict`` (409) naming
                ``email`` when the user already has a mailbox for that address.
        """
        body = {"kind": "smtp", **settings.model_dump(exclude_none=True)}
        return await self._client.call_json("POST", MAILBOXES, Mailbox, json=body, status=201)

    async def connect_oauth(self, kind: str, grant: Grant, display_name: str = "") -> Mailbox:
        """Connect a Gmail (``kind="gmail"``) or Outlook (``"outlook"``) mailbox with the
        grant of a browser sign-in; the server finds the address with it.

        Raises:
            ApiError: ``validation_error`` (422) naming ``grant`` (the provider refused
                it) or ``grant.scope`` (sending was not allowed); ``conflict`` (409)
                naming ``email`` when the user already has a mailbox for that address.
        """
        body: dict[str, Any] = {"kind": kind, "grant": grant.model_dump()}
        if display_name:
            body["display_name"] = display_name
        return await self._client.call_json("POST", MAILBOXES, Mailbox, json=body, status=201)

    async def change(self, mailbox_id: str, changes: dict[str, Any]) -> Mailbox:
        """Change a mailbox's settings; new credentials (``password``, ``grant``) or
        servers sign in again and reconnect it.

        Args:
            mailbox_id: Which.
            changes: The settings to change (``display_name``, ``password``,
                ``grant`` as a dict, ``smtp_port`` …, ``daily_cap``).

        Raises:
            ApiError: ``validation_error`` (422) naming the setting at fault (a
                refused sign-in, a setting the mailbox's kind has not, a grant for
                another address); ``not_found`` (404).
        """
        return await self._client.call_json(
            "PATCH", f"{MAILBOXES}/{mailbox_id}", Mailbox, json=changes
        )

    async def reconnect_oauth(self, mailbox_id: str, grant: Grant) -> Mailbox:
        """Give a Gmail or Outlook mailbox a new grant (after "needs reconnect").

        Raises:
            ApiError: ``validation_error`` (422) naming ``grant`` (refused, or it signs
                in as another address) or ``grant.scope``; ``not_found`` (404).
        """
        return await self.change(mailbox_id, {"grant": grant.model_dump()})

    async def disconnect(self, mailbox_id: str) -> None:
        """Disconnect a mailbox: its credentials are forgotten and what it still had to
        send fails.

        Raises:
            ApiError: ``not_found`` (404).
        """
        await self._client.call("DELETE", f"{MAILBOXES}/{mailbox_id}", status=204)

    async def test(self, mailbox_id: str) -> MailboxCheck:
        """Sign in to the mailbox's servers now; a refused sign-in marks it
        "needs reconnect" (the answer says so, it is not an error).

        Raises:
            ApiError: ``not_found`` (404).
        """
        return await self._client.call_json("POST", f"{MAILBOXES}/{mailbox_id}/test", MailboxCheck)

"""The transport of a mailbox, from its settings and its (opened) credentials."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from backend.email.providers import imap
from backend.email.providers.base import Credentials, Transport
from backend.email.providers.gmail import GmailTransport
from backend.email.providers.oauth import GRAPH_SCOPES, TokenEndpoint
from backend.email.providers.outlook import OutlookTransport
from backend.email.providers.smtp import SmtpAccount, SmtpTransport
from backend.kit.settings import Settings

CHECK_TIMEOUT = 15.0
"""Seconds a connection check waits for a server (a person is waiting)."""


@dataclass(frozen=True)
class MailboxAccess:
    """What a transport needs of a mailbox row (no ORM object crosses into providers)."""

    kind: str
    email: str
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    username: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    sent_folder: str | None = None
    server_files_sent: bool | None = None


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificates are always verified; ``SALESOS_PROVIDER_CA_FILE`` adds a CA."""
    context = ssl.create_default_context()
    if settings.provider_ca_file is not None:
        context.load_verify_locations(cafile=str(settings.provider_ca_file))
    return context


def provider_http(settings: Settings) -> httpx.AsyncClient:
    """One client per process for the provider APIs and token endpoints."""
    return httpx.AsyncClient(
        verify=tls_context(settings),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
        headers={"User-Agent": "SalesOS"},
    )


def google_endpoint(settings: Settings) -> TokenEndpoint:
    return TokenEndpoint(
        settings.google_token_url,
        settings.google_client_id,
        settings.google_client_secret.get_secret_value(),
    )


def microsoft_endpoint(settings: Settings) -> TokenEndpoint:
    return TokenEndpoint(
        f"{settings.microsoft_authority}/oauth2/v2.0/token",
        settings.microsoft_client_id,
        scope=" ".join(GRAPH_SCOPES),
    )


def transport_for(
    mailbox: MailboxAccess,
    creds: Credentials,
    settings: Settings,
    http: httpx.AsyncClient,
    on_change: Callable[[Credentials], Awaitable[None]],
    *,
    timeout: float | None = None,
) -> Transport:
    timeout = timeout or settings.email_send_timeout
    if mailbox.kind == "gmail":
        return GmailTransport(
            http, settings.gmail_api_url, google_endpoint(settings), creds, on_change, timeout
        )
    if mailbox.kind == "outlook":
        return OutlookTransport(
            http, settings.graph_api_url, microsoft_endpoint(settings), creds, on_change, timeout
        )
    context = tls_context(settings)
    smtp = SmtpAccount(
        host=mailbox.smtp_host or "",
        port=mailbox.smtp_port or 587,
        security=mailbox.smtp_security or "starttls",
        username=mailbox.username or "",
        password=creds.password or "",
        timeout=timeout,
        tls=context,
    )
    imap_account = None
    if mailbox.imap_host:
        imap_account = imap.ImapAccount(
            host=mailbox.imap_host,
            port=mailbox.imap_port or 993,
            security=mailbox.imap_security or "tls",
            username=mailbox.username or "",
            password=creds.password or "",
            timeout=timeout,
            tls=context,
        )
    return SmtpTransport(smtp, imap_account, mailbox.sent_folder, mailbox.server_files_sent)

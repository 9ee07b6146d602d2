"""Mailboxes: connect (a real sign-in first), change, check, disconnect.

A mailbox is its owner's: only they list it, change it and send from it. Its secret
(password or OAuth tokens) is sealed at rest (:mod:`backend.kit.secrets`); no answer
ever carries it. Every connect and every check signs in for real, and a failure names
the setting at fault (``smtp_port``, ``imap_security``, ``password``, ``grant``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from backend.email import events as ev
from backend.email.ledger.repository import PacingRepository, QueueRepository
from backend.email.ledger.service import Ledger
from backend.email.mailboxes import schemas as s
from backend.email.mailboxes.repository import MailboxRepository
from backend.email.models import Mailbox
from backend.email.providers import gmail, outlook, smtp
from backend.email.providers.base import Credentials, ProviderError, Reconnect, Transport
from backend.email.providers.factory import CHECK_TIMEOUT, MailboxAccess, transport_for
from backend.email.providers.oauth import GMAIL_SCOPES, GRAPH_SCOPES
from backend.email.secrets import MailboxSecrets
from backend.kit.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from backend.kit.security import Principal
from backend.kit.settings import Settings
from backend.messaging.outbox import emit


@dataclass(frozen=True)
class KindLimits:
    daily_cap: int
    max_daily_cap: int
    interval: float
    min_interval: float
    max_message_bytes: int


LIMITS = {
    # Workspace allows 2,000 messages a day; the API's quota ~150 sends a minute.
    "gmail": KindLimits(1500, 2000, 1.0, 0.5, gmail.MAX_MESSAGE_BYTES),
    # Exchange Online: 30 messages a minute, 10,000 recipients a day.
    "outlook": KindLimits(2000, 10_000, 2.5, 2.0, outlook.MAX_MESSAGE_BYTES),
    "smtp": KindLimits(500, 10_000, 2.0, 0.1, smtp.MAX_MESSAGE_BYTES),
}
"""Defaults under each provider's published limits, and the furthest a user may go."""

NO_IMAP = [
    "Replies are not detected (no IMAP server).",
    "Sent messages are not filed in a Sent folder, and a send whose answer was lost "
    "cannot be checked: it is shown as 'may have been sent' for you to decide.",
]


def access_of(mailbox: Mailbox) -> MailboxAccess:
    return MailboxAccess(
        kind=mailbox.kind,
        email=mailbox.email,
        smtp_host=mailbox.smtp_host,
        smtp_port=mailbox.smtp_port,
        smtp_security=mailbox.smtp_security,
        username=mailbox.username,
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        imap_security=mailbox.imap_security,
        sent_folder=mailbox.sent_folder,
        server_files_sent=mailbox.server_files_sent,
    )


def limitations(mailbox: Mailbox) -> list[str]:
    return NO_IMAP if mailbox.kind == "smtp" and not mailbox.imap_host else []


def check_failed(exc: ProviderError, *, prefix: str = "body") -> ValidationFailed:
    field = f"{prefix}.{exc.field}" if exc.field else f"{prefix}.grant"
    return ValidationFailed(
        f"{field}: {exc.message}",
        details=[ErrorDetail(field=field, message=exc.message, type=exc.code)],
    )


class MailboxService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        settings: Settings,
        secrets: MailboxSecrets,
        http: httpx.AsyncClient,
    ) -> None:
        self.session = session
        self.principal = principal
        self.settings = settings
        self.secrets = secrets
        self.http = http
        self.repo = MailboxRepository.from_session(session)
        self.pacing = PacingRepository.from_session(session)

    # ------------------------------------------------------------------ reading
    async def listing(self) -> list[tuple[Mailbox, int]]:
        boxes = await self.repo.of_owner(self.principal.user_id)
        counts = await self.pacing.sent_today([b.id for b in boxes])
        return [(b, counts.get(b.id, 0)) for b in boxes]

    async def mine(self, mailbox_id: uuid.UUID, *, lock: bool = False) -> Mailbox:
        """The caller's live mailbox. Raises NotFound for anyone else's (or none)."""
        mailbox = await self.repo.live(mailbox_id, lock=lock)
        if mailbox is None or mailbox.owner_id != self.principal.user_id:
            raise NotFound("mailbox", mailbox_id)
        return mailbox

    async def sent_today(self, mailbox: Mailbox) -> int:
        return (await self.pacing.sent_today([mailbox.id])).get(mailbox.id, 0)

    # ------------------------------------------------------------------ connecting
    async def connect_smtp(self, body: s.SmtpMailboxIn) -> Mailbox:
        await self._refuse_taken(body.email)
        if body.imap_host is None and (body.imap_port or body.imap_security):
            raise ValidationFailed.for_field(
                "body.imap_host", "is needed with an IMAP port or security"
            )
        mailbox = Mailbox(
            id=uuid.uuid4(),
            owner_id=self.principal.user_id,
            kind="smtp",
            email=body.email,
            display_name=body.display_name,
            smtp_host=body.smtp_host,
            smtp_port=body.smtp_port,
            smtp_security=body.smtp_security,
            username=body.username,
            imap_host=body.imap_host,
            imap_port=(body.imap_port or (993 if (body.imap_security or "tls") == "tls" else 143))
            if body.imap_host
            else None,
            imap_security=(body.imap_security or "tls") if body.imap_host else None,
        )
        creds = Credentials(password=body.password)
        size = await self._sign_in(mailbox, creds)
        self._limits(mailbox, body.daily_cap, body.min_interval_seconds, size)
        return await self._save_new(mailbox, creds)

    async def connect_oauth(self, body: s.OAuthMailboxIn) -> Mailbox:
        self._require_send_scope(body.kind, body.grant.scope)
        creds = _grant_credentials(body.grant)
        mailbox = Mailbox(
            id=uuid.uuid4(),
            owner_id=self.principal.user_id,
            kind=body.kind,
            email="",
            display_name=body.display_name,
            scopes=body.grant.scope.split(),
        )
        await self._sign_in(mailbox, creds)
        await self._refuse_taken(mailbox.email)
        self._limits(mailbox, body.daily_cap, body.min_interval_seconds, None)
        return await self._save_new(mailbox, creds)

    async def change(self, mailbox_id: uuid.UUID, patch: s.MailboxPatch) -> Mailbox:
        mailbox = await self.mine(mailbox_id, lock=True)
        values = patch.model_dump(exclude_unset=True)
        creds = self.secrets.open(mailbox)
        oauth = mailbox.kind in ("gmail", "outlook")
        server_fields = {
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "username",
            "imap_host",
            "imap_port",
            "imap_security",
        }
        for name in (server_fields | {"password"}) & set(values):
            if oauth:
                raise ValidationFailed.for_field(
                    f"body.{name}", f"a {mailbox.kind} mailbox has no such setting"
                )
        if "grant" in values and not oauth:
            raise ValidationFailed.for_field(
                "body.grant", "an SMTP mailbox signs in with a password"
            )
        reconnect = bool(set(values) & (server_fields | {"password", "grant"}))
        for name in server_fields & set(values):
            setattr(mailbox, name, values[name])
        if "password" in values:
            creds = Credentials(password=patch.password)
        if patch.grant is not None:
            self._require_send_scope(mailbox.kind, patch.grant.scope)
            creds = _grant_credentials(patch.grant)
            mailbox.scopes = patch.grant.scope.split()
        if "display_name" in values:
            mailbox.display_name = values["display_name"]
        size = None
        if reconnect:
            address = mailbox.email
            size = await self._sign_in(mailbox, creds)
            if oauth and mailbox.email.lower() != address.lower():
                raise ValidationFailed.for_field(
                    "body.grant", f"signs in as {mailbox.email}, not as this mailbox's {address}"
                )
            mailbox.email = address
            self.secrets.seal(mailbox, creds)
            was = mailbox.status
            mailbox.status, mailbox.status_reason = "connected", None
            if was != "connected":
                await self._reconnected(mailbox)
        self._limits(
            mailbox,
            values.get("daily_cap", mailbox.daily_cap),
            values.get("min_interval_seconds", mailbox.min_interval_seconds),
            size,
            keep_size=size is None,
        )
        return await self._touch(mailbox)

    async def disconnect(self, mailbox_id: uuid.UUID) -> Mailbox:
        """Forget its credentials; what it still had to send fails (the caller says so)."""
        mailbox = await self.mine(mailbox_id, lock=True)
        mailbox.status, mailbox.status_reason = "disconnected", "Disconnected by its owner."
        self.secrets.seal(mailbox, Credentials())
        await self.pacing.pause(mailbox.id, True)
        await self._touch(mailbox)
        await self._emit(mailbox, ev.MailboxDisconnected)
        await Ledger(self.session).fail_waiting(
            mailbox.id, "mailbox_disconnected", "Its mailbox was disconnected before it was sent."
        )
        return mailbox

    async def test(self, mailbox_id: uuid.UUID) -> s.MailboxCheck:
        mailbox = await self.mine(mailbox_id, lock=True)
        creds = self.secrets.open(mailbox)
        try:
            await self._transport(mailbox, creds).check()
        except ProviderError as exc:
            mailbox.last_checked_at = datetime.now(UTC)
            if isinstance(exc, Reconnect):
                await mark_needs_reconnect(self.session, mailbox, exc.message)
            else:
                await self._touch(mailbox)
            return s.MailboxCheck(
                ok=False, status=mailbox.status, message=exc.message, field=exc.field, code=exc.code
            )
        mailbox.last_checked_at = datetime.now(UTC)
        if mailbox.status != "connected":
            mailbox.status, mailbox.status_reason = "connected", None
            await self._reconnected(mailbox)
        await self._touch(mailbox)
        return s.MailboxCheck(ok=True, status=mailbox.status, message="Signed in: it works.")

    # ------------------------------------------------------------------ helpers
    async def _reconnected(self, mailbox: Mailbox) -> None:
        await self.pacing.pause(mailbox.id, False)
        await QueueRepository.from_session(self.session).due_now(mailbox.id)
        await self._emit(mailbox, ev.MailboxConnected)

    def _transport(
        self, mailbox: Mailbox, creds: Credentials, timeout: float = CHECK_TIMEOUT
    ) -> Transport:
        async def keep(new: Credentials) -> None:
            if mailbox.secret is not None and mailbox.secret_key_id:
                self.secrets.seal(mailbox, new)
            mailbox.token_expires_at = new.expires_at

        return transport_for(
            access_of(mailbox), creds, self.settings, self.http, keep, timeout=timeout
        )

    async def _sign_in(self, mailbox: Mailbox, creds: Credentials) -> int | None:
        """Sign in for real; fills what the servers tell (address, Sent folder, size limit)."""
        transport = self._transport(mailbox, creds)
        try:
            address = await transport.check()
        except ProviderError as exc:
            raise check_failed(exc) from exc
        mailbox.last_checked_at = datetime.now(UTC)
        mailbox.token_expires_at = creds.expires_at
        if mailbox.kind != "smtp":
            mailbox.email = address.lower()
            return None
        assert isinstance(transport, smtp.SmtpTransport)
        mailbox.sent_folder = transport.sent_folder
        if mailbox.imap_host and not transport.sent_folder:
            raise ValidationFailed.for_field(
                "body.imap_host", "has no Sent folder for this account"
            )
        return transport.size_limit

    def _require_send_scope(self, kind: str, scope: str) -> None:
        needed = GMAIL_SCOPES[0] if kind == "gmail" else GRAPH_SCOPES[0]
        granted = set(scope.split())
        if scope and needed not in granted and needed.rsplit("/", 1)[-1] not in granted:
            raise ValidationFailed.for_field(
                "body.grant.scope", f"does not include {needed}: sign in again and allow sending"
            )

    def _limits(
        self,
        mailbox: Mailbox,
        cap: int | None,
        interval: float | None,
        size: int | None,
        *,
        keep_size: bool = False,
    ) -> None:
        limits = LIMITS[mailbox.kind]
        cap = limits.daily_cap if cap is None else cap
        if cap > limits.max_daily_cap:
            raise ValidationFailed.for_field(
                "body.daily_cap", f"is at most {limits.max_daily_cap:,} a day for {mailbox.kind}"
            )
        interval = limits.interval if interval is None else interval
        if interval < limits.min_interval:
            raise ValidationFailed.for_field(
                "body.min_interval_seconds",
                f"is at least {limits.min_interval} s for {mailbox.kind}",
            )
        mailbox.daily_cap, mailbox.min_interval_seconds = cap, interval
        if not keep_size:
            mailbox.max_message_bytes = (
                min(size or limits.max_message_bytes, limits.max_message_bytes)
                if mailbox.kind != "smtp"
                else (size or limits.max_message_bytes)
            )

    async def _refuse_taken(self, email: str) -> None:
        if await self.repo.address_taken(self.principal.user_id, email):
            raise Conflict(
                f"You already have a mailbox for {email}.",
                details=[
                    ErrorDetail(field="body.email", message="is already connected", type="taken")
                ],
            )

    async def _save_new(self, mailbox: Mailbox, creds: Credentials) -> Mailbox:
        self.secrets.seal(mailbox, creds)
        await self.repo.create(mailbox)
        await self.pacing.put(
            mailbox.id,
            mailbox.customer_id,
            mailbox.daily_cap,
            mailbox.min_interval_seconds,
            paused=False,
        )
        await self._emit(mailbox, ev.MailboxConnected)
        return mailbox

    async def _touch(self, mailbox: Mailbox) -> Mailbox:
        mailbox.version += 1
        mailbox.updated_at = datetime.now(UTC)
        await self.session.flush()
        await self.pacing.put(
            mailbox.id,
            mailbox.customer_id,
            mailbox.daily_cap,
            mailbox.min_interval_seconds,
            paused=mailbox.status != "connected",
        )
        return mailbox

    async def _emit(self, mailbox: Mailbox, event: type[Any], **extra: Any) -> None:
        await emit_mailbox(self.session, mailbox, event, **extra)


async def emit_mailbox(
    session: AsyncSession, mailbox: Mailbox, event: type[Any], **extra: Any
) -> None:
    """Every mailbox event, built here."""
    payload = event(
        mailbox_id=mailbox.id,
        version=mailbox.version,
        owner_id=mailbox.owner_id,
        kind=mailbox.kind,
        email=mailbox.email,
        **extra,
    )
    await emit(session, payload, aggregate_id=mailbox.id, customer_id=mailbox.customer_id)


async def mark_needs_reconnect(session: AsyncSession, mailbox: Mailbox, reason: str) -> None:
    """A revoked grant or a changed password: the mailbox's sends wait (its pace is
    paused) and its owner is told (a live ``MailboxNeedsReconnect``)."""
    if mailbox.status == "needs_reconnect":
        return
    mailbox.status, mailbox.status_reason = "needs_reconnect", reason
    mailbox.version += 1
    mailbox.updated_at = datetime.now(UTC)
    await session.flush()
    await PacingRepository.from_session(session).pause(mailbox.id, True)
    await emit_mailbox(session, mailbox, ev.MailboxNeedsReconnect, reason=reason)


def _grant_credentials(grant: s.Grant) -> Credentials:
    return Credentials(
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=datetime.now(UTC) + timedelta(seconds=grant.expires_in),
    )

"""Any SMTP server (``aiosmtplib``), with the account's IMAP server for the Sent folder
when one is configured.

The point of no return is the end of ``DATA``: until the server has the whole
message, nothing was taken, so everything before it (connect, TLS, AUTH, MAIL, RCPT)
is a :class:`Retry` or names the setting at fault. A lost answer after ``DATA`` is
:class:`Ambiguous`. After a send the copy goes to the IMAP Sent folder unless the
server files sent mail itself (Gmail's and Office 365's SMTP do; the first sends tell,
:attr:`SmtpTransport.files_sent`). Look-ups: only a server that files what it takes
proves by an absence that a message was not taken; for the others a missing copy
leaves the message uncertain. Without IMAP there is no look-up at all.
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from dataclasses import dataclass

import aiosmtplib

from backend.email.providers import imap
from backend.email.providers.base import (
    Ambiguous,
    Found,
    Handover,
    Lookup,
    ProviderError,
    Reconnect,
    Refused,
    Retry,
    Sent,
)
from backend.email.providers.mime import Outgoing

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
"""Unless the server's ``SIZE`` says otherwise (learned when the mailbox is checked)."""


@dataclass(frozen=True)
class SmtpAccount:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float
    tls: ssl.SSLContext


class SmtpTransport:
    def __init__(
        self,
        smtp: SmtpAccount,
        imap_account: imap.ImapAccount | None,
        sent_folder: str | None,
        files_sent: bool | None,
    ) -> None:
        self.smtp = smtp
        self.imap = imap_account
        self.sent_folder = sent_folder
        self.files_sent = files_sent
        """Whether the server files what it takes in the Sent folder (``None``: not known)."""
        self.size_limit: int | None = None

    @property
    def lookup_delays(self) -> tuple[float, ...]:
        return (5.0, 30.0) if self.imap is not None and self.files_sent else ()

    async def check(self) -> str:
        client = await self._connect()
        try:
            size = client.esmtp_extensions.get("size", "")
            self.size_limit = int(size) if size.strip().isdigit() and int(size) > 0 else None
        finally:
            await _quit(client)
        if self.imap is not None:
            self.sent_folder = await imap.run(self.imap, imap.sent_folder)
        return self.smtp.username

    async def send(self, message: Outgoing, handover: Handover) -> Sent:
        mime = message.mime(with_bcc=False)
        client = await self._connect()
        try:
            await self._envelope(client, message)
            await handover()
            try:
                await client.data(mime)
            except aiosmtplib.SMTPDataError as exc:
                if 400 <= exc.code < 500:
                    raise Retry(
                        "deferred", f"The server deferred the message ({exc.code} {exc.message})."
                    ) from exc
                raise Refused(
                    "refused", f"The server refused the message ({exc.code} {exc.message})."
                ) from exc
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise Ambiguous(
                    "answer_lost",
                    f"The server's answer to the message was lost ({exc.__class__.__name__}).",
                ) from exc
        finally:
            await _quit(client)
        if self.imap is not None and self.sent_folder:
            await self._file_copy(message.message_id, mime)
        return Sent()

    async def find_sent(self, message_id: str) -> Lookup:
        if self.imap is None or not self.sent_folder:
            return Lookup(
                Found.UNKNOWN, detail="no IMAP server: the Sent folder cannot be searched"
            )
        folder = self.sent_folder
        there = await imap.run(
            self.imap, lambda conn: imap.search_message_id(conn, folder, message_id)
        )
        if there:
            return Lookup(Found.YES, Sent(), detail=f"found in the IMAP folder {folder!r}")
        if self.files_sent:
            return Lookup(
                Found.NO, detail=f"not in {folder!r}, where this server files what it sends"
            )
        return Lookup(
            Found.UNKNOWN,
            detail=f"not in {folder!r}; this server does not file what it sends, so its "
            "absence proves nothing",
        )

    async def _file_copy(self, message_id: str, mime: bytes) -> None:
        """File the copy, unless the server did (then remember that it does)."""
        folder, account = self.sent_folder, self.imap
        assert folder is not None
        assert account is not None

        def work(conn: imaplib.IMAP4) -> bool:
            if self.files_sent is not False and imap.search_message_id(conn, folder, message_id):
                return True
            imap.append(conn, folder, mime)
            return False

        # The message went; its copy in Sent is a nicety, never a reason to send again.
        with contextlib.suppress(ProviderError):
            self.files_sent = await imap.run(account, work)

    async def _connect(self) -> aiosmtplib.SMTP:
        account = self.smtp
        client = aiosmtplib.SMTP(
            hostname=account.host,
            port=account.port,
            use_tls=account.security == "tls",
            start_tls=account.security == "starttls",
            tls_context=account.tls,
            timeout=account.timeout,
        )
        try:
            await client.connect()
        except aiosmtplib.SMTPNotSupported as exc:
            raise Reconnect(
                "no_starttls",
                f"{account.host} does not offer STARTTLS on port {account.port}; choose TLS "
                "or another port.",
                field="smtp_security",
            ) from exc
        except (aiosmtplib.SMTPException, OSError, UnicodeError) as exc:
            root = _root(exc)
            raise imap.connection_problem(
                "smtp", account.host, account.port, account.security, root
            ) from exc
        if account.username:
            try:
                await client.login(account.username, account.password)
            except aiosmtplib.SMTPAuthenticationError as exc:
                await _quit(client)
                raise Reconnect(
                    "bad_password",
                    "The SMTP server refused this user name and password "
                    f"({exc.code} {exc.message}).",
                    field="password",
                ) from exc
            except aiosmtplib.SMTPNotSupported as exc:
                await _quit(client)
                raise Reconnect(
                    "no_auth",
                    "The SMTP server does not take a sign-in on this connection "
                    "(it may want TLS first).",
                    field="smtp_security",
                ) from exc
            except (aiosmtplib.SMTPException, OSError) as exc:
                await _quit(client)
                raise Retry(
                    "smtp_failed", f"The SMTP server failed during sign-in ({exc})."
                ) from exc
        return client

    async def _envelope(self, client: aiosmtplib.SMTP, message: Outgoing) -> None:
        try:
            await client.mail(message.sender.email)
        except aiosmtplib.SMTPResponseException as exc:
            raise _refusal(exc, "sender") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise Retry(
                "smtp_failed", f"The SMTP server failed before the message ({exc})."
            ) from exc
        refused: list[str] = []
        for recipient in message.recipients:
            try:
                await client.rcpt(recipient)
            except aiosmtplib.SMTPResponseException as exc:
                if 400 <= exc.code < 500:
                    raise _refusal(exc, "recipient") from exc
                refused.append(f"{recipient} ({exc.code} {exc.message})")
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise Retry(
                    "smtp_failed", f"The SMTP server failed before the message ({exc})."
                ) from exc
        if refused:
            raise Refused("recipients_refused", "The server refused " + "; ".join(refused))


def _refusal(exc: aiosmtplib.SMTPResponseException, what: str) -> ProviderError:
    if 400 <= exc.code < 500:
        return Retry("deferred", f"The server deferred the {what} ({exc.code} {exc.message}).")
    return Refused("refused", f"The server refused the {what} ({exc.code} {exc.message}).")


def _root(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        assert nxt is not None
        if isinstance(nxt, OSError | UnicodeError):
            return nxt
        seen = nxt
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError):
        return TimeoutError(str(exc))
    return exc


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()

"""The IMAP side of an SMTP mailbox: sign in, find the Sent folder, look a Message-ID
up there (``UID SEARCH HEADER Message-ID``, RFC 3501 §6.4.4), file a copy (``APPEND``).

Python's ``imaplib`` (the standard library's client), run in a thread per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from backend.email.providers.base import ProviderError, Reconnect, Retry

_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$')
T = TypeVar("T")
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent")


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    security: str
    """``tls`` (implicit, port 993), ``starttls`` or ``none``."""
    username: str
    password: str
    timeout: float
    tls: ssl.SSLContext


def quoted(value: str) -> str:
    """An IMAP quoted string (RFC 3501 §4.3)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(account: ImapAccount) -> imaplib.IMAP4:
    """Signed in, or a :class:`ProviderError` naming the setting at fault."""
    try:
        if account.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                account.host, account.port, ssl_context=account.tls, timeout=account.timeout
            )
        else:
            conn = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
            if account.security == "starttls":
                if "STARTTLS" not in conn.capabilities:
                    conn.shutdown()
                    raise Reconnect(
                        "no_starttls",
                        "The IMAP server does not offer STARTTLS on this port; choose TLS "
                        "or another port.",
                        field="imap_security",
                    )
                conn.starttls(ssl_context=account.tls)
    except ProviderError:
        raise
    except (OSError, UnicodeError, imaplib.IMAP4.error) as exc:
        raise connection_problem("imap", account.host, account.port, account.security, exc) from exc
    try:
        conn.login(account.username, account.password)
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        raise Reconnect(
            "bad_password",
            f"The IMAP server refused this user name and password ({_text(exc)}).",
            field="password",
        ) from exc
    except OSError as exc:
        raise Retry("imap_unreachable", f"The IMAP server dropped the connection ({exc}).") from exc
    return conn


def sent_folder(conn: imaplib.IMAP4) -> str | None:
    """The folder with the ``\\Sent`` special use (RFC 6154), or a usual name."""
    typ, lines = conn.list()
    names: list[str] = []
    for line in lines if typ == "OK" else []:
        if not isinstance(line, bytes):
            continue
        match = _LIST_LINE.match(line)
        if not match:
            continue
        name = match.group("name").decode("utf-8", "replace").strip()
        if name.startswith('"') and name.endswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if b"\\sent" in match.group("flags").lower():
            return name
        names.append(name)
    for usual in SENT_NAMES:
        if usual in names:
            return usual
    return None


def search_message_id(conn: imaplib.IMAP4, folder: str, message_id: str) -> bool:
    typ, _ = conn.select(quoted(folder), readonly=True)
    if typ != "OK":
        raise Retry("imap_folder", f"The IMAP folder {folder!r} cannot be opened.")
    typ, data = conn.uid("SEARCH", "HEADER", "Message-ID", quoted(message_id))
    if typ != "OK":
        raise Retry("imap_search", "The IMAP server refused the search.")
    return bool(data and data[0] and data[0].split())


def append(conn: imaplib.IMAP4, folder: str, mime: bytes) -> None:
    typ, data = conn.append(
        quoted(folder), r"(\Seen)", imaplib.Time2Internaldate(time.time()), mime
    )
    if typ != "OK":
        raise Retry("imap_append", f"The IMAP server did not file the copy ({data!r}).")


def close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


async def run(account: ImapAccount, work: Callable[[imaplib.IMAP4], T]) -> T:
    """Sign in, do ``work(conn)``, sign out; in a thread."""

    def call() -> T:
        conn = connect(account)
        try:
            return work(conn)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise Retry("imap_failed", f"The IMAP server failed ({_text(exc)}).") from exc
        finally:
            close(conn)

    return await asyncio.to_thread(call)


def connection_problem(
    protocol: str, host: str, port: int, security: str, exc: BaseException
) -> ProviderError:
    """Which setting a failure to connect points at, in words (``smtp_host``, …)."""
    name = protocol.upper()
    if isinstance(exc, socket.gaierror | UnicodeError):  # (a name IDNA cannot encode)
        return Reconnect(
            "unknown_host",
            f"No {name} server named {host!r} can be found.",
            field=f"{protocol}_host",
        )
    if isinstance(exc, ConnectionRefusedError):
        return Reconnect(
            "connection_refused",
            f"{host} does not take {name} connections on port {port}.",
            field=f"{protocol}_port",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Reconnect(
            "bad_certificate",
            f"{host}'s TLS certificate cannot be trusted ({exc.verify_message}).",
            field=f"{protocol}_host",
        )
    if isinstance(exc, ssl.SSLError):
        hint = "STARTTLS or none" if security == "tls" else "TLS"
        return Reconnect(
            "tls_mismatch",
            f"{host}:{port} does not speak TLS the way chosen ({exc.reason or exc}); try {hint}.",
            field=f"{protocol}_security",
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return Retry(
            "timeout",
            f"{host}:{port} did not answer in time (a firewall, or the wrong port or security).",
            field=f"{protocol}_port",
        )
    return Retry(
        "unreachable", f"{host}:{port} cannot be reached ({_text(exc)}).", field=f"{protocol}_host"
    )


def _text(exc: BaseException) -> str:
    value = exc.args[0] if exc.args else exc
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")[:300]
    return str(value)[:300]

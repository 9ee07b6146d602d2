"""A real SMTP submission server for the tests: ``aiosmtpd`` speaking the protocol,
with STARTTLS and implicit TLS (SMTPS) from the test CA, AUTH PLAIN/LOGIN against a
table of users, a record of every message it accepted, and the faults of
:mod:`tests.fakes.faults` at MAIL, RCPT and DATA.

It behaves like the submission side of Gmail and Office 365 where that matters to a
client: AUTH is refused before TLS (``538``) unless told otherwise, a bad password is
``535``, and with ``sent_folder`` every accepted message is filed into the sender's
IMAP "Sent" folder (of :class:`tests.servers.imap.IMAPServer`), as those providers do,
so a client's Sent-folder lookup can be tested both ways.

Fault endpoints: ``smtp.mail``, ``smtp.rcpt``, ``smtp.data`` (mailbox: the AUTH user,
else the envelope sender). At DATA, ``accept_then_drop`` records the message and
closes the connection without the ``250``; ``accept_then_hang`` records it and holds
the ``250``; ``status(421)`` answers and closes. At MAIL and RCPT nothing is accepted,
so the ``accept_then_*`` kinds act as their ``*_before_accept`` twins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import threading
import time
import warnings
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self, cast

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.fakes.faults import (
    AcceptedMessage,
    Fault,
    FaultKind,
    FaultQueue,
    RecordedRequest,
    Recorder,
    normalize_message_id,
    parse_message,
)
from tests.fakes.tls import LocalCA, local_ca

if TYPE_CHECKING:
    from tests.servers.imap import IMAPServer

__all__ = ["SMTPServer", "running"]

_REPLIES = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.1 Mailbox unavailable, try again later",
    451: "4.3.0 Temporary server error. Please try again later",
    452: "4.5.3 Too many recipients",
    454: "4.7.0 Temporary authentication failure",
    550: "5.1.1 Mailbox unavailable",
    552: "5.3.4 Message size exceeds fixed maximum message size",
    554: "5.7.0 Transaction failed",
}
MAX_MESSAGE_BYTES = 35 * 1024 * 1024


class _Drop(Exception):
    """The connection was cut by a fault; nothing more is answered."""


class SMTPServer:
    """Two listeners on 127.0.0.1 — submission (plain, offering STARTTLS) and SMTPS —
    served by ``aiosmtpd`` on a background thread.

    Args:
        users: Login → password for AUTH.
        tls: The CA whose server certificate is presented (default :func:`local_ca`).
        starttls: Offer STARTTLS on the submission port.
        require_starttls: Refuse everything but EHLO/STARTTLS/QUIT before TLS (530).
        auth_required: Refuse MAIL before AUTH (530), as submission servers do.
        auth_without_tls: Allow AUTH over a plain connection (refused with 538 otherwise).
        max_recipients: RCPTs beyond this answer ``452 4.5.3``.
        sent_folder: When given, file each accepted message into the AUTH user's "Sent"
            folder of this IMAP server (the user must exist there with the same password).
        seed: Seeds the fault queue.
    """

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        *,
        tls: LocalCA | None = None,
        starttls: bool = True,
        require_starttls: bool = False,
        auth_required: bool = True,
        auth_without_tls: bool = False,
        max_recipients: int = 100,
        sent_folder: IMAPServer | None = None,
        seed: int = 0,
    ) -> None:
        self.users = dict(users or {"alice@example.com": "app-password"})
        self.tls = tls or local_ca()
        self.starttls, self.require_starttls = starttls, require_starttls
        self.auth_required, self.auth_without_tls = auth_required, auth_without_tls
        self.max_recipients = max_recipients
        self.sent_folder = sent_folder
        self.recorder = Recorder()
        self.faults = FaultQueue(seed)
        self.host = "127.0.0.1"
        self.port = self.tls_port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._stopping = threading.Event()

    @property
    def base_url(self) -> str:
        """``smtp://127.0.0.1:<port>`` (the submission port; SMTPS is :attr:`tls_port`)."""
        return f"smtp://{self.host}:{self.port}"

    def add_user(self, login: str, password: str) -> None:
        self.users[login] = password

    # ------------------------------------------------------------ aiosmtpd hooks

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(login) == password:
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:  # fmt: skip
        mailbox = session.auth_data if isinstance(session.auth_data, str) else address
        if (
            reply := await self._refusal(server, "smtp.mail", mailbox, f"FROM:{address}")
        ) is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:  # fmt: skip
        mailbox = session.auth_data if isinstance(session.auth_data, str) else envelope.mail_from
        if (
            reply := await self._refusal(server, "smtp.rcpt", mailbox, f"TO:{address}")
        ) is not None:
            return reply
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return f"452 {_REPLIES[452]}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        user = session.auth_data if isinstance(session.auth_data, str) else None
        mailbox = user or envelope.mail_from or ""
        fault = self.faults.take("smtp.data", mailbox)
        record = self._record("DATA", "", "smtp.data", mailbox, fault)
        try:
            if fault is not None and not fault.accepts:
                return await self._apply(server, fault, record)
            queue_id = await self._accept(user, mailbox, envelope)
            if fault is None or fault.kind is FaultKind.ACCEPT_THEN_HANG:
                if fault is not None:
                    await self._hold(fault.seconds)
                record.status = 250
                return f"250 2.0.0 OK queued as {queue_id}"
            if fault.kind is FaultKind.ACCEPT_THEN_STATUS:
                return await self._apply(server, fault, record)
            return await self._drop(server, record)
        except _Drop:
            await asyncio.sleep(3600)  # cancelled by aiosmtpd once the connection is gone
            raise

    # ------------------------------------------------------------ faults

    async def _refusal(
        self, server: SMTP, endpoint: str, mailbox: str | None, arg: str
    ) -> str | None:
        fault = self.faults.take(endpoint, mailbox)
        record = self._record(endpoint.split(".")[1].upper(), arg, endpoint, mailbox, fault)
        if fault is None:
            record.status = 250
            return None
        try:
            return await self._apply(server, fault, record)
        except _Drop:
            await asyncio.sleep(3600)
            raise

    async def _apply(self, server: SMTP, fault: Fault, record: RecordedRequest) -> str:
        kind = fault.kind
        if kind in (FaultKind.DROP_BEFORE_ACCEPT, FaultKind.ACCEPT_THEN_DROP):
            return await self._drop(server, record)
        if kind in (FaultKind.HANG_BEFORE_ACCEPT, FaultKind.ACCEPT_THEN_HANG):
            await self._hold(fault.seconds)
        code = fault.code or 451
        text = fault.body if isinstance(fault.body, str) else _REPLIES.get(code, "Error")
        record.status = code
        if code == 421:
            await server.push(f"421 {text}")
            if server.transport is not None:
                server.transport.close()
            raise _Drop
        return f"{code} {text}"

    async def _drop(self, server: SMTP, record: RecordedRequest) -> str:
        record.status = None
        if server.transport is not None:
            cast(asyncio.Transport, server.transport).abort()
        raise _Drop

    async def _hold(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    def _record(self, command: str, arg: str, endpoint: str, mailbox: str | None,
                fault: Fault | None) -> RecordedRequest:  # fmt: skip
        record = RecordedRequest(command, arg, "", {}, endpoint, mailbox, fault)
        self.recorder.record_request(record)
        return record

    async def _accept(self, user: str | None, mailbox: str, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = parse_message(raw)
        value = message.get("Message-ID")
        queue_id = secrets.token_hex(6).upper()
        self.recorder.record_accepted(AcceptedMessage(
            "smtp", mailbox, normalize_message_id(str(value)) if value else None,
            tuple(envelope.rcpt_tos), message, raw, queue_id, envelope.mail_from,
        ))  # fmt: skip
        if self.sent_folder is not None and user is not None:
            await asyncio.to_thread(self.sent_folder.append, user, "Sent", raw, r"(\Seen)")
        return queue_id

    # ------------------------------------------------------------ lifecycle

    def _factory(self, *, implicit_tls: bool) -> SMTP:
        with warnings.catch_warnings():
            # "Requiring AUTH while not requiring TLS": on the SMTPS port TLS comes first.
            warnings.simplefilter("ignore", UserWarning)
            protocol = self._protocol(implicit_tls=implicit_tls)
        self._sessions.add(protocol)
        return protocol

    def _protocol(self, *, implicit_tls: bool) -> SMTP:
        return SMTP(
            self,
            hostname="smtp.salesos.test",
            data_size_limit=MAX_MESSAGE_BYTES,
            tls_context=None if implicit_tls or not self.starttls else self.tls.server_context(),
            require_starttls=self.require_starttls and not implicit_tls,
            auth_required=self.auth_required,
            # On the SMTPS port the connection is TLS from the start.
            auth_require_tls=not (implicit_tls or self.auth_without_tls),
            authenticator=self._authenticate,
            loop=self._loop,
        )

    def start(self) -> None:
        """Starts both listeners on free loopback ports (returns once they listen)."""
        logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's chatter
        # IPPROTO_TCP, so that asyncio sets TCP_NODELAY on the accepted sockets.
        tcp = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        plain, implicit = (socket.socket(*tcp) for _ in range(2))
        for sock in (plain, implicit):
            sock.bind((self.host, 0))
        self.port, self.tls_port = plain.getsockname()[1], implicit.getsockname()[1]
        ready = threading.Event()
        self._stopping.clear()

        async def serve() -> None:
            self._loop = loop = asyncio.get_running_loop()
            self._servers = [
                await loop.create_server(lambda: self._factory(implicit_tls=False), sock=plain),
                await loop.create_server(
                    lambda: self._factory(implicit_tls=True),
                    sock=implicit,
                    ssl=self.tls.server_context(),
                ),
            ]
            ready.set()
            while not self._stopping.is_set():
                await asyncio.sleep(0.05)
            for server in self._servers:
                server.close()
            for protocol in list(self._sessions):
                if protocol.transport is not None:
                    cast(asyncio.Transport, protocol.transport).abort()

        self._thread = threading.Thread(
            target=asyncio.run, args=(serve(),), name="smtp", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMTP server did not start")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Self]:
        """The async form of ``with server:`` (starts and stops off the event loop)."""
        await asyncio.to_thread(self.start)
        try:
            yield self
        finally:
            await asyncio.to_thread(self.stop)


@contextlib.contextmanager
def running(users: Mapping[str, str] | None = None, **options: Any) -> Iterator[SMTPServer]:
    """Serves the SMTP server for the ``with`` block (``options`` as :class:`SMTPServer`).

    Yields:
        The server (``.host``, ``.port``, ``.tls_port``, ``.recorder``, ``.faults``).
    """
    with SMTPServer(users, **options) as server:
        yield server

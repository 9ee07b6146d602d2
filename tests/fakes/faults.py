"""Faults, the recorder, and the loopback HTTP server every fake runs on.

A fault suite needs three things from a fake provider: a way to make it fail in
each of the ways a real one does, a count of what it *really* accepted, and real
sockets so that a dropped connection or a withheld answer is what the client sees.

- :class:`Fault` and its constructors (:func:`status`, :func:`accept_then_status`,
  :func:`accept_then_hang`, :func:`accept_then_drop`, :func:`hang_before_accept`,
  :func:`drop_before_accept`) say what goes wrong and whether the provider had
  stored/sent the message first (the ambiguous cases).
- :class:`FaultQueue` holds them per endpoint and optionally per mailbox, as queues
  or as a seeded probability; the fakes and the SMTP server take from it.
- :class:`Recorder` keeps every request and every message the provider accepted,
  keyed by ``Message-ID``, so a test asserts no duplicates and nothing lost.
- :class:`HTTPFake` is the base of the HTTP fakes: a FastAPI app served by uvicorn
  on ``127.0.0.1`` in a background thread (optionally over TLS), whose protocol
  lets a fault abort the TCP connection, and :meth:`HTTPFake.exchange` which applies
  the next fault around the part of an endpoint that accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any, Self, cast

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from tests.fakes.tls import LocalCA, local_ca

__all__ = [
    "AcceptedMessage", "Fault", "FaultKind", "FaultQueue", "HTTPFake", "RecordedRequest",
    "Recorder", "Reply", "Tally", "accept_then_drop", "accept_then_hang",
    "accept_then_status", "addresses", "drop_before_accept", "hang_before_accept",
    "normalize_message_id", "parse_message", "random_faults", "referenced_ids", "status",
]  # fmt: skip


class FaultKind(enum.Enum):
    """What goes wrong, and whether the provider had accepted the message first."""

    STATUS = "status"
    ACCEPT_THEN_STATUS = "accept_then_status"
    ACCEPT_THEN_HANG = "accept_then_hang"
    ACCEPT_THEN_DROP = "accept_then_drop"
    HANG_BEFORE_ACCEPT = "hang_before_accept"
    DROP_BEFORE_ACCEPT = "drop_before_accept"


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    Attributes:
        kind: What happens.
        code: The status answered (HTTP status, or SMTP reply code); ``None`` where
            nothing is answered (a drop) or the provider's default applies.
        body: Replaces the provider's documented body for ``code`` (a JSON value for
            the HTTP fakes, the reply text for SMTP).
        retry_after: Seconds sent as ``Retry-After`` (HTTP only).
        seconds: How long a hang withholds the answer.
    """

    kind: FaultKind
    code: int | None = None
    body: Any = None
    retry_after: float | None = None
    seconds: float = 0.0

    @property
    def accepts(self) -> bool:
        """Whether the provider stores/sends the message before failing."""
        return self.kind in _ACCEPTING


_ACCEPTING = frozenset(
    {FaultKind.ACCEPT_THEN_STATUS, FaultKind.ACCEPT_THEN_HANG, FaultKind.ACCEPT_THEN_DROP}
)


def status(code: int, body: Any = None, retry_after: float | None = None) -> Fault:
    """The provider refuses with ``code`` before accepting; nothing is stored."""
    return Fault(FaultKind.STATUS, code, body, retry_after)


def accept_then_status(code: int, body: Any = None, retry_after: float | None = None) -> Fault:
    """The message IS stored/sent, then ``code`` is answered (the ambiguous case)."""
    return Fault(FaultKind.ACCEPT_THEN_STATUS, code, body, retry_after)


def accept_then_hang(seconds: float) -> Fault:
    """The message is stored, then the answer is withheld for ``seconds``
    (longer than the client's time-out), then the real answer is sent."""
    return Fault(FaultKind.ACCEPT_THEN_HANG, seconds=seconds)


def accept_then_drop() -> Fault:
    """The message is stored, then the TCP connection is aborted with no answer."""
    return Fault(FaultKind.ACCEPT_THEN_DROP)


def hang_before_accept(seconds: float, code: int | None = None) -> Fault:
    """Nothing is stored; the answer is withheld for ``seconds``, then ``code`` (the
    provider's gateway time-out when ``None``: HTTP 504, SMTP 451) is answered."""
    return Fault(FaultKind.HANG_BEFORE_ACCEPT, code, seconds=seconds)


def drop_before_accept() -> Fault:
    """Nothing is stored; the TCP connection is aborted with no answer."""
    return Fault(FaultKind.DROP_BEFORE_ACCEPT)


def random_faults(count: int, choices: Sequence[Fault], *, seed: int) -> list[Fault]:
    """``count`` faults drawn from ``choices`` by ``random.Random(seed)``: the same seed
    gives the same list, so a failing fault suite can be replayed."""
    return random.Random(seed).choices(choices, k=count)


_Key = tuple[str, str | None]


class FaultQueue:
    """Faults waiting per endpoint (``"gmail.send"``, ``"smtp.data"``, …), optionally
    per mailbox; ``"*"`` as the endpoint matches every endpoint.

    :meth:`take` looks, in order, at the queue for (endpoint, mailbox), for
    (endpoint, any mailbox), for ("*", mailbox), for ("*", any), then at the
    probabilities set with :meth:`set_rate` in the same order. Thread-safe: the fakes
    take from their server thread while a test pushes from its own.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queues: dict[_Key, deque[Fault]] = {}
        self._rates: dict[_Key, tuple[float, tuple[Fault, ...]]] = {}
        self._random = random.Random(seed)
        self.injected: Counter[tuple[str, FaultKind]] = Counter()
        """How many faults of each kind were applied per endpoint."""

    def push(self, endpoint: str, *faults: Fault, mailbox: str | None = None) -> None:
        """Queues ``faults`` (applied one per request, in order)."""
        with self._lock:
            self._queues.setdefault((endpoint, _fold(mailbox)), deque()).extend(faults)

    def set_rate(
        self,
        endpoint: str,
        probability: float,
        choices: Sequence[Fault],
        *,
        mailbox: str | None = None,
    ) -> None:
        """Each request (with no queued fault) fails with ``probability``, with a fault
        drawn from ``choices`` by the queue's seeded generator; 0 removes the rate."""
        with self._lock:
            if probability <= 0:
                self._rates.pop((endpoint, _fold(mailbox)), None)
            else:
                self._rates[(endpoint, _fold(mailbox))] = (probability, tuple(choices))

    def take(self, endpoint: str, mailbox: str | None = None) -> Fault | None:
        """Returns:
        The fault to apply to this request, or ``None``."""
        keys = _keys(endpoint, _fold(mailbox))
        with self._lock:
            fault = None
            for key in keys:
                queue = self._queues.get(key)
                if queue:
                    fault = queue.popleft()
                    break
            else:
                for key in keys:
                    if key in self._rates:
                        probability, choices = self._rates[key]
                        if self._random.random() < probability:
                            fault = self._random.choice(choices)
                        break
            if fault is not None:
                self.injected[(endpoint, fault.kind)] += 1
            return fault

    def pending(self) -> int:
        """Returns:
        How many queued faults are still waiting."""
        with self._lock:
            return sum(len(queue) for queue in self._queues.values())

    def total_injected(self) -> int:
        """Returns:
        How many faults were applied so far."""
        with self._lock:
            return sum(self.injected.values())

    def clear(self) -> None:
        """Drops every queued fault and rate (the injected counts stay)."""
        with self._lock:
            self._queues.clear()
            self._rates.clear()


def _fold(mailbox: str | None) -> str | None:
    return mailbox.lower() if mailbox else None


def _keys(endpoint: str, mailbox: str | None) -> list[_Key]:
    keys: list[_Key] = []
    for name in (endpoint, "*"):
        if mailbox is not None:
            keys.append((name, mailbox))
        keys.append((name, None))
    return keys


# ---------------------------------------------------------------- the recorder


@dataclass
class RecordedRequest:
    """One request as the provider saw it (the HTTP fakes; SMTP records commands)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    endpoint: str | None = None
    mailbox: str | None = None
    fault: Fault | None = None
    status: int | None = None
    """The status answered; ``None`` when the connection was dropped unanswered."""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class AcceptedMessage:
    """A message the provider really accepted (stored, sent, or queued for delivery)."""

    provider: str
    mailbox: str
    message_id: str | None
    recipients: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    provider_id: str | None = None
    """The provider's own id (Gmail message id, Graph message id, SMTP queue id)."""
    sender: str | None = None
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Tally:
    """Accepted messages compared with the ones a test expected exactly once."""

    lost: frozenset[str]
    duplicated: dict[str, int]
    unexpected: frozenset[str]

    @property
    def exact(self) -> bool:
        """Nothing lost, duplicated, or unexpected."""
        return not (self.lost or self.duplicated or self.unexpected)


class Recorder:
    """Everything a fake received and accepted. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.accepted: list[AcceptedMessage] = []

    def record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def record_accepted(self, message: AcceptedMessage) -> None:
        with self._lock:
            self.accepted.append(message)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """Returns:
        The requests that reached ``endpoint``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def counts(self) -> Counter[str]:
        """Returns:
        How many times each ``Message-ID`` was accepted."""
        with self._lock:
            return Counter(m.message_id for m in self.accepted if m.message_id)

    def count(self, message_id: str) -> int:
        """Returns:
        How many times the message with ``message_id`` was accepted."""
        return self.counts()[normalize_message_id(message_id)]

    def duplicates(self) -> dict[str, int]:
        """Returns:
        The ``Message-ID`` of each message accepted more than once, with its count."""
        return {mid: n for mid, n in self.counts().items() if n > 1}

    def tally(self, expected: Iterable[str]) -> Tally:
        """Compares what was accepted with ``expected`` (each exactly once)."""
        counts = self.counts()
        wanted = {normalize_message_id(m) for m in expected}
        return Tally(
            lost=frozenset(wanted - counts.keys()),
            duplicated={m: n for m, n in counts.items() if n > 1},
            unexpected=frozenset(counts.keys() - wanted),
        )

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.accepted.clear()


# ---------------------------------------------------------------- messages

_PARSER = BytesParser(policy=policy.default)
_ANGLE = re.compile(r"<[^<>\s]+>")


def parse_message(raw: bytes) -> EmailMessage:
    """Parses an RFC 5322 message with the stdlib's modern policy."""
    return _PARSER.parsebytes(raw)


def normalize_message_id(value: str) -> str:
    """``abc@host`` and ``<abc@host>`` (with any surrounding blanks) both become
    ``<abc@host>``."""
    value = value.strip()
    return value if value.startswith("<") else f"<{value}>"


def addresses(message: EmailMessage, *fields: str) -> list[str]:
    """Returns:
    The lower-cased addresses in the header ``fields`` of ``message``."""
    values = [str(v) for name in fields for v in message.get_all(name, [])]
    return [addr.lower() for _, addr in getaddresses(values) if addr]


def referenced_ids(message: EmailMessage) -> list[str]:
    """Returns:
    The message ids named by ``In-Reply-To`` and ``References``."""
    found: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in message.get_all(name, []):
            found.extend(_ANGLE.findall(str(value)))
    return found


# ---------------------------------------------------------------- the HTTP server


class Reply(Exception):
    """Raised inside an endpoint to answer ``response`` at once (a documented error)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class _NoResponse(Response):
    """Sends nothing: the connection is already gone."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


class HTTPFake:
    """Base of the HTTP fakes: serving, recording, faults and per-mailbox concurrency.

    Subclasses build ``self.app`` (routes) and implement :meth:`fault_response`.
    Use as a context manager (starts and stops the server thread) or through the
    module's ``running(...)``.

    Args:
        tls: Serve HTTPS with the test CA (``True`` uses :func:`local_ca`).
        seed: Seeds the fault queue's generator.
        max_concurrent: Requests in flight per mailbox beyond which
            :meth:`concurrency_response` is answered (``None``: unlimited).
    """

    name = "fake"

    def __init__(
        self, *, tls: bool | LocalCA = False, seed: int = 0, max_concurrent: int | None = None
    ) -> None:
        self.tls: LocalCA | None = local_ca() if tls is True else (tls or None)
        self.recorder = Recorder()
        self.faults = FaultQueue(seed)
        self.max_concurrent = max_concurrent
        self.lock = threading.RLock()
        self.app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        self.app.add_exception_handler(Reply, _reply_handler)
        self.app.add_middleware(_RecordingMiddleware, recorder=self.recorder)
        self._in_flight: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._connections: dict[tuple[str, int], asyncio.Transport] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:<port>`` (no trailing slash)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_bundle(self) -> str | None:
        """The CA file clients must trust, when serving HTTPS."""
        return str(self.tls.ca_bundle) if self.tls else None

    def fault_response(self, fault: Fault, default_code: int) -> Response:
        """The provider's documented answer for ``fault.code`` (or ``default_code``)."""
        raise NotImplementedError

    def concurrency_response(self) -> Response:
        """The provider's answer to one request too many in flight for a mailbox."""
        return self.fault_response(status(429, retry_after=1), 429)

    async def exchange(
        self,
        request: Request,
        endpoint: str,
        mailbox: str,
        accept: Callable[[], Response],
        *,
        concurrency_limited: bool = True,
    ) -> Response:
        """Runs ``accept`` (the part that stores; called under :attr:`lock`) with the
        next fault for (endpoint, mailbox) applied around it; requests in flight count
        against :attr:`max_concurrent` unless ``concurrency_limited`` is false.

        Returns:
            What to answer (a :class:`_NoResponse` once the connection is dropped).
        """
        record: RecordedRequest | None = request.scope.get("salesos.record")
        if record is not None:
            record.endpoint, record.mailbox = endpoint, mailbox
        key = mailbox.lower()
        with self.lock:
            self._in_flight[key] += 1
            limit = self.max_concurrent if concurrency_limited else None
            over = limit is not None and self._in_flight[key] > limit
        try:
            if over:
                return self.concurrency_response()
            fault = self.faults.take(endpoint, mailbox)
            if record is not None:
                record.fault = fault
            if fault is None:
                with self.lock:
                    return accept()
            kind = fault.kind
            if kind is FaultKind.STATUS:
                return self.fault_response(fault, 503)
            if kind is FaultKind.HANG_BEFORE_ACCEPT:
                await self._hold(fault.seconds)
                return self.fault_response(fault, 504)
            if kind is FaultKind.DROP_BEFORE_ACCEPT:
                return await self._drop(request)
            with self.lock:
                response = accept()
            if kind is FaultKind.ACCEPT_THEN_STATUS:
                return self.fault_response(fault, 500)
            if kind is FaultKind.ACCEPT_THEN_HANG:
                await self._hold(fault.seconds)
                return response
            return await self._drop(request)
        finally:
            with self.lock:
                self._in_flight[key] -= 1

    async def _hold(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _drop(self, request: Request) -> Response:
        client = request.scope.get("client")
        transport = self._connections.get((client[0], client[1])) if client else None
        if transport is not None:
            transport.abort()
        record: RecordedRequest | None = request.scope.get("salesos.record")
        if record is not None:
            record.status = None
        # Let uvicorn see the connection go first, so it sends nothing of its own.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1):
                while (await request.receive())["type"] != "http.disconnect":
                    pass
        return _NoResponse()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Starts serving on a free loopback port (returns once it listens)."""
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when
        # their proto says TCP, and without it every response waits ~40 ms (Nagle and
        # delayed ACKs).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=_tracking_protocol(self._connections),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
            ssl_certfile=str(self.tls.cert_chain) if self.tls else None,
            ssl_keyfile=str(self.tls.private_key) if self.tls else None,
        )
        self._stopping.clear()
        self._server = server = uvicorn.Server(config)

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await server.serve(sockets=[sock])

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), name=self.name)
        self._thread.daemon = True
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stops serving (withheld answers are cut short)."""
        self._stopping.set()
        if self._server is not None and self._thread is not None and self._loop is not None:
            self._server.should_exit = True
            # Idle keep-alive connections (a TLS one waits for the peer's close_notify)
            # would hold the shutdown for its whole grace period: cut them.
            self._loop.call_soon_threadsafe(self._abort_connections)
            self._thread.join(10)
        self._server = self._thread = self._loop = None

    def _abort_connections(self) -> None:
        for transport in list(self._connections.values()):
            transport.abort()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Self]:
        """The async form of ``with fake:`` (starts and stops off the event loop)."""
        await asyncio.to_thread(self.start)
        try:
            yield self
        finally:
            await asyncio.to_thread(self.stop)


async def _reply_handler(request: Request, exc: Exception) -> Response:
    return cast(Reply, exc).response


class _RecordingMiddleware:
    """Records every request and the status answered (pure ASGI: streams untouched)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], recorder: Recorder):
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        record = RecordedRequest(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers
        )
        scope["salesos.record"] = record
        self.recorder.record_request(record)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)

        await self.app(scope, receive, recording_send)


def _tracking_protocol(registry: dict[tuple[str, int], asyncio.Transport]) -> type[H11Protocol]:
    """uvicorn's h11 protocol, keeping each connection's transport by client address
    so that a fault can abort the very connection a request came on."""

    class TrackingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(cast(asyncio.Transport, transport))
            if self.client:
                registry[(self.client[0], self.client[1])] = cast(asyncio.Transport, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client:
                registry.pop((self.client[0], self.client[1]), None)
            super().connection_lost(exc)

    return TrackingH11Protocol

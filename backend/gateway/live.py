"""``GET /api/v1/live``: a Server-Sent Events stream of record changes, per user.

Fed by a group-less listener on the consumer runner in each gateway process: every
gateway reads every change of the contexts' live topics (no consumer group, from the
newest on) and hands each one to the open streams of the event's tenant only. A
stream carries what changed, never the record itself:

    event: change
    id: <event id>
    data: {"type": "crm.account.updated", "kind": "account", "id": "<record id>",
           "version": 4, "origin": "<request id of the change>",
           "at": "2026-11-26T01:00:00+00:00"}

The desktop fetches the record again through the API, which applies the user's
access rules. A slow reader whose queue fills gets ``event: resync`` (reload what
you show) instead of an unbounded backlog. A comment line every 15 s keeps proxies
from closing an idle stream; the stream ends when the access token expires, and the
client reconnects with a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from backend.kit.security import Principal
from backend.kit.settings import Settings
from backend.messaging.consumers import ConsumerRunner, Listener
from backend.messaging.envelope import Envelope
from backend.messaging.topics import Topic

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 500


@dataclass(eq=False)
class Subscriber:
    """One open stream: its user, what that user may read, and its queue of frames.

    Attributes:
        reach: The owners whose records the user may read (``None``: every owner).
    """

    customer_id: uuid.UUID
    user_id: uuid.UUID
    reach: frozenset[str] | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False
    closed: bool = False

    def may_see(self, event: Envelope) -> bool:
        """Only changes to records the user may read. An event names the owner whose
        reach governs it (``owner_id``, and ``previous_owner_id`` when it changed
        hands, so the old owner sees it leave); one naming no owner goes to users who
        read everything."""
        if self.reach is None:
            return True
        owners = {event.payload.get("owner_id"), event.payload.get("previous_owner_id")}
        return bool(self.reach & {str(o) for o in owners if o})

    def offer(self, frame: str) -> None:
        if self.overflowed or self.closed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True

    def close(self) -> None:
        """End the stream at once (the server is stopping)."""
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait("")  # wakes the reader


def change_frame(event: Envelope) -> str:
    """The SSE frame of one change: what changed, never the record itself."""
    version = event.payload.get("version")
    change = {
        "type": event.type,
        "kind": event.aggregate_type,
        "id": event.aggregate_id,
        "version": version if isinstance(version, int) else None,
        "origin": event.origin,
        "at": event.occurred_at.isoformat(),
    }
    return f"event: change\nid: {event.id}\ndata: {json.dumps(change)}\n\n"


class LiveFeed:
    """One group-less listener per gateway process (on the consumer runner), started
    with the first stream; it hands each change to the open streams of its tenant.

    Args:
        topics: What a desktop follows (the contexts' ``live_topics``).
    """

    def __init__(self, bootstrap_servers: str, settings: Settings, topics: Sequence[Topic]) -> None:
        self._runner = ConsumerRunner(None, bootstrap_servers, settings)
        self._listener = Listener("live-feed", tuple(t.name for t in topics), self._dispatch)
        self._subscribers: dict[uuid.UUID, set[Subscriber]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self.delivered = 0
        self.closing = False

    async def subscribe(
        self, customer_id: uuid.UUID, user_id: uuid.UUID, reach: frozenset[uuid.UUID] | None
    ) -> Subscriber:
        """A new stream of the changes ``user_id`` may read (the feed starts if needed)."""
        if self._task is None or self._task.done():
            self._ready, self._stop = asyncio.Event(), asyncio.Event()
            self._task = asyncio.create_task(
                self._runner.listen(self._listener, self._stop, self._ready), name="live-feed"
            )
        subscriber = Subscriber(customer_id, user_id, _as_text(reach))
        if self.closing:
            subscriber.close()
        self._subscribers.setdefault(customer_id, set()).add(subscriber)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 10)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        group = self._subscribers.get(subscriber.customer_id)
        if group is not None:
            group.discard(subscriber)
            if not group:
                del self._subscribers[subscriber.customer_id]

    @property
    def streams(self) -> int:
        return sum(len(group) for group in self._subscribers.values())

    def end_streams(self) -> None:
        """The server is stopping: end every open stream now (clients reconnect) and
        refuse new ones, so a graceful shutdown does not wait on them."""
        self.closing = True
        for group in self._subscribers.values():
            for subscriber in group:
                subscriber.close()

    async def close(self) -> None:
        self.end_streams()
        if self._task is not None:
            self._stop.set()
            try:
                await asyncio.wait_for(self._task, 10)
            except (TimeoutError, Exception):
                self._task.cancel()
                with contextlib.suppress(BaseException):
                    await self._task
            self._task = None

    def _dispatch(self, event: Envelope) -> None:
        if event.customer_id is None:
            return
        group = self._subscribers.get(event.customer_id)
        if not group:
            return
        frame = change_frame(event)
        for subscriber in group:
            if subscriber.may_see(event):
                subscriber.offer(frame)
        self.delivered += 1


def _as_text(reach: frozenset[uuid.UUID] | None) -> frozenset[str] | None:
    return None if reach is None else frozenset(str(u) for u in reach)


SESSION_CHECK_SECONDS = 1.0
"""How often a stream asks whether its session still holds (cached, and dropped at
once when auth says a session ended): a stream ends within about this long of a
sign-out, a password change or a deactivation."""

REACH_REFRESH_SECONDS = 60.0
"""How often a stream asks again whose records its user may read (a new team member)."""


@dataclass(frozen=True)
class StreamAccess:
    """What a stream needs to check its user, again and again while it is open.

    Attributes:
        session_live: Whether the user's session still holds.
        reach: The owners the user may read records of (``None``: all).
    """

    principal: Principal
    expires_at: float
    session_live: Callable[[], Awaitable[bool]]
    reach: Callable[[], Awaitable[frozenset[uuid.UUID] | None]]


async def stream(feed: LiveFeed, access: StreamAccess) -> AsyncIterator[str]:
    """The frames of one user's stream, until the token expires, the session ends, the
    server stops or the client leaves."""
    principal = access.principal
    subscriber = await feed.subscribe(
        principal.customer_id, principal.user_id, await access.reach()
    )
    checked = reached = sent = time.monotonic()
    try:
        yield "retry: 2000\n: connected\n\n"
        while True:
            left = access.expires_at - time.time()
            if left <= 0:
                yield "event: expired\ndata: {}\n\n"
                return
            if subscriber.closed:
                yield "event: closing\ndata: {}\n\n"
                return
            now = time.monotonic()
            if now - checked >= SESSION_CHECK_SECONDS:
                checked = now
                if not await access.session_live():
                    yield "event: ended\ndata: {}\n\n"
                    return
            if now - reached >= REACH_REFRESH_SECONDS:
                reached = now
                subscriber.reach = _as_text(await access.reach())
            if subscriber.overflowed:
                subscriber.overflowed = False
                while not subscriber.queue.empty():
                    subscriber.queue.get_nowait()
                yield "event: resync\ndata: {}\n\n"
                continue
            wait = min(HEARTBEAT_SECONDS, left, SESSION_CHECK_SECONDS)
            try:
                frame = await asyncio.wait_for(subscriber.queue.get(), wait)
            except TimeoutError:
                if time.monotonic() - sent >= HEARTBEAT_SECONDS:
                    sent = time.monotonic()
                    yield ": keep-alive\n\n"
                continue
            if frame:
                sent = time.monotonic()
                yield frame
    finally:
        feed.unsubscribe(subscriber)

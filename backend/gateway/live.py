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
from collections.abc import AsyncIterator, Sequence
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
    customer_id: uuid.UUID
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False

    def offer(self, frame: str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True


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

    async def subscribe(self, customer_id: uuid.UUID) -> Subscriber:
        """A new stream of ``customer_id``'s changes (the feed starts if needed)."""
        if self._task is None or self._task.done():
            self._ready, self._stop = asyncio.Event(), asyncio.Event()
            self._task = asyncio.create_task(
                self._runner.listen(self._listener, self._stop, self._ready), name="live-feed"
            )
        subscriber = Subscriber(customer_id)
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

    async def close(self) -> None:
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
            subscriber.offer(frame)
        self.delivered += 1


async def stream(feed: LiveFeed, principal: Principal, expires_at: float) -> AsyncIterator[str]:
    """The frames of one user's stream, until the token expires or the client leaves."""
    subscriber = await feed.subscribe(principal.customer_id)
    try:
        yield "retry: 2000\n: connected\n\n"
        while True:
            left = expires_at - time.time()
            if left <= 0:
                yield "event: expired\ndata: {}\n\n"
                return
            if subscriber.overflowed:
                subscriber.overflowed = False
                while not subscriber.queue.empty():
                    subscriber.queue.get_nowait()
                yield "event: resync\ndata: {}\n\n"
                continue
            try:
                frame = await asyncio.wait_for(subscriber.queue.get(), min(HEARTBEAT_SECONDS, left))
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield frame
    finally:
        feed.unsubscribe(subscriber)

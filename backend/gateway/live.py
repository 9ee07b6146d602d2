"""``GET /api/v1/live``: a Server-Sent Events stream of record changes, per user.

Fed by a consumer in the gateway process: every gateway reads every change (no
consumer group, newest first), and hands each one to the open streams of the
event's tenant only. A stream carries what changed, never the record itself:

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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from backend.kit.security import Principal
from backend.messaging import topics

log = logging.getLogger(__name__)

LIVE_TOPICS: tuple[str, ...] = (
    topics.CRM_ACCOUNTS.name,
    topics.CRM_CONTACTS.name,
    topics.CRM_OPPORTUNITIES.name,
)
"""What a desktop shows and can be changed elsewhere."""

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


class LiveFeed:
    """One consumer per gateway process, started with the first stream."""

    def __init__(self, bootstrap_servers: str, topic_names: tuple[str, ...] = LIVE_TOPICS) -> None:
        self._servers = bootstrap_servers
        self._topics = topic_names
        self._subscribers: dict[uuid.UUID, set[Subscriber]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.delivered = 0

    async def subscribe(self, customer_id: uuid.UUID) -> Subscriber:
        """A new stream of ``customer_id``'s changes (the feed starts if needed)."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="live-feed")
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
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            consumer = AIOKafkaConsumer(
                *self._topics,
                bootstrap_servers=self._servers,
                group_id=None,
                auto_offset_reset="latest",
                enable_auto_commit=False,
                fetch_max_wait_ms=50,
                metadata_max_age_ms=5_000,
            )
            try:
                await consumer.start()
                # Pin "latest" now, so changes made from here on are all delivered.
                await consumer.seek_to_end()
                self._ready.set()
                failures = 0
                while True:
                    batches = await consumer.getmany(timeout_ms=1_000, max_records=500)
                    for records in batches.values():
                        for record in records:
                            self._dispatch(record.value, dict(record.headers or ()))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("live feed: broker unavailable (%s); retrying", exc)
                await asyncio.sleep(min(5.0, 0.2 * 2**failures))
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 5)

    def _dispatch(self, value: bytes, headers: dict[str, bytes]) -> None:
        customer = headers.get("customer_id")
        if not customer:
            return
        try:
            group = self._subscribers.get(uuid.UUID(customer.decode()))
        except ValueError:
            return
        if not group:
            return
        try:
            event = json.loads(value)
        except ValueError:
            return
        payload = event.get("payload") or {}
        change = {
            "type": event.get("type"),
            "kind": event.get("aggregate_type"),
            "id": event.get("aggregate_id"),
            "version": payload.get("version"),
            "origin": (event.get("headers") or {}).get("request_id"),
            "at": event.get("occurred_at"),
        }
        frame = f"event: change\nid: {event.get('id')}\ndata: {json.dumps(change)}\n\n"
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

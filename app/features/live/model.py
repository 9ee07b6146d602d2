"""Keeps the desktop told of changes made elsewhere, for as long as it is signed in."""

from __future__ import annotations

import asyncio
import logging
import random

import httpx

from app.api.client import GatewayClient
from app.api.errors import ApiError, SessionEndedError
from app.api.live import CLOSING, ENDED, EXPIRED, RESYNC, Change, live_changes
from app.ops import Operations
from app.qt.core import QObject, Signal

log = logging.getLogger(__name__)

MAX_BACKOFF = 15.0


class LiveChanges(QObject):
    """Listens to ``/api/v1/live`` and re-emits what it hears on the UI thread.

    Reconnects by itself (backoff with jitter up to 15 s) when the server or the
    network goes away, and at once when the stream's token expires. Changes made
    while the stream was broken are lost, so a reconnection after a break also
    says :attr:`resync`.

    Args:
        client: The signed-in client.
        ops: Where the listening runs.
        parent: The parent object.

    Signals:
        changed(object): A :class:`~app.api.live.Change`.
        resync(): Changes were dropped: reload what is shown.
        connected_changed(bool): The stream opened or broke.
        stopped(): :meth:`stop` was called (the window signs out or closes): what
            listens should stop working on what it heard.
    """

    changed = Signal(object)
    resync = Signal()
    connected_changed = Signal(bool)
    stopped = Signal()

    def __init__(
        self, client: GatewayClient, ops: Operations, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._ops = ops
        self._task: asyncio.Task[None] | None = None
        self.connected = False

    def start(self) -> None:
        """Start listening (again)."""
        if self._task is None or self._task.done():
            self._task = self._ops.run(self._listen(), name="live-changes")

    def stop(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._set_connected(False)
        self.stopped.emit()

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.connected_changed.emit(connected)

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async for item in live_changes(self._client):
                    self._set_connected(True)
                    if failures:  # back after a break: what happened meanwhile was missed
                        failures = 0
                        self.resync.emit()
                    if item == RESYNC:
                        self.resync.emit()
                    elif item in (EXPIRED, ENDED):
                        break  # connecting again refreshes the token, or finds the session over
                    elif item == CLOSING:
                        failures += 1  # the server restarts: wait a little, then reload
                        break
                    elif isinstance(item, Change):
                        self.changed.emit(item)
            except SessionEndedError:
                self._set_connected(False)
                return  # signed out: the shell takes it from here
            except (httpx.HTTPError, ApiError, ValueError, KeyError) as exc:
                failures += 1
                log.info("live stream interrupted (%s); reconnecting", exc)
            self._set_connected(False)
            delay = min(MAX_BACKOFF, 0.5 * 2**failures) if failures else 0.0
            if delay:
                await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311 (jitter)

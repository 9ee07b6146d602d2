"""The live stream of record changes (``GET /api/v1/live``, Server-Sent Events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.api.client import GatewayClient

LIVE_PATH = "/api/v1/live"


@dataclass(frozen=True)
class Change:
    """A record changed somewhere (another user, another window, a sync).

    Attributes:
        type: The event, e.g. ``"crm.account.updated"``.
        kind: ``"account"``, ``"contact"``, ``"opportunity"``, ...
        id: The record's id.
    """

    type: str
    kind: str
    id: str

    @property
    def deleted(self) -> bool:
        return self.type.endswith(".deleted")

    @property
    def created(self) -> bool:
        return self.type.endswith((".created", ".restored"))


RESYNC = "resync"
"""The server dropped changes for this stream: reload what is shown."""

CONNECTED = "connected"
"""The stream is open: changes from now on will come."""

EXPIRED = "expired"
"""The stream's token expired: connect again (with a fresh one)."""


async def live_changes(client: GatewayClient) -> AsyncIterator[Change | str]:
    """The changes of the signed-in user's company as they happen; first yields
    :data:`CONNECTED`, then also :data:`RESYNC` and :data:`EXPIRED`. Ends when the
    server ends the stream."""
    async with client.stream(LIVE_PATH) as response:
        yield CONNECTED
        event, data = "message", ""
        async for line in response.aiter_lines():
            if line == "":
                if event == "change" and data:
                    body = json.loads(data)
                    yield Change(str(body["type"]), str(body["kind"]), str(body["id"]))
                elif event in (RESYNC, EXPIRED):
                    yield event
                event, data = "message", ""
            elif line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data += line.removeprefix("data:").strip()

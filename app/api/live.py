"""The live stream of record changes (``GET /api/v1/live``, Server-Sent Events), and how
to tell news from echoes.

A frame says *which* record changed, not how::

    event: change
    data: {"type": "crm.account.updated", "kind": "account", "id": "…",
           "version": 4, "origin": "<X-Request-Id of the change>", "at": "…"}

``version`` is the record's version after the change (what its ETag names) and
``origin`` the request that made it. Every write of this client carries a request
id of its own (:attr:`~app.api.client.GatewayClient.origin`), so :class:`Echoes`
can tell a screen that keeps a copy of a record whether a change is news to it:
not this client's own change coming back, and newer than the copy it shows. The
board, the record lists and the editor all ask it; nothing else decides.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from app.api.client import GatewayClient

LIVE_PATH = "/api/v1/live"

RESYNC = "resync"
"""The server dropped changes for this stream: reload what is shown."""

CONNECTED = "connected"
"""The stream is open: changes from now on will come."""

EXPIRED = "expired"
"""The stream's token expired: connect again (with a fresh one)."""

CLOSING = "closing"
"""The server is stopping (a restart): connect again in a moment; reload after."""

ENDED = "ended"
"""The session ended (signed out, password changed, deactivated)."""


@dataclass(frozen=True)
class Change:
    """A record changed (by another user, another device, a sync, or this client).

    Attributes:
        type: The event, e.g. ``"crm.account.updated"``.
        kind: ``"account"``, ``"contact"``, ``"opportunity"``, ...
        id: The record's id.
        version: The record's version after the change; ``None`` when the event
            does not say.
        origin: The ``X-Request-Id`` of the request that made the change; ``None``
            when it was not made by a request (a background job).
        at: When it happened (ISO 8601), as the server wrote it.
    """

    type: str
    kind: str
    id: str
    version: int | None = None
    origin: str | None = None
    at: str = ""

    @property
    def deleted(self) -> bool:
        """Whether the record went to the trash."""
        return self.type.endswith(".deleted")

    @property
    def created(self) -> bool:
        """Whether the record was added (or came back from the trash)."""
        return self.type.endswith((".created", ".restored"))

    @classmethod
    def from_frame(cls, data: str) -> Change:
        """Read the ``data`` of a ``change`` frame.

        Raises:
            ValueError: It is not JSON, or says no type, kind or id.
        """
        body: Any = json.loads(data)
        if not isinstance(body, dict) or not all(body.get(k) for k in ("type", "kind", "id")):
            raise ValueError(f"not a change: {data[:200]}")
        version = body.get("version")
        origin = body.get("origin")
        return cls(
            str(body["type"]),
            str(body["kind"]),
            str(body["id"]),
            version if isinstance(version, int) and not isinstance(version, bool) else None,
            origin if isinstance(origin, str) and origin else None,
            str(body.get("at") or ""),
        )


class Echoes:
    """Tells the changes a screen already has from news, for one client.

    Two things make a change no news to a screen that shows a copy of the record:

    * it is an **echo**: this client made it (its ``origin`` is one of the client's
      request ids), so the screen that made it has shown it already;
    * the copy is **as new**: the screen shows the record at the change's version
      or later (it read the record again meanwhile).

    A deletion is news whatever the versions say, unless it is an echo.

    Args:
        client: The client whose writes are recognised.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    def echo(self, change: Change) -> bool:
        """Whether this client made ``change`` itself."""
        return self._client.made(change.origin)

    def is_news(self, change: Change, shown_version: int | None = None) -> bool:
        """Whether ``change`` tells a screen something it does not show.

        Args:
            change: What the stream said.
            shown_version: The version of the copy the screen shows; ``None`` when
                it shows none (then only an echo is no news).
        """
        if self.echo(change):
            return False
        if change.deleted or shown_version is None or change.version is None:
            return True
        return change.version > shown_version


async def live_changes(client: GatewayClient) -> AsyncIterator[Change | str]:
    """The changes of the signed-in user's company as they happen; first yields
    :data:`CONNECTED`, then also :data:`RESYNC`, :data:`EXPIRED`, :data:`CLOSING` and
    :data:`ENDED`. Ends when the server ends the stream.

    Raises:
        ValueError: A ``change`` frame could not be read.
    """
    async with client.stream(LIVE_PATH) as response:
        event, data = "message", ""
        async for line in response.aiter_lines():
            if line.startswith(": connected"):
                yield CONNECTED  # the server listens for us now: nothing after is missed
            elif line == "":
                if event == "change" and data:
                    yield Change.from_frame(data)
                elif event in (RESYNC, EXPIRED, CLOSING, ENDED):
                    yield event
                event, data = "message", ""
            elif line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data += line.removeprefix("data:").strip()

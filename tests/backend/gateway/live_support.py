"""A reader of one user's ``GET /api/v1/live`` stream, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(eq=False)
class LiveReader:
    """Reads a stream in the background: its change frames, and how it ended."""

    client: httpx.AsyncClient
    token: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ended_with: str | None = None
    """The last event before the server closed the stream (``ended``, ``closing``…)."""
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveReader:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.ready.wait(), 20)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task

    def ids(self) -> set[str]:
        return {c["id"] for c in self.changes}

    async def wait_for_id(self, record_id: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while record_id not in self.ids():
            assert time.monotonic() < deadline, f"{record_id} never reached the stream"
            await asyncio.sleep(0.02)

    async def _read(self) -> None:
        try:
            async with self.client.stream(
                "GET",
                "/api/v1/live",
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=httpx.Timeout(10, read=None),
            ) as response:
                assert response.status_code == 200, await response.aread()
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith(": connected"):
                        self.ready.set()
                    elif line.startswith("event: "):
                        event = line.removeprefix("event: ")
                        if event != "change":
                            self.ended_with = event
                    elif line.startswith("data: ") and event == "change":
                        self.changes.append(json.loads(line.removeprefix("data: ")))
        finally:
            self.closed.set()

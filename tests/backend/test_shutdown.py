"""A rolling restart takes seconds: SIGTERM to ``salesos serve --all`` with a desktop's
live stream open ends the stream (the client reconnects), drains what is in flight,
stops the workers, and exits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.backend.gateway.live_support import LiveReader
from tests.backend.serve_support import ServeProcess
from tests.factories.auth import signup


@pytest.mark.slow
async def test_sigterm_with_a_live_stream_open_stops_the_server(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "home")
    try:
        await asyncio.to_thread(server.start)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            admin = (await signup(client, "Restart")).admin
            async with LiveReader(client, admin.access_token) as desktop:
                code = await asyncio.to_thread(server.stop, 30)  # SIGTERM; it does not hang
                await asyncio.wait_for(desktop.closed.wait(), 5)
        assert code == 0
        assert desktop.ended_with == "closing"  # told, not cut off
    finally:
        server.close()

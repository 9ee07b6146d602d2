"""A rolling restart takes seconds: SIGTERM to ``salesos serve --all`` with a desktop's
live stream open ends the stream (the client reconnects), drains what is in flight,
stops the workers, and exits."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from backend.embedded.broker import free_port
from backend.embedded.postgres import EmbeddedPostgres
from tests.backend.gateway.live_support import LiveReader
from tests.backend.test_cli import SALESOS, _env, _wait_health
from tests.factories.auth import signup


@pytest.mark.slow
async def test_sigterm_with_a_live_stream_open_stops_the_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    proc = subprocess.Popen(
        [*SALESOS, "serve", "--all", "--port", str(port)],
        env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        await asyncio.to_thread(_wait_health, port, proc)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            admin = (await signup(client, "Restart")).admin
            async with LiveReader(client, admin.access_token) as desktop:
                proc.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(proc.wait, 30)  # it does not hang
                await asyncio.wait_for(desktop.closed.wait(), 5)
        assert code == 0, proc.stderr.read() if proc.stderr else ""
        assert desktop.ended_with == "closing"  # told, not cut off
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        EmbeddedPostgres(home).destroy()

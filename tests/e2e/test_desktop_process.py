"""The desktop app as a real process: killed with -9, it leaves nothing that blocks the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from backend.embedded.postgres import EmbeddedPostgres


def _start(home: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env.update(
        SALESOS_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        SALESOS_EMBEDDED_PG_FAST="1",
        # The app's own preferences (last server) and no real keyring: a developer's
        # choices must not change what this test starts.
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "app"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_for_servers(proc: subprocess.Popen[bytes], timeout: float = 60) -> list[psutil.Process]:
    """The app's embedded Postgres and broker, once both run and the gateway answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the app exited early"
        children = psutil.Process(proc.pid).children()
        names = {c.name() for c in children}
        ports = [
            c.laddr.port
            for c in psutil.Process(proc.pid).net_connections("tcp")
            if c.status == "LISTEN"
        ]
        if {"postgres", "tansu"} <= names and ports:
            try:
                if httpx.get(f"http://127.0.0.1:{ports[0]}/health", timeout=2).status_code == 200:
                    return children
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise AssertionError("the app did not bring its backend up")


@pytest.mark.slow
def test_kill_9_of_the_app_then_start_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    try:
        app = _start(home)
        try:
            children = _wait_for_servers(app)
        finally:
            app.send_signal(signal.SIGKILL)
            app.wait()
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"orphans after kill -9: {[p.name() for p in alive]}"

        again = _start(home)
        try:
            _wait_for_servers(again)
        finally:
            again.send_signal(signal.SIGTERM)  # a clean quit this time
            assert again.wait(timeout=30) == 0
    finally:
        EmbeddedPostgres(home).destroy()

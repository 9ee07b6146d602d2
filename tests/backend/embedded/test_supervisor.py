"""The embedded servers come back on their own: ``kill -9`` the broker or the
postmaster under a running ``salesos serve --all``, and it restarts them (``/health``
counts the restarts, and says "restarting" while one is under way); sign-in answers 503 with the error body while the
database is away, never 500; afterwards everything works again, no zombie left."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from backend.embedded.postgres import EmbeddedPostgres
from tests.backend.serve_support import PASSWORD, ServeProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    s = ServeProcess(tmp_path / "home")
    s.start()
    try:
        yield s
    finally:
        s.close()


def _login(port: int, email: str) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )


def _until_healthy(port: int, timeout: float = 60) -> tuple[set[str], list[int]]:
    """Poll /health (and sign-in) until 200: the component states and sign-in answers seen."""
    states: set[str] = set()
    logins: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        except httpx.HTTPError:
            time.sleep(0.05)
            continue
        body = r.json()
        states |= {body["database"]["status"], body["broker"]["status"]}
        if r.status_code == 200:
            return states, logins
        time.sleep(0.05)
    raise AssertionError(f"not healthy again within {timeout} s: {states}")


def _no_zombies(server: ServeProcess) -> None:
    assert server.proc is not None
    children = psutil.Process(server.proc.pid).children(recursive=True)
    assert [c.pid for c in children if c.status() == psutil.STATUS_ZOMBIE] == []


def _broker_pid_once_written(home: Path, other_than: int) -> int:
    """The restarted broker's pid from its state file (written as it starts: under
    load /health may already say healthy while the file is being replaced)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            pid = int(json.loads((home / "run" / "broker.json").read_text())["pid"])
        except (OSError, ValueError, KeyError):
            pid = other_than
        if pid != other_than or time.monotonic() > deadline:
            return pid
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_broker_and_postmaster_are_restarted(server: ServeProcess) -> None:
    home, port = server.home, server.port
    email, _ = server.sign_up("Sup")

    broker_pid = json.loads((home / "run" / "broker.json").read_text())["pid"]
    os.kill(broker_pid, signal.SIGKILL)
    states, _ = _until_healthy(port)
    new_broker = _broker_pid_once_written(home, other_than=broker_pid)
    assert new_broker != broker_pid
    assert psutil.pid_exists(new_broker)

    pg = EmbeddedPostgres(home)
    postmaster = int((pg.data_dir / "postmaster.pid").read_text().splitlines()[0])
    os.kill(postmaster, signal.SIGKILL)
    answers: list[int] = []
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # sign in all through the outage
        r = _login(port, email)
        answers.append(r.status_code)
        if r.status_code == 503:
            assert r.json()["error"]["code"] == "unavailable"
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        seen.add(health.json()["database"]["status"])
        if r.status_code == 200 and health.status_code == 200 and 503 in answers:
            break
        time.sleep(0.05)
    assert 500 not in answers, answers
    assert set(answers) <= {200, 503}, answers
    assert 503 in answers  # the outage was seen, and answered as one
    assert seen | states <= {"ok", "down", "restarting"}
    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
    assert (health["broker"]["restarts"], health["database"]["restarts"]) == (1, 1)
    assert _login(port, email).status_code == 200
    new_postmaster = int((pg.data_dir / "postmaster.pid").read_text().splitlines()[0])
    assert new_postmaster != postmaster
    _no_zombies(server)
    # A write after both restarts is durable and visible.
    token = _login(port, email).json()["access_token"]
    made = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/accounts",
        json={"name": "After the restarts"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text

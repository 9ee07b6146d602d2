"""A real team-mode gateway whose sign-in (auth) service is elsewhere and not running: a
backend that reports itself degraded, until :meth:`TeamGateway.remote_service` starts
the real auth service where the gateway looks for it.

Everything runs through the documented command line (``salesos infra up``,
``salesos serve --service …``), each server its own process, as an operator would
run them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from backend.embedded.postgres import EmbeddedPostgres
from tests.app.support import free_port

START_TIMEOUT_S = 90.0

REMOTE = "auth"
"""The service the gateway is told runs elsewhere (one that calls no other service, so
it starts alone)."""


@dataclass(frozen=True)
class TeamGateway:
    """A gateway (``salesos serve --service gateway``) over its own database and broker.

    Attributes:
        url: The gateway's base URL.
        remote: The service the gateway looks for elsewhere (:data:`REMOTE`).
        remote_url: Where it looks for it (nothing there, until :meth:`remote_service`).
        env: The environment its servers run with.
    """

    url: str
    remote: str
    remote_url: str
    env: dict[str, str]

    @contextlib.contextmanager
    def remote_service(self) -> Iterator[None]:
        """The real service, serving where the gateway looks for it, until the ``with``
        ends (then it is stopped, and the gateway finds it down again)."""
        port = int(self.remote_url.rsplit(":", 1)[1])
        with serving(["--service", self.remote, "--port", str(port)], self.env, self.remote_url):
            yield


def salesos(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a ``salesos`` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=True,
    )


def answers(url: str) -> bool:
    """Whether ``url``'s ``/health`` answers at all (healthy or not)."""
    try:
        httpx.get(f"{url}/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    return True


@contextlib.contextmanager
def serving(args: list[str], env: dict[str, str], url: str) -> Iterator[subprocess.Popen[bytes]]:
    """``salesos serve ARGS`` in a process of its own, once ``url`` answers; stopped
    (SIGTERM, as an operator would) at the end."""
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not answers(url):
            if server.poll() is not None:
                error = server.stderr.read().decode(errors="replace") if server.stderr else ""
                raise RuntimeError(f"salesos serve {' '.join(args)} exited: {error[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"salesos serve {' '.join(args)} did not answer at {url}")
            time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


@contextlib.contextmanager
def team_gateway(home: Path) -> Iterator[TeamGateway]:
    """Start the database and broker (``salesos infra up``), then the gateway with its
    :data:`REMOTE` service expected on a free port where nothing listens; stop all at
    the end."""
    env = {
        **os.environ,
        "SALESOS_HOME": str(home),
        "SALESOS_EMBEDDED_PG_FAST": "1",
        "SALESOS_LOG_FORMAT": "text",
        "SALESOS_LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
        env.pop(name, None)
    up = salesos(["infra", "up"], env)
    try:
        for line in up.stdout.splitlines():
            name, _, value = line.partition("=")
            if name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
                env[name] = value.strip()
        remote_url = f"http://127.0.0.1:{free_port()}"
        env["SALESOS_SERVICE_URLS"] = f"{REMOTE}={remote_url}"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with serving(["--service", "gateway", "--port", str(port)], env, url):
            yield TeamGateway(url, REMOTE, remote_url, env)
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            salesos(["infra", "down"], env)
        EmbeddedPostgres(home).destroy()  # as root its data lives outside the home

"""``salesos serve --all`` as a real process on a data folder of its own, as an
operator runs it: started, killed, stopped, and its database deleted afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx

from backend.embedded.broker import free_port
from backend.embedded.postgres import EmbeddedPostgres
from tests.backend.test_cli import SALESOS, _env, _wait_health

PASSWORD = "correct-horse-battery-staple"


class ServeProcess:
    """One ``serve --all`` on ``home`` (the same home across restarts)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it and wait for ``/health`` 200."""
        self.proc = subprocess.Popen(
            [*SALESOS, "serve", "--all", "--port", str(self.port)],
            env=_env(self.home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_health(self.port, self.proc)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL it (a crash: no clean-up runs)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM it and wait; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        """Stop it (killing it if it hangs) and delete its database."""
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()
        EmbeddedPostgres(self.home).destroy()

    def sign_up(self, company: str = "Ops") -> tuple[str, dict[str, str]]:
        """A new company's admin: its email and the headers of its access token."""
        email = f"{company.lower()}-{os.urandom(5).hex()}@example.com"
        r = httpx.post(
            f"{self.url}/api/v1/auth/signup",
            json={"company": company, "name": company, "email": email, "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        return email, {"Authorization": f"Bearer {r.json()['access_token']}"}

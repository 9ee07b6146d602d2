"""Restarts the embedded servers a process answers for when they die.

An embedded Postgres or broker killed (``kill -9``, the OOM killer, a crash) would
otherwise end every write and every live update until someone restarted the app or
the server. The supervisor watches the servers its process owns and starts them
again with backoff; while one is away it says so in ``run/supervisor.json``, which
``/health`` reads (``"restarting"``), in this process or in pre-forked workers.

It runs in a thread of its own for as long as the servers should live: a server it
restarts is tied to that thread (it dies with it, and with the process).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from backend.embedded.errors import InfrastructureError

log = logging.getLogger(__name__)

STATE_FILE = "supervisor.json"
"""In ``SALESOS_HOME/run``: what the supervisor is doing, per component."""


class Supervised(Protocol):
    owned: bool

    def alive(self) -> bool: ...

    def start(self, *, tie_to_parent: bool) -> str: ...


@dataclass
class Watch:
    """One server: its state and its restart backoff."""

    name: str
    server: Supervised
    state: str = "ok"
    attempts: int = 0
    restarts: int = 0
    next_try: float = 0.0
    last_error: str = ""


@dataclass
class Supervisor:
    """Watches ``servers`` (``"database"`` / ``"broker"`` -> launcher) every
    ``interval`` seconds; a dead one this process owns is started again, after
    0.25 s, then 0.5, 1, 2 … up to ``max_backoff`` between failed attempts.

    Args:
        run_dir: Where :data:`STATE_FILE` is written.
        on_change: Called (from the supervisor's thread) with ``(name, state)``.
    """

    run_dir: Path
    servers: dict[str, Supervised]
    interval: float = 0.25
    max_backoff: float = 10.0
    on_change: Callable[[str, str], None] | None = None
    watches: list[Watch] = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.watches = [Watch(name, server) for name, server in self.servers.items()]

    def start(self) -> None:
        self._write()
        self._thread = threading.Thread(target=self._run, name="salesos-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching (before the servers are stopped on purpose)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        (self.run_dir / STATE_FILE).unlink(missing_ok=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for watch in self.watches:
                if self._stop.is_set():
                    return
                self._check(watch)

    def _check(self, watch: Watch) -> None:
        if not watch.server.owned:
            return  # another process answers for it
        if watch.state == "ok":
            if watch.server.alive():
                return
            log.warning("embedded %s died; restarting it", watch.name)
            self._set(watch, "restarting")
        if time.monotonic() < watch.next_try:
            return
        watch.attempts += 1
        try:
            watch.server.start(tie_to_parent=True)
        except (InfrastructureError, OSError) as exc:
            watch.last_error = str(exc)[:300]
            delay = min(self.max_backoff, 0.25 * 2 ** (watch.attempts - 1))
            watch.next_try = time.monotonic() + delay
            log.warning(
                "embedded %s: restart %d failed (%s); next try in %.1f s",
                watch.name, watch.attempts, exc, delay,
            )  # fmt: skip
            self._write()
            return
        log.info("embedded %s restarted after %d attempt(s)", watch.name, watch.attempts)
        watch.attempts, watch.next_try, watch.last_error = 0, 0.0, ""
        watch.restarts += 1
        self._set(watch, "ok")

    def _set(self, watch: Watch, state: str) -> None:
        watch.state = state
        self._write()
        if self.on_change is not None:
            self.on_change(watch.name, state)

    def _write(self) -> None:
        state = {
            w.name: {
                "state": w.state, "attempts": w.attempts, "restarts": w.restarts,
                "error": w.last_error,
            }
            for w in self.watches
        }  # fmt: skip
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.run_dir / f".{STATE_FILE}.tmp"
            tmp.write_text(json.dumps(state))
            tmp.replace(self.run_dir / STATE_FILE)
        except OSError as exc:  # health shows "down" instead of "restarting": not fatal
            log.warning("supervisor: cannot write %s (%s)", STATE_FILE, exc)


def supervision_state(run_dir: Path) -> dict[str, dict[str, object]]:
    """What the supervisor of a data folder says, per component (empty when none runs)."""
    try:
        data = json.loads((run_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

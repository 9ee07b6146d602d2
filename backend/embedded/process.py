"""Child processes that die with their parent, and orderly stops."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psutil

_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int) -> Callable[[], None]:
    def _set() -> None:  # runs in the child between fork and exec
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)

    return _set


def spawn(
    argv: list[str],
    *,
    log: IO[bytes],
    tie_to_parent: bool,
    death_signal: int = signal.SIGTERM,
    user: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a server process in its own session, output to ``log``.

    With ``tie_to_parent`` (solo mode) the kernel sends ``death_signal`` to the child
    when the thread that spawned it dies, so even ``kill -9`` of the app leaves no
    orphan. Spawn it from a thread that lives as long as the server should.
    """
    preexec = _die_with_parent(death_signal) if tie_to_parent and sys.platform == "linux" else None
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=preexec,
        user=user,
        env=env,
        cwd=cwd,
    )


def pid_alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def cmdline_of(pid: int) -> list[str]:
    try:
        return [str(part) for part in psutil.Process(pid).cmdline()]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def stop_pid(pid: int, first: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Send ``first``, wait up to ``timeout`` s, then SIGKILL; reap it if it is our child."""
    try:
        os.kill(pid, first)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            _reap(pid)
            return
        _reap(pid)
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while pid_alive(pid):
        _reap(pid)
        time.sleep(0.02)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)

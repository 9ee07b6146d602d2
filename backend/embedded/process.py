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


class Ownership:
    """Which process answers for an embedded server: the one that started it, or the
    one that adopted it when its starter was gone. Only the owner stops it (and a
    supervisor restarts it); a command that finds a server owned by a live process
    (``salesos serve`` running) uses it and leaves it running.

    Args:
        path: A file beside the server's state holding the owner's pid.
    """

    KEPT = "kept"
    """The owner of a server ``salesos infra up`` started: it runs until ``infra down``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def owner(self) -> int | str | None:
        """The live owner's pid, :data:`KEPT`, or ``None`` (nobody answers for it)."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        if text == self.KEPT:
            return self.KEPT
        try:
            pid = int(text)
        except ValueError:
            return None
        return pid if pid_alive(pid) else None

    def take(self, *, kept: bool = False) -> None:
        """This process owns the server now (it started it, or adopts it); ``kept``:
        nobody does, it runs until stopped explicitly."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.KEPT if kept else str(os.getpid()))

    def shared(self) -> bool:
        """Whether another live process owns the server (so it is not ours to stop)."""
        owner = self.owner()
        return owner is not None and owner != os.getpid()

    def adopt_unless_shared(self) -> bool:
        """Take the server if nobody alive owns it; returns whether we own it."""
        if self.shared():
            return False
        self.take()
        return True

    def release(self) -> None:
        """Give the server up if this process owned it."""
        if self.owner() in (None, os.getpid()):
            self.path.unlink(missing_ok=True)

    def release_any(self) -> None:
        """Forget the owner whoever it was (the server was stopped explicitly)."""
        self.path.unlink(missing_ok=True)


class OwnedServer:
    """What the embedded launchers share: a server process this process may answer
    for (see :class:`Ownership`); subclasses are dataclasses with these fields."""

    process: subprocess.Popen[bytes] | None
    pid: int | None
    owned: bool
    ownership: Ownership

    def stop(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """Stop the server if this process answers for it; leave it running for its
        owner otherwise (a command run beside ``salesos serve``)."""
        if self.owned:
            self.stop()
            self.ownership.release()
            self.owned = False

    def alive(self) -> bool:
        """Whether the server this object started or reused still runs."""
        if self.process is not None:
            return self.process.poll() is None
        return self.pid is not None and pid_alive(self.pid)

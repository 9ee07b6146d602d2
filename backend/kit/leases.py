"""Who holds a lease on cross-tenant work (an import, a send), and whether they are gone.

Work that a process takes for a while (a running import, a message being sent) is
marked with a lease naming its holder as ``host:pid:started``; the holder refreshes
the lease as it goes. A holder on this host is gone when its process is (a pid used
again after a restart is another process: the start time tells); a holder on another
host is gone when it stopped refreshing its lease for ``stale_seconds``.
"""

from __future__ import annotations

import os
import socket

import psutil


def holder_name() -> str:
    """This host and process, with the process's start time: ``host:pid:started``."""
    started = int(psutil.Process().create_time())
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


def holder_gone(holder: str, age: float, stale_seconds: float) -> bool:
    """Whether the holder of a lease last refreshed ``age`` seconds ago is gone.

    A holder may add ``:<anything>`` (several workers of one process)."""
    host, pid, started = ([*holder.split(":"), "", ""])[:3]
    if f"{host}:{pid}:{started}" == holder_name():
        return False
    if host == socket.gethostname() and pid.isdigit() and started.isdigit():
        try:
            return int(psutil.Process(int(pid)).create_time()) != int(started)
        except psutil.NoSuchProcess:
            return True
    return age > stale_seconds

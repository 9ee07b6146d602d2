"""A process that forks relays on request, so a test can SIGKILL many cheaply.

Reads lines ``<point> <database_url> <bootstrap>`` on stdin; for each, forks a child
running a :class:`Relay` (batch of 4) that SIGKILLs itself at ``point`` (``claimed``,
``acked``, or ``none`` for the test to kill it at a random moment) and prints the
child's pid. Imports happen once, here, so a fork costs milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from backend.kit.db import create_engine
from backend.kit.settings import load_settings
from backend.kit.tenancy import APP_ROLE
from backend.messaging.relay import Relay


def child(point: str, database_url: str, bootstrap: str) -> None:
    settings = load_settings(
        SALESOS_RELAY_BATCH=4,
        SALESOS_RELAY_POLL_SECONDS=0.1,
        DATABASE_URL="",
        KAFKA_BOOTSTRAP_SERVERS="",
    )

    def fault(where: str) -> None:
        if where == point:
            os.kill(os.getpid(), signal.SIGKILL)

    async def main() -> None:
        engine = create_engine(database_url, pool_size=1, role=APP_ROLE)
        await Relay(engine, bootstrap, settings, fault=fault).run(asyncio.Event())

    asyncio.run(main())


def serve() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # no zombies
    for line in sys.stdin:
        point, database_url, bootstrap = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(point, database_url, bootstrap)
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()

"""The relay and the consumers as background tasks of a backend process.

Solo mode and ``salesos serve --all`` run them beside the HTTP app;
``salesos worker relay`` and ``salesos worker consumers`` run one each, alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from backend.kit.resources import Resources
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay

log = logging.getLogger(__name__)


@dataclass
class Workers:
    """The running relay and consumers of this process (``/metrics`` reads them)."""

    relay: Relay | None = None
    consumers: ConsumerRunner | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self, grace: float = 15.0) -> None:
        """Stop: the consumers finish the batch in hand and commit; then cancel."""
        self.stop.set()
        if not self.tasks:
            return
        _, pending = await asyncio.wait(self.tasks, timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task


def start_workers(
    resources: Resources,
    *,
    relay: bool = True,
    consumers: bool = True,
    groups: Sequence[Handler] | None = None,
) -> Workers:
    """Start the relay and/or the consumers on the running loop; attach them to
    ``resources`` for ``/metrics``."""
    workers = Workers()
    if relay:
        workers.relay = Relay(resources.engine, resources.bootstrap_servers, resources.settings)
        workers.tasks.append(
            asyncio.create_task(workers.relay.run(workers.stop), name="outbox-relay")
        )
    if consumers:
        workers.consumers = ConsumerRunner(
            resources.sessionmaker, resources.bootstrap_servers, resources.settings, groups
        )
        workers.tasks.append(
            asyncio.create_task(workers.consumers.run(workers.stop), name="consumers")
        )
    resources.workers = workers
    return workers

"""The relay, the consumers and the contexts' jobs as background tasks of a process.

Solo mode and ``salesos serve --all`` run them beside the HTTP app;
``salesos worker relay|consumers|<job>`` runs one kind alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.kit.resources import Resources
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay

log = logging.getLogger(__name__)

Job = tuple[str, Callable[[asyncio.Event], Coroutine[Any, Any, None]]]
"""A named background job that works until the event is set."""


@dataclass
class Workers:
    """The running relay, consumers and jobs of this process (``/metrics`` reads them)."""

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
    groups: Sequence[Handler] = (),
    jobs: Sequence[Job] = (),
) -> Workers:
    """Start the relay, a runner of ``groups`` (when there are any) and ``jobs`` on the
    running loop; attach them to ``resources`` for ``/metrics``."""
    workers = Workers()
    if relay:
        workers.relay = Relay(resources.engine, resources.bootstrap_servers, resources.settings)
        workers.tasks.append(
            asyncio.create_task(workers.relay.run(workers.stop), name="outbox-relay")
        )
    if groups:
        workers.consumers = ConsumerRunner(
            resources.sessionmaker, resources.bootstrap_servers, resources.settings, groups
        )
        workers.tasks.append(
            asyncio.create_task(workers.consumers.run(workers.stop), name="consumers")
        )
    for name, run in jobs:
        workers.tasks.append(asyncio.create_task(run(workers.stop), name=name))
    resources.workers = workers
    return workers

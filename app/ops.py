"""Small background operations on the asyncio loop that shares the Qt thread.

A view never awaits I/O itself: it hands a coroutine to :meth:`Operations.run`
with what to do on success and on failure. The coroutine runs as a task on the
qasync loop (so callbacks come back on the UI thread), the task stays referenced
until it is done (asyncio keeps only weak references to tasks), and failures are
worded once, by :func:`app.errors.describe_error`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from app.errors import ErrorKind, UserMessage, describe_error

T = TypeVar("T")

log = logging.getLogger(__name__)

FailureHandler = Callable[[UserMessage], None]


class Operations:
    """Starts and tracks the client's background operations.

    Args:
        loop: The asyncio loop the operations run on (the qasync loop of the app).
        report: The central error display, for failures no caller handles itself.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        report: FailureHandler | None = None,
    ) -> None:
        self._loop = loop
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()
        self._parent: Operations | None = None

    def scope(self) -> Operations:
        """Operations of one part of the app (e.g. a signed-in window) that can be
        cancelled together, without touching the others.

        They run on the same loop, count in this object's :attr:`pending`, are
        cancelled by this object's :meth:`cancel_all` too, and report to this
        object's central display unless the scope gets one of its own.
        """
        child = Operations(self._loop)
        child._parent = self
        return child

    def _central_report(self) -> FailureHandler | None:
        if self._report is not None:
            return self._report
        return self._parent._central_report() if self._parent is not None else None

    def _owners(self) -> list[Operations]:
        owners: list[Operations] = []
        node: Operations | None = self
        while node is not None:
            owners.append(node)
            node = node._parent
        return owners

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop operations run on."""
        return self._loop

    @property
    def pending(self) -> int:
        """How many operations have not finished yet."""
        return len(self._tasks)

    def set_report(self, report: FailureHandler | None) -> None:
        """Replace the central error display (e.g. once the main window exists)."""
        self._report = report

    def run(
        self,
        work: Coroutine[Any, Any, T],
        *,
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureHandler | None = None,
        name: str | None = None,
    ) -> asyncio.Task[T]:
        """Run ``work`` in the background.

        Exactly one of the callbacks is called, on the loop's thread, unless the
        operation is cancelled (then neither is).

        Args:
            work: The coroutine to run.
            on_success: Receives the result.
            on_failure: Receives the worded error; without it the central display does.
            name: Task name, for debugging.

        Returns:
            The task, e.g. to cancel it; the caller need not keep it. Once the loop is
            closed (the app is quitting) nothing runs: the task is a cancelled one.
        """
        if self._loop.is_closed():
            return _cancelled(work, name)
        task = self._loop.create_task(work, name=name)
        owners = self._owners()
        for owner in owners:
            owner._tasks.add(task)

        def finished(done: asyncio.Task[T]) -> None:
            for owner in owners:
                owner._tasks.discard(done)
            if done.cancelled():
                return
            exc = done.exception()
            if exc is None:
                if on_success is not None:
                    on_success(done.result())
                return
            message = describe_error(exc)
            if message.kind is ErrorKind.INTERNAL:
                log.error("operation %s failed", done.get_name(), exc_info=exc)
            handler = on_failure or self._central_report()
            if handler is None:
                log.warning("operation %s failed: %s", done.get_name(), message.title)
            else:
                handler(message)

        task.add_done_callback(finished)
        return task

    def cancel_all(self) -> None:
        """Cancel every operation still running (their callbacks are not called)."""
        for task in list(self._tasks):
            task.cancel()


def _cancelled(work: Coroutine[Any, Any, T], name: str | None) -> asyncio.Task[T]:
    """A cancelled stand-in for ``work``, which never runs (a timer fired after the
    loop closed). Nothing is run to make it: another loop may be running by then (the
    next window's), and one loop cannot be run inside another."""
    work.close()
    dead = asyncio.new_event_loop()
    try:
        stand_in: asyncio.Future[T] = dead.create_future()
        stand_in.cancel()
    finally:
        dead.close()
    log.debug("operation %s not started: the loop is closed", name)
    return cast("asyncio.Task[T]", stand_in)  # done and cancelled, as callers check

"""The import wizard's calls, each in the background, and the watch over a running import."""

from __future__ import annotations

import asyncio
import csv
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from app.api.client import GatewayClient
from app.api.errors import ApiError, UnexpectedResponseError
from app.api.imports import ImportJob, ImportPreview, ImportRowError, ImportsApi
from app.errors import ErrorKind, UserMessage
from app.features.imports.model import ProgressMeter
from app.ops import FailureHandler, Operations
from app.qt.core import QObject, QTimer, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_INTERVAL_MS = 400
"""How often a running import is asked how far it got."""

POLL_RETRIES = 8
"""Failed polls in a row after which the wizard stops asking (the import goes on)."""

FIRST_ERRORS = 20
"""How many refused rows the summary lists."""


@dataclass(frozen=True)
class FileProblem:
    """A local file that could not be read or written, worded for the user."""

    message: UserMessage


def file_problem(path: Path, exc: OSError, verb: str) -> FileProblem:
    """Word a failed read or write of ``path``."""
    reason = exc.strerror or exc.__class__.__name__
    return FileProblem(
        UserMessage(
            ErrorKind.REJECTED,
            f"Cannot {verb} “{path.name}”: {reason.lower()}.",
            "Check that the file exists and that you may use it, then try again.",
            f"{exc.__class__.__name__}: {exc}",
        )
    )


class ImportOps:
    """Imports CSV files through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._api = ImportsApi(client)
        self._ops = ops

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    def preview(
        self,
        path: Path,
        object_type: str,
        done: Callable[[ImportPreview], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Read ``path`` and have the server check it and propose a mapping."""

        async def work() -> ImportPreview | FileProblem:
            try:
                content = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                return file_problem(path, exc, "read")
            return await self._api.preview(path.name, content, object_type)

        return self._run(work(), done, failed, "import-preview")

    def start(
        self,
        path: Path,
        object_type: str,
        mapping: Mapping[str, str],
        on_duplicate: str,
        done: Callable[[ImportJob], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Upload ``path`` again and start importing it with ``mapping``."""

        async def work() -> ImportJob | FileProblem:
            try:
                content = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                return file_problem(path, exc, "read")
            return await self._api.start(path.name, content, object_type, mapping, on_duplicate)

        return self._run(work(), done, failed, "import-start")

    async def job(self, import_id: str) -> ImportJob:
        """How far the import has got."""
        return await self._api.job(import_id)

    async def _first_errors(self, import_id: str) -> list[ImportRowError]:
        errors = await self._api.row_errors(import_id, limit=FIRST_ERRORS)
        if not errors or all(error.raw is not None for error in errors):
            return errors
        try:
            rows = await self._api.refused_rows(import_id, errors[-1].row_number)
        except (ApiError, UnexpectedResponseError, httpx.HTTPError, csv.Error, ValueError) as exc:
            # The refused values are a help, not the point: the problems show without them.
            log.info("the refused rows of import %s were not read: %s", import_id, exc)
            return errors
        return [
            error
            if error.raw is not None
            else error.model_copy(update={"raw": rows.get(error.row_number)})
            for error in errors
        ]

    def first_errors(
        self,
        import_id: str,
        done: Callable[[list[ImportRowError]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """The first :data:`FIRST_ERRORS` problems of the rows not imported, each with
        its row as the file had it (so the refused value can be shown) when it can be
        read."""
        return self._ops.run(
            self._first_errors(import_id),
            on_success=done,
            on_failure=failed,
            name="import-errors",
        )

    def save_error_report(
        self,
        import_id: str,
        path: Path,
        done: Callable[[Path], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Download the error report (CSV) and write it to ``path``."""

        async def work() -> Path | FileProblem:
            content = await self._api.error_report(import_id)
            try:
                await asyncio.to_thread(path.write_bytes, content)
            except OSError as exc:
                return file_problem(path, exc, "write")
            return path

        return self._run(work(), done, failed, "import-error-report")

    def _run(
        self,
        work: Coroutine[Any, Any, T | FileProblem],
        done: Callable[[T], None],
        failed: FailureHandler,
        name: str,
    ) -> asyncio.Task[Any]:
        def finished(result: T | FileProblem) -> None:
            if isinstance(result, FileProblem):
                failed(result.message)
            else:
                done(result)

        return self._ops.run(work, on_success=finished, on_failure=failed, name=name)


class ImportWatcher(QObject):
    """Asks the server how far an import got until it ends.

    Polls every :data:`POLL_INTERVAL_MS` (the next poll waits for the answer to
    the last). A failed poll is retried; after :data:`POLL_RETRIES` in a row the
    watcher gives up (the import itself goes on on the server).

    Args:
        imports: The import calls.
        job: The import as the server answered its start.
        interval_ms: Time between two polls.
        parent: The parent object.

    Signals:
        progressed(object): A newer :class:`~app.api.imports.ImportJob` arrived.
        finished(object): The import ended (``done`` or ``failed``): the last job.
        trouble(object): A poll failed (:class:`~app.errors.UserMessage`); retrying.
        gave_up(object): Polls kept failing; the last :class:`~app.errors.UserMessage`.
    """

    progressed = Signal(object)
    finished = Signal(object)
    trouble = Signal(object)
    gave_up = Signal(object)

    def __init__(
        self,
        imports: ImportOps,
        job: ImportJob,
        interval_ms: int = POLL_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._imports = imports
        self.job = job
        self.meter = ProgressMeter()
        self.meter.observe(job.processed_rows, time.monotonic())
        self._failures = 0
        self._interval = interval_ms
        self._task: asyncio.Task[ImportJob] | None = None
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)

    @property
    def watching(self) -> bool:
        """Whether polls are still being made."""
        return not self._stopped

    def start(self) -> None:
        """Start polling (at once if the import already ended)."""
        if self.job.finished:
            self._stopped = True
            self.finished.emit(self.job)
            return
        self._poll()

    def stop(self) -> None:
        """Stop polling (the wizard closed); the import goes on on the server."""
        self._stopped = True
        self._timer.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _poll(self) -> None:
        if self._stopped:
            return
        self._task = self._imports.ops.run(
            self._imports.job(self.job.id),
            on_success=self._arrived,
            on_failure=self._failed,
            name="import-progress",
        )

    def _arrived(self, job: ImportJob) -> None:
        if self._stopped:
            return
        self._failures = 0
        self.job = job
        self.meter.observe(job.processed_rows, time.monotonic())
        self.progressed.emit(job)
        if job.finished:
            self._stopped = True
            self.finished.emit(job)
        else:
            self._timer.start(self._interval)

    def _failed(self, message: UserMessage) -> None:
        if self._stopped:
            return
        self._failures += 1
        if self._failures >= POLL_RETRIES or message.kind is ErrorKind.SIGNED_OUT:
            self._stopped = True
            self.gave_up.emit(message)
            return
        self.trouble.emit(message)
        self._timer.start(self._interval * min(self._failures + 1, 5))  # back off

"""Solo mode: the whole backend in this process, started from the desktop.

This is the one module of ``app`` that imports ``backend`` (an import-linter
contract enforces it). Everything else talks to the backend over HTTP through
:mod:`app.api`, exactly as it would to a team server.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from app.features.startup.model import StepEvent
from app.qt.core import QObject, Qt, Signal
from backend.kit.settings import ConfigError, Settings, default_home, load_settings
from backend.server import SoloBackend, StartupStep, StepUpdate

log = logging.getLogger(__name__)

SOLO_CONNECTION = "Solo · This computer"


def run_cli(argv: Sequence[str]) -> int:
    """Run a ``salesos`` command (``serve``, ``db upgrade``, ...) of the backend CLI.

    Args:
        argv: The arguments after the program name.

    Returns:
        The process exit code (also when the command exits through ``SystemExit``,
        as argparse does for ``--help``, ``--version`` and usage errors).
    """
    from backend.cli import main

    try:
        return main(list(argv))
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1


PREFERENCES_FILE = "desktop.ini"
"""The desktop's remembered choices, in the data folder (``SALESOS_HOME``)."""


def preferences_path() -> Path:
    """Where the desktop keeps its choices (the server used last, the email, "Welcome
    back"): in the data folder, so a fresh ``SALESOS_HOME`` starts afresh (the login
    offers the demo) instead of inheriting another folder's choices from the OS user."""
    try:
        home = load_settings().home
    except ConfigError:  # the start screen says why; the choices go beside it
        home = Path(os.environ.get("SALESOS_HOME") or default_home())
    return home / PREFERENCES_FILE


class SoloBackendRunner(QObject):
    """Starts and stops the in-process backend, reporting progress as Qt signals.

    The backend reports from a thread of its own; every signal here is emitted on
    the thread this object lives in (the UI thread), through queued connections.

    Args:
        parent: The parent object.

    Signals:
        step(StepEvent): A start-up step started, finished or failed.
        ready(str): The gateway's base URL; the backend serves.
        config_error(str, str): The settings are invalid (cause, remedy); no step ran.
        stopped(): :meth:`stop` finished: the backend's servers and thread are gone.
    """

    step = Signal(object)
    ready = Signal(str)
    config_error = Signal(str, str)
    stopped = Signal()

    # Emitted from other threads; delivered on this object's thread (queued).
    _update_from_thread = Signal(int, object)
    _call_from_thread = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend: SoloBackend | None = None
        self._settings: Settings | None = None
        self._attempt = 0
        self._stopping = False
        self._stop_threads: list[threading.Thread] = []
        queued = Qt.ConnectionType.QueuedConnection
        self._update_from_thread.connect(self._deliver_update, queued)
        self._call_from_thread.connect(self._deliver_call, queued)

    @property
    def steps(self) -> tuple[str, ...]:
        """The start-up steps' keys, in the order the backend runs them."""
        return tuple(step.value for step in StartupStep)

    @property
    def connection_label(self) -> str:
        """How the status bar names this connection."""
        return SOLO_CONNECTION

    @property
    def base_url(self) -> str | None:
        """The gateway's URL once ready."""
        return self._backend.base_url if self._backend is not None else None

    @property
    def log_dir(self) -> Path:
        """Where the backend writes its logs (it may not exist yet)."""
        if self._settings is not None:
            return self._settings.log_dir
        try:
            return load_settings().log_dir
        except ConfigError:
            return default_home() / "logs"

    @property
    def stopping(self) -> bool:
        """Whether a stop is in progress."""
        return self._stopping

    def start(self) -> None:
        """Start the backend; returns at once, progress arrives as :attr:`step` signals.

        A previous attempt (e.g. a failed one still cleaning up) is stopped first.
        """
        self._attempt += 1
        attempt = self._attempt
        previous, self._backend = self._backend, None
        if previous is not None:
            self._in_thread(previous.stop, lambda: self._launch(attempt), "stop-previous")
        else:
            self._launch(attempt)

    def stop(self) -> None:
        """Stop the backend in a background thread; :attr:`stopped` follows.

        Safe to call at any time, also more than once (one ``stopped`` per call
        that found nothing else stopping).
        """
        if self._stopping:
            return
        self._stopping = True
        self._attempt += 1  # whatever the old backend still reports is stale now
        backend, self._backend = self._backend, None
        earlier = list(self._stop_threads)

        def work() -> None:
            for thread in earlier:  # e.g. a retry still stopping the failed attempt
                thread.join()
            if backend is not None:
                backend.stop()

        def finished() -> None:
            self._stopping = False
            self.stopped.emit()

        self._in_thread(work, finished, "stop")

    def _launch(self, attempt: int) -> None:
        if attempt != self._attempt:
            return  # superseded by a stop or another start meanwhile
        try:
            self._settings = load_settings()
        except ConfigError as exc:
            self.config_error.emit(
                str(exc), "Fix the setting (an environment variable) and start SalesOS again."
            )
            return
        backend = self._backend = SoloBackend(self._settings)

        def on_step(update: StepUpdate) -> None:  # runs on the backend's thread
            self._update_from_thread.emit(attempt, update)

        backend.start(on_step)

    def _deliver_call(self, then: Callable[[], None]) -> None:
        then()

    def _deliver_update(self, attempt: int, update: StepUpdate) -> None:
        if attempt != self._attempt:
            return  # from an attempt that was stopped or retried since
        event = StepEvent(str(update.step.value), update.state, update.detail, update.remedy)
        self.step.emit(event)
        if update.state == "done" and update.step is StartupStep.SERVICES:
            url = self.base_url
            if url is None:
                self.step.emit(
                    StepEvent(
                        StartupStep.SERVICES.value,
                        "failed",
                        "The backend said it was ready but gave no address.",
                        "Restart SalesOS; if it happens again, report it with the logs.",
                    )
                )
            else:
                self.ready.emit(url)

    def _in_thread(self, work: Callable[[], None], then: Callable[[], None], name: str) -> None:
        """Run blocking ``work`` off the UI thread, then ``then`` back on this object's thread."""

        def body() -> None:
            try:
                work()
            except Exception:  # a failed stop must still let the UI go on
                log.exception("solo backend: %s failed", name)
            finally:
                self._call_from_thread.emit(then)

        thread = threading.Thread(target=body, name=f"salesos-{name}", daemon=True)
        self._stop_threads = [t for t in self._stop_threads if t.is_alive()] + [thread]
        thread.start()

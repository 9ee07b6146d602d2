"""The desktop session from start to finish.

Start-up window while the solo backend starts → main window once it serves →
a clean stop (health checks, HTTP client, backend) when the user quits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.api.client import GatewayClient
from app.features.startup.model import StartupFailure, StartupProgress
from app.features.startup.view import StartupWindow
from app.features.status.monitor import DEFAULT_INTERVAL_MS, HealthMonitor
from app.features.status.view import StatusPage
from app.main_window import MainWindow
from app.ops import Operations
from app.qt import QObject, Signal

if TYPE_CHECKING:  # the shell itself never imports the backend
    from app.solo import SoloBackendRunner

log = logging.getLogger(__name__)


class DesktopShell(QObject):
    """Owns the windows, the backend runner and the client for one desktop session.

    Args:
        runner: Starts and stops the solo backend.
        ops: Runs background operations on the app's asyncio loop.
        health_interval_ms: Time between two health checks.
        parent: The parent object.

    Signals:
        main_window_shown(): The backend serves and the main window is up.
        finished(int): Everything is stopped; the argument is the exit code
            (0, or 1 when the user quit after a failed start).
    """

    main_window_shown = Signal()
    finished = Signal(int)

    def __init__(
        self,
        runner: SoloBackendRunner,
        ops: Operations,
        health_interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.ops = ops
        self._health_interval_ms = health_interval_ms
        self.progress = StartupProgress(runner.steps, parent=self)
        self.startup_window = StartupWindow(self.progress, runner.log_dir)
        self.main_window: MainWindow | None = None
        self.client: GatewayClient | None = None
        self.monitor: HealthMonitor | None = None
        self._shutting_down = False
        self._pending_stops = 0
        self._exit_code = 0

        runner.step.connect(self.progress.apply)
        runner.ready.connect(self._open_main_window)
        runner.config_error.connect(self._settings_invalid)
        runner.stopped.connect(self._one_stop_done)
        self.startup_window.retry_requested.connect(self._retry)
        self.startup_window.quit_requested.connect(self.shutdown)

    @property
    def shutting_down(self) -> bool:
        """Whether :meth:`shutdown` was called."""
        return self._shutting_down

    def start(self) -> None:
        """Show the start-up window and start the backend."""
        self.startup_window.show()
        self.progress.begin()
        self.runner.start()

    def shutdown(self) -> None:
        """Stop everything (in the background); :attr:`finished` follows. Idempotent."""
        if self._shutting_down:
            return
        self._shutting_down = True
        failure: StartupFailure | None = self.progress.failure
        self._exit_code = 1 if self.main_window is None and failure is not None else 0
        if self.main_window is not None:
            self.main_window.set_shutting_down()
        self.startup_window.set_status("Shutting down…")
        self.startup_window.set_busy(True)
        if self.monitor is not None:
            self.monitor.stop()
        self.ops.cancel_all()
        self._pending_stops = 1
        if self.client is not None:
            self._pending_stops += 1
            self.ops.run(
                self.client.aclose(),
                on_success=lambda _: self._one_stop_done(),
                on_failure=lambda _: self._one_stop_done(),
                name="close-client",
            )
        self.runner.stop()

    def _retry(self) -> None:
        if self._shutting_down:
            return
        self.progress.begin()
        self.runner.start()

    def _settings_invalid(self, cause: str, remedy: str) -> None:
        self.progress.fail("The settings are not valid", cause, remedy)

    def _open_main_window(self, base_url: str) -> None:
        if self._shutting_down:
            return
        self.client = GatewayClient(base_url)
        self.monitor = HealthMonitor(self.client, self.ops, self._health_interval_ms, self)
        window = self.main_window = MainWindow(self.monitor, self.runner.connection_label)
        window.add_page(
            "System status", "status", StatusPage(self.monitor, self.runner.connection_label)
        )
        window.close_requested.connect(self.shutdown)
        self.ops.set_report(window.show_error)
        window.show()
        self.startup_window.allow_close()
        self.startup_window.close()
        self.monitor.start()
        self.main_window_shown.emit()

    def _one_stop_done(self) -> None:
        if not self._shutting_down:
            return  # a stop the runner did on its own (retry); not ours
        self._pending_stops -= 1
        if self._pending_stops > 0:
            return
        self.ops.set_report(None)
        for window in (self.main_window, self.startup_window):
            if window is not None:
                window.allow_close()
                window.close()
        log.info("desktop session finished (exit code %d)", self._exit_code)
        self.finished.emit(self._exit_code)

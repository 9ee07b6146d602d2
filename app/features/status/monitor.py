"""Polls the gateway's health in the background and reports each result."""

from __future__ import annotations

import asyncio
from datetime import datetime

from app.api.client import GatewayClient
from app.api.health import Health, HealthApi
from app.errors import UserMessage
from app.features.status.model import HealthReport
from app.ops import Operations
from app.qt.core import QObject, QTimer, Signal

DEFAULT_INTERVAL_MS = 10_000


class HealthMonitor(QObject):
    """Checks the backend's health now and then, never blocking the UI thread.

    Args:
        client: The gateway client.
        ops: Runs the checks on the app's asyncio loop.
        interval_ms: Time between checks.
        parent: The parent object.

    Signals:
        checking(): A check started.
        reported(HealthReport): A check finished, with an answer or an error.
    """

    checking = Signal()
    reported = Signal(object)

    def __init__(
        self,
        client: GatewayClient,
        ops: Operations,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._health = HealthApi(client)
        self._ops = ops
        self._latest: HealthReport | None = None
        self._in_flight: asyncio.Task[Health] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)

    @property
    def latest(self) -> HealthReport | None:
        """The last result, if any check finished."""
        return self._latest

    @property
    def busy(self) -> bool:
        """Whether a check is running."""
        return self._in_flight is not None

    @property
    def polling(self) -> bool:
        """Whether checks repeat on the timer."""
        return self._timer.isActive()

    def start(self) -> None:
        """Check now, then every interval."""
        self._timer.start()
        self.refresh()

    def stop(self) -> None:
        """No more checks; a running one is cancelled (and reports nothing)."""
        self._timer.stop()
        if self._in_flight is not None:
            self._in_flight.cancel()
            self._in_flight = None

    def refresh(self) -> None:
        """Check now, unless a check is already running."""
        if self._in_flight is not None:
            return
        self.checking.emit()
        self._in_flight = self._ops.run(
            self._health.health(),
            on_success=self._answered,
            on_failure=self._failed,
            name="health-check",
        )

    def _answered(self, health: Health) -> None:
        self._in_flight = None
        self._report(HealthReport(datetime.now(), health=health))

    def _failed(self, error: UserMessage) -> None:
        self._in_flight = None
        self._report(HealthReport(datetime.now(), error=error))

    def _report(self, report: HealthReport) -> None:
        self._latest = report
        self.reported.emit(report)

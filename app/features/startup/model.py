"""Progress of a solo start: which step is where, for how long, and why it failed.

No widgets here; the view subscribes to :class:`StartupProgress`'s signals.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from app.qt.core import QObject, Signal

STEP_LABELS: dict[str, str] = {
    "database": "Database",
    "broker": "Message broker",
    "migrations": "Database schema",
    "services": "Services",
}
"""Names people read for the backend's step keys."""

STEP_HINTS: dict[str, str] = {
    "database": "Starting PostgreSQL…",
    "broker": "Starting the event broker…",
    "migrations": "Bringing the database schema up to date…",
    "services": "Starting the gateway and services…",
}
"""What a running step is doing, until the backend says more."""


class StepState(StrEnum):
    """Where one step is."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class StepEvent:
    """A step changed state (the app's copy of the backend's ``StepUpdate``).

    Attributes:
        step: The step's key, e.g. ``"database"``.
        state: ``"started"``, ``"done"`` or ``"failed"``.
        detail: What the backend said: a description when done, the cause when failed.
        remedy: When failed: what the user should do.
    """

    step: str
    state: Literal["started", "done", "failed"]
    detail: str = ""
    remedy: str = ""


@dataclass
class StepProgress:
    """One step as the start-up window shows it.

    Attributes:
        key: The backend's name for it.
        label: The name people read.
        state: Where it is.
        detail: The latest line about it.
        remedy: What to do, when it failed.
        started_at: Monotonic time it started, if it has.
        finished_at: Monotonic time it finished or failed, if it has.
    """

    key: str
    label: str
    state: StepState = StepState.PENDING
    detail: str = ""
    remedy: str = ""
    started_at: float | None = None
    finished_at: float | None = None

    def duration(self, now: float) -> float | None:
        """Seconds spent on the step so far (or in total, once finished)."""
        if self.started_at is None:
            return None
        return (self.finished_at if self.finished_at is not None else now) - self.started_at


@dataclass(frozen=True)
class StartupFailure:
    """Why the start stopped.

    Attributes:
        step: The failed step's key; ``None`` when it failed before any step
            (e.g. a bad setting).
        title: One line, e.g. "The database could not start".
        cause: What went wrong, as the backend worded it.
        remedy: What to do about it.
    """

    step: str | None
    title: str
    cause: str
    remedy: str


_FAILURE_TITLES: dict[str, str] = {
    "database": "The database could not start",
    "broker": "The message broker could not start",
    "migrations": "The database schema could not be updated",
    "services": "The SalesOS services could not start",
}


@dataclass
class _Attempt:
    started_at: float
    finished_at: float | None = None
    failure: StartupFailure | None = None
    steps: list[StepProgress] = field(default_factory=list)


class StartupProgress(QObject):
    """The state of the current start attempt, fed by the backend's step events.

    Args:
        steps: The step keys in the order the backend runs them.
        clock: Monotonic seconds (injectable for tests).
        parent: The parent object.

    Signals:
        step_changed(int): The step at this index changed state or detail.
        failed(StartupFailure): The start stopped; nothing more will happen this attempt.
        completed(): Every step is done.
        restarted(): A new attempt began; every step is pending again.
    """

    step_changed = Signal(int)
    failed = Signal(object)
    completed = Signal()
    restarted = Signal()

    def __init__(
        self,
        steps: Sequence[str],
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._keys = tuple(steps)
        self._clock = clock
        self._attempt = self._new_attempt()
        self._attempts = 0

    def _new_attempt(self) -> _Attempt:
        return _Attempt(
            started_at=self._clock(),
            steps=[StepProgress(key, STEP_LABELS.get(key, key.title())) for key in self._keys],
        )

    @property
    def steps(self) -> Sequence[StepProgress]:
        """Every step, in order."""
        return tuple(self._attempt.steps)

    @property
    def failure(self) -> StartupFailure | None:
        """Why this attempt stopped, if it did."""
        return self._attempt.failure

    @property
    def attempts(self) -> int:
        """How many times :meth:`begin` was called."""
        return self._attempts

    @property
    def finished(self) -> bool:
        """Whether this attempt completed or failed."""
        return self._attempt.finished_at is not None

    @property
    def succeeded(self) -> bool:
        """Whether every step is done."""
        return all(step.state is StepState.DONE for step in self._attempt.steps)

    def elapsed(self) -> float:
        """Seconds since the attempt began (frozen once it finished)."""
        end = self._attempt.finished_at
        return (end if end is not None else self._clock()) - self._attempt.started_at

    def step_seconds(self, index: int) -> float | None:
        """Seconds the step at ``index`` has taken so far; ``None`` before it starts."""
        return self._attempt.steps[index].duration(self._clock())

    def fraction(self) -> float:
        """How far along the attempt is, 0.0 to 1.0 (a running step counts half)."""
        if not self._attempt.steps:
            return 1.0
        weight = {StepState.DONE: 1.0, StepState.RUNNING: 0.5}
        total = sum(weight.get(step.state, 0.0) for step in self._attempt.steps)
        return total / len(self._attempt.steps)

    def current_index(self) -> int | None:
        """The step running or failed now, or ``None``."""
        for index, step in enumerate(self._attempt.steps):
            if step.state in (StepState.RUNNING, StepState.FAILED):
                return index
        return None

    def begin(self) -> None:
        """Start a new attempt: every step pending, the clock at zero."""
        self._attempt = self._new_attempt()
        self._attempts += 1
        self.restarted.emit()

    def apply(self, event: StepEvent) -> None:
        """Record a step event from the backend.

        Events for unknown steps, or arriving after the attempt finished, are ignored
        (a late event from a previous attempt must not disturb a retry).
        """
        if self.finished:
            return
        index = self._index_of(event.step)
        if index is None:
            return
        step = self._attempt.steps[index]
        now = self._clock()
        if event.state == "started":
            step.state = StepState.RUNNING
            step.started_at = now
            step.detail = event.detail or STEP_HINTS.get(step.key, "")
        elif event.state == "done":
            step.state = StepState.DONE
            step.started_at = step.started_at if step.started_at is not None else now
            step.finished_at = now
            step.detail = event.detail
        else:
            step.state = StepState.FAILED
            step.finished_at = now
            step.detail = event.detail
            step.remedy = event.remedy
        self.step_changed.emit(index)
        if step.state is StepState.FAILED:
            self._finish(
                StartupFailure(
                    step.key,
                    _FAILURE_TITLES.get(step.key, f"{step.label} could not start"),
                    event.detail or "The backend did not say why.",
                    event.remedy,
                )
            )
        elif self.succeeded:
            self._attempt.finished_at = now
            self.completed.emit()

    def fail(self, title: str, cause: str, remedy: str) -> None:
        """Stop the attempt for a reason that belongs to no step (e.g. a bad setting)."""
        if not self.finished:
            self._finish(StartupFailure(None, title, cause, remedy))

    def _finish(self, failure: StartupFailure) -> None:
        self._attempt.finished_at = self._clock()
        self._attempt.failure = failure
        self.failed.emit(failure)

    def _index_of(self, key: str) -> int | None:
        for index, step in enumerate(self._attempt.steps):
            if step.key == key:
                return index
        return None


_PATH_PATTERN = re.compile(r"(?:[A-Za-z]:\\|/)[^\s,;:()'\"]+")


def log_folder_for(failure: StartupFailure | None, log_dir: Path) -> Path:
    """The folder "Open log folder" should open.

    The folder a failure names (e.g. "See /home/x/logs/broker.log.") wins if it
    exists, then the log folder, then its nearest existing parent, so the button
    always opens something.

    Args:
        failure: Why the start stopped, if it did.
        log_dir: The backend's log folder.

    Returns:
        An existing folder, when any part of ``log_dir``'s path exists.
    """
    if failure is not None:
        for match in _PATH_PATTERN.findall(f"{failure.cause} {failure.remedy}"):
            path = Path(match.rstrip("."))
            if path.is_file():
                return path.parent
            if path.is_dir():
                return path
    folder = log_dir
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder

"""The start-up progress follows the backend's step events."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.features.startup.model import (
    StartupFailure,
    StartupProgress,
    StepEvent,
    StepState,
    log_folder_for,
)

STEPS = ("database", "broker", "migrations", "services")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def progress(clock: Clock) -> StartupProgress:
    progress = StartupProgress(STEPS, clock=clock)
    progress.begin()
    return progress


class TestSteps:
    def test_steps_start_pending_with_readable_labels(self, progress: StartupProgress) -> None:
        assert [s.state for s in progress.steps] == [StepState.PENDING] * 4
        assert [s.label for s in progress.steps] == [
            "Database",
            "Message broker",
            "Database schema",
            "Services",
        ]
        assert progress.fraction() == 0.0

    def test_started_then_done_with_durations(
        self, progress: StartupProgress, clock: Clock, qtbot: QtBot
    ) -> None:
        with qtbot.waitSignal(progress.step_changed) as changed:
            progress.apply(StepEvent("database", "started"))
        assert changed.args == [0]
        database = progress.steps[0]
        assert database.state is StepState.RUNNING
        assert database.detail == "Starting PostgreSQL…"
        assert progress.current_index() == 0
        assert progress.fraction() == pytest.approx(0.125)
        clock.now += 2.5
        assert progress.step_seconds(0) == pytest.approx(2.5)
        progress.apply(StepEvent("database", "done", "PostgreSQL 18"))
        clock.now += 10
        assert progress.steps[0].state is StepState.DONE
        assert progress.steps[0].detail == "PostgreSQL 18"
        assert progress.step_seconds(0) == pytest.approx(2.5)  # frozen once done
        assert progress.step_seconds(1) is None
        assert progress.fraction() == pytest.approx(0.25)

    def test_every_step_done_completes(self, progress: StartupProgress, qtbot: QtBot) -> None:
        with qtbot.waitSignal(progress.completed):
            for step in STEPS:
                progress.apply(StepEvent(step, "started"))
                progress.apply(StepEvent(step, "done"))
        assert progress.succeeded
        assert progress.finished
        assert progress.fraction() == 1.0

    def test_failure_stops_the_attempt(self, progress: StartupProgress, qtbot: QtBot) -> None:
        progress.apply(StepEvent("database", "started"))
        progress.apply(StepEvent("database", "done"))
        progress.apply(StepEvent("broker", "started"))
        with qtbot.waitSignal(progress.failed) as failed:
            progress.apply(StepEvent("broker", "failed", "port 9092 is in use", "Stop it."))
        failure = failed.args[0]
        assert isinstance(failure, StartupFailure)
        assert failure == StartupFailure(
            "broker", "The message broker could not start", "port 9092 is in use", "Stop it."
        )
        assert progress.current_index() == 1
        assert progress.finished
        assert not progress.succeeded

    def test_failure_without_a_started_event(self, progress: StartupProgress) -> None:
        progress.apply(StepEvent("database", "failed", "bad key", "Fix it."))
        assert progress.steps[0].state is StepState.FAILED
        assert progress.step_seconds(0) is None
        assert progress.failure is not None
        assert progress.failure.step == "database"

    def test_events_after_the_end_and_unknown_steps_are_ignored(
        self, progress: StartupProgress, qtbot: QtBot
    ) -> None:
        progress.apply(StepEvent("database", "failed", "x", "y"))
        with qtbot.assertNotEmitted(progress.step_changed):
            progress.apply(StepEvent("broker", "started"))
        progress.begin()
        with qtbot.assertNotEmitted(progress.step_changed):
            progress.apply(StepEvent("cache", "started"))

    def test_begin_resets_everything(
        self, progress: StartupProgress, clock: Clock, qtbot: QtBot
    ) -> None:
        progress.apply(StepEvent("database", "failed", "x", "y"))
        clock.now += 3
        with qtbot.waitSignal(progress.restarted):
            progress.begin()
        assert progress.failure is None
        assert not progress.finished
        assert all(step.state is StepState.PENDING for step in progress.steps)
        assert progress.elapsed() == 0.0
        assert progress.attempts == 2

    def test_failure_outside_any_step(self, progress: StartupProgress) -> None:
        progress.fail("The settings are not valid", "DATABASE_URL: must be…", "Fix it.")
        assert progress.failure == StartupFailure(
            None, "The settings are not valid", "DATABASE_URL: must be…", "Fix it."
        )
        assert progress.current_index() is None


class TestLogFolder:
    def test_a_folder_named_in_the_failure_wins(self, tmp_path: Path) -> None:
        logs = tmp_path / "logs"
        logs.mkdir()
        (tmp_path / "broker").mkdir()
        (tmp_path / "broker" / "broker.log").write_text("boom")
        failure = StartupFailure(
            "broker", "t", "exited", f"See {tmp_path / 'broker' / 'broker.log'}."
        )
        assert log_folder_for(failure, logs) == tmp_path / "broker"

    def test_the_log_folder_when_it_exists(self, tmp_path: Path) -> None:
        failure = StartupFailure("database", "t", "the folder /nonexistent/x is bad", "")
        (tmp_path / "logs").mkdir()
        assert log_folder_for(failure, tmp_path / "logs") == tmp_path / "logs"

    def test_else_the_nearest_existing_folder(self, tmp_path: Path) -> None:
        (tmp_path / "afile").write_text("")
        assert log_folder_for(None, tmp_path / "afile" / "home" / "logs") == tmp_path

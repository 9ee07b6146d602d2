"""The desktop shell against the real solo backend (embedded Postgres and broker).

These start real servers, so they take seconds, not milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.features.startup.model import StepEvent
from app.features.status.model import HealthTableModel
from app.features.status.view import StatusPage
from app.ops import Operations
from app.shell import DesktopShell
from app.solo import SOLO_CONNECTION, SoloBackendRunner
from app.widgets.step_row import RowState

START_TIMEOUT_MS = 90_000
STOP_TIMEOUT_MS = 40_000
STEPS = ["database", "broker", "migrations", "services"]


@pytest.fixture
def shell(ops: Operations, qtbot: QtBot) -> Iterator[DesktopShell]:
    """A desktop session on the real solo backend; stopped (and waited for) at the end."""
    # Not qtbot.addWidget: pytest-qt deletes those before fixture teardown, and
    # the shell closes its own windows once the backend has stopped.
    shell = DesktopShell(SoloBackendRunner(), ops, health_interval_ms=2_000)
    finished: list[int] = []
    shell.finished.connect(finished.append)
    yield shell
    shell.shutdown()
    qtbot.waitUntil(lambda: bool(finished), timeout=STOP_TIMEOUT_MS)
    assert not shell.runner.stopping


def record_rows(shell: DesktopShell) -> list[tuple[str, RowState]]:
    """(step, what its row showed) after every change the start-up window drew."""
    seen: list[tuple[str, RowState]] = []

    def changed(index: int) -> None:
        seen.append((STEPS[index], shell.startup_window.rows[index].state))

    shell.progress.step_changed.connect(changed)  # after the window's own slot
    return seen


@pytest.mark.slow
class TestSoloStart:
    def test_progress_then_main_window_then_healthy(
        self, shell: DesktopShell, solo_env: Path, qtbot: QtBot
    ) -> None:
        events: list[tuple[str, str]] = []
        shell.runner.step.connect(lambda e: events.append((e.step, e.state)))
        rows = record_rows(shell)

        shell.start()
        assert shell.startup_window.isVisible()
        qtbot.waitUntil(
            lambda: shell.main_window is not None and shell.main_window.isVisible(),
            timeout=START_TIMEOUT_MS,
        )

        assert events == [(step, state) for step in STEPS for state in ("started", "done")]
        assert rows == [
            (step, state) for step in STEPS for state in (RowState.RUNNING, RowState.DONE)
        ]
        assert shell.startup_window.progress_bar.value() == 1000
        assert not shell.startup_window.isVisible()

        window = shell.main_window
        assert window is not None
        assert window.page_titles() == ["System status"]
        assert window.connection_label.text() == SOLO_CONNECTION
        qtbot.waitUntil(lambda: window.indicator.label.text() == "Healthy", timeout=20_000)
        page = window.pages.currentWidget()
        assert isinstance(page, StatusPage)
        model = page.model
        keys = {model.index(r, 0).data(HealthTableModel.KeyRole) for r in range(model.rowCount())}
        assert {"database", "broker", "auth", "crm"} <= keys
        assert page.headline.text() == "Everything is working"

    def test_closing_the_main_window_stops_the_backend(
        self, shell: DesktopShell, solo_env: Path, qtbot: QtBot
    ) -> None:
        shell.start()
        qtbot.waitUntil(lambda: shell.main_window is not None, timeout=START_TIMEOUT_MS)
        window = shell.main_window
        assert window is not None
        with qtbot.waitSignal(shell.finished, timeout=STOP_TIMEOUT_MS) as finished:
            window.close()
            assert window.isVisible()  # still up, showing "Shutting down…"
            assert window.indicator.label.text() == "Shutting down…"
        assert finished.args == [0]
        assert not window.isVisible()
        assert shell.runner.base_url is None
        assert shell.monitor is not None
        assert not shell.monitor.polling


@pytest.fixture(
    params=["home-under-a-file", "database-url-refused"],
)
def broken_database(
    request: pytest.FixtureRequest, solo_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Settings with which the database step cannot succeed."""
    if request.param == "home-under-a-file":
        (tmp_path / "afile").write_text("not a folder")
        monkeypatch.setenv("SALESOS_HOME", str(tmp_path / "afile" / "home"))
    else:
        monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    return str(request.param)


@pytest.mark.slow
class TestDatabaseCannotStart:
    def test_error_screen_with_cause_remedy_and_buttons(
        self, shell: DesktopShell, broken_database: str, qtbot: QtBot
    ) -> None:
        steps: list[StepEvent] = []
        shell.runner.step.connect(steps.append)
        with (
            qtbot.assertNotEmitted(shell.main_window_shown, wait=500),
            qtbot.waitSignal(shell.progress.failed, timeout=START_TIMEOUT_MS) as failed,
        ):
            shell.start()

        failure = failed.args[0]
        assert failure.step == "database"
        assert (steps[-1].step, steps[-1].state) == ("database", "failed")
        window = shell.startup_window
        assert window.isVisible()
        assert window.rows[0].state is RowState.FAILED
        assert [row.state for row in window.rows[1:]] == [RowState.PENDING] * 3
        assert window.failure_panel.isVisible()
        assert window.failure_title.text() == "The database could not start"
        assert window.cause_label.text() == steps[-1].detail != ""
        assert window.remedy_label.isVisible()
        assert window.remedy_label.text() == steps[-1].remedy != ""
        for button in (window.retry_button, window.quit_button):
            assert button.isVisible()
            assert button.isEnabled()
        assert shell.main_window is None

    def test_retry_tries_again_and_quit_exits_1(
        self, shell: DesktopShell, broken_database: str, qtbot: QtBot
    ) -> None:
        with qtbot.waitSignal(shell.progress.failed, timeout=START_TIMEOUT_MS):
            shell.start()
        window = shell.startup_window
        with qtbot.waitSignal(shell.progress.failed, timeout=START_TIMEOUT_MS):
            window.retry_button.click()
            assert window.failure_panel.isHidden()
        assert shell.progress.attempts == 2
        assert window.failure_panel.isVisible()
        with qtbot.waitSignal(shell.finished, timeout=STOP_TIMEOUT_MS) as finished:
            window.quit_button.click()
        assert finished.args == [1]
        assert not window.isVisible()
        assert shell.main_window is None

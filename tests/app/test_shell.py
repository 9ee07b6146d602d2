"""The desktop shell against the real solo backend (embedded Postgres and broker):
start-up window → login window → main window, and a clean stop.

These start real servers, so they take seconds, not milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.features.home.view import HomePage
from app.features.login.model import Server, SignInPreferences
from app.features.startup.model import StepEvent
from app.features.status.model import HealthTableModel
from app.features.status.view import StatusPage
from app.keychain import Keychain
from app.ops import Operations
from app.shell import DesktopShell
from app.solo import SOLO_CONNECTION, SoloBackendRunner
from app.widgets.step_row import RowState
from tests.app.support import DEMO_ADMIN, fill_login, free_port, sign_in

START_TIMEOUT_MS = 90_000
STOP_TIMEOUT_MS = 40_000
STEPS = ["database", "broker", "migrations", "services"]


@pytest.fixture
def shell(ops: Operations, qtbot: QtBot, prefs: SignInPreferences) -> Iterator[DesktopShell]:
    """A desktop session on the real solo backend; stopped (and waited for) at the end.

    With fresh preferences, so it starts as on a first run: "This computer".
    """
    # Not qtbot.addWidget: pytest-qt deletes those before fixture teardown, and
    # the shell closes its own windows once the backend has stopped.
    shell = DesktopShell(SoloBackendRunner(), ops, prefs, Keychain(), health_interval_ms=2_000)
    yield shell
    if not shell.shutting_down:
        shell.shutdown()
    qtbot.waitUntil(lambda: shell.stopped, timeout=STOP_TIMEOUT_MS)
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
    def test_progress_then_login_then_main_window_then_healthy(
        self, shell: DesktopShell, solo_env: Path, qtbot: QtBot
    ) -> None:
        events: list[tuple[str, str]] = []
        shell.runner.step.connect(lambda e: events.append((e.step, e.state)))
        rows = record_rows(shell)

        shell.start()
        assert shell.startup_window.isVisible()
        assert not shell.login_window.isVisible()
        qtbot.waitUntil(shell.login_window.isVisible, timeout=START_TIMEOUT_MS)

        assert events == [(step, state) for step in STEPS for state in ("started", "done")]
        assert rows == [
            (step, state) for step in STEPS for state in (RowState.RUNNING, RowState.DONE)
        ]
        assert shell.startup_window.progress_bar.value() == 1000
        assert not shell.startup_window.isVisible()
        assert shell.main_window is None
        assert shell.login_window.this_computer_radio.isChecked()

        sign_in(shell, qtbot, DEMO_ADMIN)  # a demo login of the new database
        window = shell.main_window
        assert window is not None
        assert not shell.login_window.isVisible()
        assert window.page_titles() == [
            "Home",
            "Accounts",
            "Contacts",
            "Pipeline",
            "System status",
            "Users",
            "Settings",
        ]
        assert window.connection_label.text() == SOLO_CONNECTION
        qtbot.waitUntil(lambda: window.indicator.label.text() == "Healthy", timeout=20_000)
        assert isinstance(window.pages.currentWidget(), HomePage)  # the first screen
        page = window.show_page("System status")
        assert isinstance(page, StatusPage)
        model = page.model
        keys = {model.index(r, 0).data(HealthTableModel.KeyRole) for r in range(model.rowCount())}
        assert {"database", "broker", "auth", "crm"} <= keys
        assert page.headline.text() == "Everything is working"

    def test_closing_the_main_window_stops_the_backend(
        self, shell: DesktopShell, solo_env: Path, qtbot: QtBot
    ) -> None:
        shell.start()
        sign_in(shell, qtbot, DEMO_ADMIN)
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

    def test_closing_the_login_window_quits(
        self, shell: DesktopShell, solo_env: Path, qtbot: QtBot
    ) -> None:
        shell.start()
        qtbot.waitUntil(shell.login_window.isVisible, timeout=START_TIMEOUT_MS)
        with qtbot.waitSignal(shell.finished, timeout=STOP_TIMEOUT_MS) as finished:
            shell.login_window.close()
        assert finished.args == [0]
        assert not shell.login_window.isVisible()
        assert shell.runner.base_url is None


@pytest.mark.slow
class TestTeamServerUsedLast:
    @pytest.fixture
    def team_prefs(self, prefs: SignInPreferences) -> str:
        url = f"http://127.0.0.1:{free_port()}"  # nothing there: it is never asked
        prefs.remember_server(Server.team(url))
        return url

    def test_goes_straight_to_login_without_starting_the_solo_backend(
        self, shell: DesktopShell, team_prefs: str, solo_env: Path, qtbot: QtBot
    ) -> None:
        shell.start()
        assert shell.login_window.isVisible()
        assert not shell.startup_window.isVisible()
        assert shell.login_window.team_radio.isChecked()
        assert shell.login_window.url_edit.text() == team_prefs
        qtbot.waitUntil(lambda: shell.ops.pending == 0)  # what the start began has ended
        assert shell.progress.attempts == 0
        assert shell.runner.base_url is None

    def test_choosing_this_computer_starts_it_then_signs_in(
        self, shell: DesktopShell, team_prefs: str, solo_env: Path, qtbot: QtBot
    ) -> None:
        shell.start()
        login = shell.login_window
        fill_login(login, DEMO_ADMIN)
        login.this_computer_radio.setChecked(True)
        with qtbot.waitSignal(shell.main_window_shown, timeout=START_TIMEOUT_MS):
            login.sign_in_button.click()
            assert shell.startup_window.isVisible()  # the start-up progress, reused
            assert not login.isVisible()
        assert shell.progress.succeeded
        assert not shell.startup_window.isVisible()
        window = shell.main_window
        assert window is not None
        assert window.connection_label.text() == SOLO_CONNECTION
        assert shell.prefs.server == Server.this_computer()  # next launch starts solo


@pytest.fixture(params=["database-url-refused"])
def broken_database(
    request: pytest.FixtureRequest, solo_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Settings with which the database step cannot succeed."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    return str(request.param)


class TestADataFolderThatIsAFile:
    """Issue 11, defect 12: it is named a file, not "not writable (File exists)"."""

    @pytest.mark.parametrize("where", ["the-folder", "a-parent"])
    def test_the_start_says_so_and_what_to_do(
        self,
        shell: DesktopShell,
        solo_env: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        qtbot: QtBot,
        where: str,
    ) -> None:
        (tmp_path / "afile").write_text("not a folder")
        home = tmp_path / "afile" if where == "the-folder" else tmp_path / "afile" / "home"
        monkeypatch.setenv("SALESOS_HOME", str(home))
        with qtbot.waitSignal(shell.progress.failed, timeout=START_TIMEOUT_MS):
            shell.start()
        window = shell.startup_window
        assert window.failure_title.text() == "The settings are not valid"
        cause = window.cause_label.text()
        assert f"{tmp_path / 'afile'} is a file, not a folder" in cause
        assert "File exists" not in cause
        assert "not writable" not in cause
        assert shell.main_window is None


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

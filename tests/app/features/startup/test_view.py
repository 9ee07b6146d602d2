"""The start-up window shows each step's state and, on failure, what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.features.startup.model import StartupProgress, StepEvent
from app.features.startup.view import StartupWindow
from app.qt.core import QObject, QUrl, Slot
from app.qt.gui import QDesktopServices
from app.widgets.step_row import RowState, StepRow

STEPS = ("database", "broker", "migrations", "services")


def state_of(row: StepRow) -> RowState:
    return row.state


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> StartupWindow:
    progress = StartupProgress(STEPS)
    window = StartupWindow(progress, tmp_path / "logs")
    qtbot.addWidget(window)
    window.show()
    progress.begin()
    return window


def fail_database(window: StartupWindow) -> None:
    window.progress.apply(StepEvent("database", "started"))
    window.progress.apply(
        StepEvent(
            "database",
            "failed",
            "the data folder /srv/x is not writable (Permission denied)",
            "Choose a writable folder with SALESOS_HOME.",
        )
    )


class TestProgress:
    def test_rows_follow_the_steps(self, window: StartupWindow) -> None:
        progress = window.progress
        assert [row.title_label.text() for row in window.rows] == [
            "Database",
            "Message broker",
            "Database schema",
            "Services",
        ]
        progress.apply(StepEvent("database", "started"))
        assert window.rows[0].state is RowState.RUNNING
        assert window.rows[0].icon.animating
        assert window.progress_label.text() == "Step 1 of 4: Database"
        progress.apply(StepEvent("database", "done", "PostgreSQL 18 (embedded, new)"))
        assert state_of(window.rows[0]) is RowState.DONE
        assert not window.rows[0].icon.animating
        assert window.rows[0].detail_label.full_text() == "PostgreSQL 18 (embedded, new)"
        assert window.rows[1].state is RowState.PENDING
        assert window.progress_bar.value() == 250
        assert window.failure_panel.isHidden()
        assert window.buttons.isHidden()

    def test_elapsed_time_ticks(self, window: StartupWindow, qtbot: QtBot) -> None:
        window.progress.apply(StepEvent("database", "started"))
        qtbot.waitUntil(lambda: window.elapsed_label.text() not in ("", "0.0 s elapsed"))
        qtbot.waitUntil(lambda: window.rows[0].duration_label.text().endswith(" s"))


class TestFailure:
    def test_failed_step_cause_and_remedy_are_shown(self, window: StartupWindow) -> None:
        fail_database(window)
        assert window.rows[0].state is RowState.FAILED
        assert window.rows[0].property("state") == "failed"
        assert window.failure_panel.isVisible()
        assert window.failure_title.text() == "The database could not start"
        assert "not writable" in window.cause_label.text()
        assert window.remedy_label.text() == "Choose a writable folder with SALESOS_HOME."
        assert window.retry_button.isVisible()
        assert window.quit_button.isVisible()
        assert window.open_logs_button.isVisible()
        assert window.subtitle.text() == "SalesOS could not start"

    def test_short_cause_gets_no_scroll_bar_long_one_scrolls(self, window: StartupWindow) -> None:
        fail_database(window)
        short = window.cause_scroll.height()
        assert short < window.CAUSE_MAX_HEIGHT
        window.progress.begin()
        window.progress.apply(StepEvent("database", "failed", "\n".join(["line"] * 40), "x"))
        assert window.cause_scroll.height() == window.CAUSE_MAX_HEIGHT

    def test_buttons_ask_for_retry_and_quit(self, window: StartupWindow, qtbot: QtBot) -> None:
        fail_database(window)
        with qtbot.waitSignal(window.retry_requested):
            window.retry_button.click()
        with qtbot.waitSignal(window.quit_requested):
            window.quit_button.click()

    def test_retry_brings_back_the_pending_steps(self, window: StartupWindow) -> None:
        fail_database(window)
        window.progress.begin()
        assert window.failure_panel.isHidden()
        assert [row.state for row in window.rows] == [RowState.PENDING] * 4

    def test_open_log_folder_opens_an_existing_folder(
        self, window: StartupWindow, tmp_path: Path
    ) -> None:
        class Opener(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.urls: list[QUrl] = []

            @Slot(QUrl)
            def open(self, url: QUrl) -> None:
                self.urls.append(url)

        opener = Opener()
        # PySide6 wants a str here, though its stub says bytes.
        QDesktopServices.setUrlHandler("file", opener, "open")  # type: ignore[arg-type]
        try:
            fail_database(window)
            window.open_logs_button.click()
        finally:
            QDesktopServices.unsetUrlHandler("file")
        assert [Path(url.toLocalFile()) for url in opener.urls] == [tmp_path]


class TestClosing:
    def test_closing_asks_to_quit_and_stays_open(self, window: StartupWindow, qtbot: QtBot) -> None:
        with qtbot.waitSignal(window.quit_requested):
            window.close()
        assert window.isVisible()
        window.allow_close()
        window.close()
        assert not window.isVisible()

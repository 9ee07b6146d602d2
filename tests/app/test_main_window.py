"""The main window lists only the screens that work and asks before closing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.errors import ErrorKind, UserMessage
from app.features.status.monitor import HealthMonitor
from app.features.status.view import StatusPage
from app.main_window import MainWindow
from app.ops import Operations
from app.qt.widgets import QLabel


@pytest.fixture
def window(ops: Operations, qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Iterator[MainWindow]:
    client = GatewayClient("http://127.0.0.1:9")
    monitor = HealthMonitor(client, ops)
    window = MainWindow(monitor, "Solo · This computer")
    window.add_page("System status", "status", StatusPage(monitor, "Solo · This computer"))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.allow_close()
    closing = ops.run(client.aclose())
    qtbot.waitUntil(closing.done)


class TestNavigation:
    def test_only_the_status_screen_exists_yet(self, window: MainWindow) -> None:
        assert window.page_titles() == ["System status"]
        assert window.nav.currentRow() == 0
        assert isinstance(window.pages.currentWidget(), StatusPage)

    def test_sidebar_switches_pages(self, window: MainWindow) -> None:
        window.add_page("Second", "status", QLabel("second page"))
        window.nav.setCurrentRow(1)
        assert isinstance(window.pages.currentWidget(), QLabel)
        window.nav.setCurrentRow(0)
        assert isinstance(window.pages.currentWidget(), StatusPage)


class TestClosing:
    def test_close_asks_first(self, window: MainWindow, qtbot: QtBot) -> None:
        with qtbot.waitSignal(window.close_requested):
            window.close()
        assert window.isVisible()

    def test_shutting_down_locks_the_window(self, window: MainWindow) -> None:
        window.set_shutting_down()
        assert window.indicator.label.text() == "Shutting down…"
        assert not window.pages.isEnabled()


class TestCentralErrors:
    def test_errors_show_in_the_status_bar(self, window: MainWindow) -> None:
        window.show_error(UserMessage(ErrorKind.SERVER, "The server had a problem: boom"))
        assert window.statusBar().currentMessage() == "The server had a problem: boom"

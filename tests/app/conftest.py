"""Fixtures for the desktop client's tests: Qt offscreen, a qasync loop, solo settings.

Qt runs with the ``offscreen`` platform (no display needed). Async code of the
client runs on a qasync loop that shares Qt's event loop, so ``qtbot.waitUntil``
and ``qtbot.waitSignal`` drive both Qt events and asyncio tasks.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from app.ops import Operations
from app.qt import QApplication
from app.theme import apply_theme

HERE = Path(__file__).parent

OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"
"""Qt's offscreen platform warns whenever a top-level window with a layout is shown
(it has no window manager to pass size hints to). Real platforms do not."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp: QApplication) -> QApplication:
    """The test QApplication, styled as the real app is (sizes depend on the stylesheet)."""
    apply_theme(qapp)
    return qapp


@pytest.fixture
def qloop(qapp: QApplication, qtbot: QtBot) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop riding on the Qt event loop that pytest-qt spins.

    Created ``already_running`` so tasks run whenever qtbot processes events. It
    must never be ``stop()``-ped: that calls ``QApplication.exit()``, which leaves
    Qt's quit flag set and makes every later ``qtbot.wait*`` return at once. So the
    teardown lets the tasks finish, then marks the loop not running by hand and
    clears asyncio's running loop (pytest-asyncio tests run after these).
    """
    loop = qasync.QEventLoop(qapp, already_running=True)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=5000)
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        loop._QEventLoop__is_running = False
        asyncio.events._set_running_loop(None)
        loop.close()


@pytest.fixture
def ops(qloop: asyncio.AbstractEventLoop) -> Operations:
    """Background operations on the test's qasync loop."""
    return Operations(qloop)


@pytest.fixture
def solo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for a solo start in a fresh data folder; returns SALESOS_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("SALESOS_HOME", str(home))
    monkeypatch.setenv("SALESOS_EMBEDDED_PG_FAST", "1")
    monkeypatch.setenv("SALESOS_LOG_FORMAT", "text")
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return home

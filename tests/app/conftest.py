"""Fixtures for the desktop client's tests: Qt offscreen, a qasync loop, solo settings.

Qt runs with the ``offscreen`` platform (no display needed). Async code of the
client runs on a qasync loop that shares Qt's event loop, so ``qtbot.waitUntil``
and ``qtbot.waitSignal`` drive both Qt events and asyncio tasks.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from app.features.login.model import Server, SignInPreferences
from app.keychain import Keychain
from app.ops import Operations
from app.qt.core import QSettings
from app.qt.widgets import QApplication
from app.shell import DesktopShell
from app.solo import SoloBackendRunner
from app.theme import apply_theme
from backend.embedded.postgres import EmbeddedPostgres
from backend.kit.settings import load_settings
from backend.server import SoloBackend
from tests.app.support import MemoryKeyring, SoloServer, stop_shell
from tests.app.team_support import TeamGateway, team_gateway

HERE = Path(__file__).parent

OFFSCREEN_NOISE = (
    "This plugin does not support propagateSizeHints",
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the (keyboard|mouse)",
)
"""Qt's offscreen platform warns whenever a top-level window with a layout is shown
(it has no window manager to pass size hints to), when a window is raised (there
is no stacking order), and when a popup (the Ctrl+K palette) grabs the keyboard
and mouse. Real platforms do not."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def collect_qt_garbage_here() -> Iterator[None]:
    """Collect each test's garbage on the main thread when it ends.

    Widgets caught in reference cycles (a slot lambda holding its window) are
    otherwise freed whenever Python's cycle collector next runs, which may be on
    the solo backend's thread, and Qt must not destroy widgets there. Being
    autouse, this is torn down after the test's other fixtures.

    ``gc.freeze()`` then moves the survivors out of the collector's sight, so the
    next test's collection scans only what that test created (a full collection of
    this process, backend included, costs ~0.13 s; 140 of them would be 18 s).
    """
    yield
    gc.collect()
    gc.freeze()


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
def solo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Environment for a solo start in a fresh data folder; yields SALESOS_HOME. The
    embedded database is deleted afterwards (as root it lives outside tmp_path)."""
    home = tmp_path / "home"
    monkeypatch.setenv("SALESOS_HOME", str(home))
    monkeypatch.setenv("SALESOS_EMBEDDED_PG_FAST", "1")
    monkeypatch.setenv("SALESOS_LOG_FORMAT", "text")
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield home
    EmbeddedPostgres(home).destroy()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty keyring of its own; the machine's is never touched."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def prefs(tmp_path: Path) -> SignInPreferences:
    """The sign-in choices, kept in an INI file of this test (not the user's settings)."""
    return SignInPreferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))


@pytest.fixture(scope="module")
def solo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoloServer]:
    """A real solo backend (embedded Postgres and broker, demo users) for a test module.

    Sign-in limits are raised so that a module's many sign-ins from 127.0.0.1 do
    not trip the per-address throttle meant for attackers; the per-account lockout
    stays as it is (tests that lock an account use a user of their own).
    """
    home = tmp_path_factory.mktemp("solo") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALESOS_HOME", str(home))
        env.setenv("SALESOS_EMBEDDED_PG_FAST", "1")
        env.setenv("SALESOS_LOG_FORMAT", "text")
        env.setenv("SALESOS_LOGIN_IP_LIMIT_PER_MIN", "10000")
        env.setenv("SALESOS_RATE_LIMIT_PER_MIN", "100000")
        for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
            env.delenv(name, raising=False)
        backend = SoloBackend(load_settings())
    backend.start(lambda update: None)
    try:
        yield SoloServer(backend.wait_ready(90), home)
    finally:
        backend.stop()
        EmbeddedPostgres(home).destroy()  # as root its data lives outside the tmp folder


@pytest.fixture(scope="session")
def degraded_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamGateway]:
    """A real team-mode gateway whose sign-in (auth) service is not running: its health
    says "degraded" and names it (``remote_service()`` starts it for a while)."""
    with team_gateway(tmp_path_factory.mktemp("team") / "home") as gateway:
        yield gateway


@pytest.fixture
def team_shell(
    ops: Operations, qtbot: QtBot, prefs: SignInPreferences, solo_server: SoloServer
) -> Iterator[DesktopShell]:
    """A desktop session whose last sign-in was to a team server: the module's solo
    backend, reached over HTTP like any team server. Started; stopped at the end."""
    prefs.remember_server(Server.team(solo_server.url))
    shell = DesktopShell(SoloBackendRunner(), ops, prefs, Keychain(), health_interval_ms=60_000)
    shell.start()
    yield shell
    stop_shell(shell, qtbot)

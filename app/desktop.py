"""Runs the desktop app: the Qt application, its qasync loop and the session."""

from __future__ import annotations

import asyncio
import signal
import sys

import qasync

from app.features.login.model import SignInPreferences
from app.keychain import Keychain
from app.ops import Operations
from app.qt.core import QSettings, QTimer
from app.qt.widgets import QApplication
from app.shell import DesktopShell
from app.solo import SoloBackendRunner, preferences_path
from app.theme import apply_theme


def run_desktop() -> int:
    """Open the desktop app and run it until the user quits.

    It starts where the user left off: the solo backend and its login, or the
    login of the team server signed in to last.

    Returns:
        The exit code: 0, or 1 when the user quit after a failed start.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    # The shell decides when the app ends: after the backend has stopped, not
    # when the start-up window closes on the way to the main window.
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    exit_code: asyncio.Future[int] = loop.create_future()

    ops = Operations(loop)
    # In the data folder, not the OS user's settings: each SALESOS_HOME its own choices.
    prefs = SignInPreferences(QSettings(str(preferences_path()), QSettings.Format.IniFormat))
    shell = DesktopShell(SoloBackendRunner(), ops, prefs, Keychain())

    def finished(code: int) -> None:
        if not exit_code.done():
            exit_code.set_result(code)

    shell.finished.connect(finished)

    # Ctrl+C / SIGTERM: quit cleanly. Python runs signal handlers only when it
    # gets control, so wake it up regularly while Qt's loop runs.
    def request_quit(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(shell.shutdown)

    previous = {sig: signal.signal(sig, request_quit) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)

    shell.start()
    try:
        with loop:
            code: int = loop.run_until_complete(exit_code)
            return code
    finally:
        wake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

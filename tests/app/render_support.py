"""What the screen renderers share: the window size, saving a grab, a popup over its
window, waiting for a live screen, and a real solo session with the demo data."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.qt.core import Qt
from app.qt.gui import QColor, QPainter, QPixmap
from app.qt.widgets import QApplication, QWidget

if TYPE_CHECKING:
    from app.shell import DesktopShell

WINDOW_SIZE = (1280, 800)
"""A sales rep's laptop window: every full-window shot is taken at this size."""

WAIT_S = 30.0
"""How long a live screen may take to load before the script gives up on it."""


def save(widget: QWidget, out: Path, name: str) -> None:
    """Show ``widget``, let it lay itself out, and write it to ``out/name.png``."""
    widget.show()
    app = QApplication.instance()
    assert app is not None
    for _ in range(5):
        app.processEvents()
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def over(window: QWidget, popup: QWidget, *, centred: bool) -> QPixmap:
    """``window`` with ``popup`` (a dialog or the palette, its own top-level) painted on
    it where the user sees it: centred (a dialog, given the edge and shadow a window
    manager would draw), or at the popup's own place over the window (the palette)."""
    shot = window.grab()
    above = popup.grab()
    painter = QPainter(shot)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if centred:
        x = (shot.width() - above.width()) // 2
        y = (shot.height() - above.height()) // 2
        painter.setPen(Qt.PenStyle.NoPen)
        for spread in range(16, 0, -2):  # a soft shadow: faint layers, darker near the edge
            painter.setBrush(QColor(15, 23, 42, 6))
            painter.drawRoundedRect(
                x - spread,
                y - spread + 4,
                above.width() + 2 * spread,
                above.height() + 2 * spread,
                spread,
                spread,
            )
    else:
        x = popup.x() - window.x()
        y = popup.y() - window.y()
    painter.drawPixmap(x, y, above)
    if centred:
        painter.setPen(QColor("#94a3b8"))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(x, y, above.width() - 1, above.height() - 1)
    painter.end()
    return shot


async def until(ready: Callable[[], object], what: str, timeout: float = WAIT_S) -> None:
    """Wait until ``ready()`` holds; give up naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not ready():
        if loop.time() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


async def settle(seconds: float = 0.15) -> None:
    """Let layouts, fonts and late answers settle before a grab."""
    await asyncio.sleep(seconds)


def run_demo_session(
    app: QApplication, prefix: str, shots: Callable[[DesktopShell], Awaitable[None]]
) -> None:
    """Run a real solo session on a fresh data folder (``prefix`` names it; the demo
    data is made on first start), hand its shell to ``shots``, then shut it down.

    Never touches this machine's keyring or the OS user's settings."""
    import keyring
    import qasync

    from app.features.login.model import SignInPreferences
    from app.keychain import Keychain
    from app.ops import Operations
    from app.qt.core import QSettings
    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner
    from tests.app.support import MemoryKeyring

    home = tempfile.mkdtemp(prefix=prefix)
    os.environ.update(SALESOS_HOME=home, SALESOS_EMBEDDED_PG_FAST="1", SALESOS_LOG_FORMAT="text")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    keyring.set_keyring(MemoryKeyring())
    prefs = SignInPreferences(QSettings(f"{home}/prefs.ini", QSettings.Format.IniFormat))

    async def session() -> None:
        shell = DesktopShell(SoloBackendRunner(), Operations(loop), prefs, Keychain())
        finished = asyncio.Event()
        shell.finished.connect(lambda _code: finished.set())
        shell.start()
        try:
            await shots(shell)
        finally:
            shell.shutdown()
            await finished.wait()

    with loop:
        loop.run_until_complete(session())


async def demo_login(shell: DesktopShell) -> None:
    """Wait for the login window and fill in the demo admin's email and password."""
    from backend.auth.demo import DEMO_PASSWORD
    from tests.app.support import DEMO_ADMIN

    login = shell.login_window
    await until(lambda: login.isVisible() and not login.busy, "the login window", 120)
    login.email_edit.setText(DEMO_ADMIN)
    login.password_edit.setText(DEMO_PASSWORD)

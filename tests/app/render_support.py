"""What the screen renderers share: the window size, saving a grab, a popup over its
window, and waiting for a live screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from app.qt.core import Qt
from app.qt.gui import QColor, QPainter, QPixmap
from app.qt.widgets import QApplication, QWidget

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

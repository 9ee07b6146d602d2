"""The few colours that carry meaning (ok, warning, error, neutral), in one place."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from app.qt.core import Qt
from app.qt.gui import QColor, QIcon, QPainter, QPixmap


class Tone(StrEnum):
    """The meaning a colour conveys; also used as a QSS property value."""

    POSITIVE = "positive"
    WARNING = "warning"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    ACCENT = "accent"


_COLORS: dict[Tone, str] = {
    Tone.POSITIVE: "#16a34a",
    Tone.WARNING: "#d97706",
    Tone.NEGATIVE: "#dc2626",
    Tone.NEUTRAL: "#94a3b8",
    Tone.ACCENT: "#4f46e5",
}


def tone_color(tone: Tone) -> QColor:
    """The colour of a tone (the same values the stylesheet uses)."""
    return QColor(_COLORS[tone])


@cache
def dot_icon(tone: Tone, diameter: int = 10) -> QIcon:
    """A dot as an icon, for item views (``DecorationRole``).

    Args:
        tone: The colour meaning.
        diameter: Size in pixels.

    Returns:
        An icon with a transparent background (cached: one per tone and size).
    """
    pixmap = QPixmap(diameter * 2, diameter * 2)  # drawn at 2x for high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(tone_color(tone))
    painter.drawEllipse(0, 0, diameter, diameter)
    painter.end()
    return QIcon(pixmap)

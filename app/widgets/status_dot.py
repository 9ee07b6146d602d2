"""A small filled circle whose colour says ok / warning / error / unknown."""

from __future__ import annotations

from app.qt.core import QSize, Qt
from app.qt.gui import QPainter, QPaintEvent
from app.qt.widgets import QWidget
from app.widgets.tones import Tone, tone_color


class StatusDot(QWidget):
    """A coloured dot, e.g. next to "Healthy" in a status bar.

    Args:
        tone: The initial colour meaning.
        diameter: Size of the dot in pixels.
        parent: The parent widget.
    """

    def __init__(
        self, tone: Tone = Tone.NEUTRAL, diameter: int = 10, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._tone = tone
        self._diameter = diameter
        self.setFixedSize(diameter + 2, diameter + 2)

    @property
    def tone(self) -> Tone:
        """The current colour meaning."""
        return self._tone

    def set_tone(self, tone: Tone) -> None:
        """Change the colour."""
        if tone != self._tone:
            self._tone = tone
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._diameter + 2, self._diameter + 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tone_color(self._tone))
        painter.drawEllipse(1, 1, self._diameter, self._diameter)
        painter.end()

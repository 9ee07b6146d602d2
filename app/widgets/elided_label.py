"""A one-line label that shortens its text with "…" instead of being clipped."""

from __future__ import annotations

from app.qt.core import QEvent, QSize, Qt
from app.qt.gui import QResizeEvent
from app.qt.widgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A single-line label that elides on the right to fit its width.

    The full text stays available through :meth:`full_text` and as the tooltip
    when it does not fit.

    Args:
        text: The initial text.
        parent: The parent widget.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Show ``text``, elided to the current width."""
        self._full = text
        self._refit()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() is QEvent.Type.FontChange:
            self._refit()

    def _refit(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        self.setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

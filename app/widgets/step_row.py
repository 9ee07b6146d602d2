"""One row of a step-by-step progress list: state icon, title, detail, duration."""

from __future__ import annotations

from enum import StrEnum

from app.qt.core import QPointF, QRectF, QSize, Qt, QTimer
from app.qt.gui import QPainter, QPaintEvent, QPen
from app.qt.widgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from app.widgets.elided_label import ElidedLabel
from app.widgets.tones import Tone, tone_color


class RowState(StrEnum):
    """Where a step is; also the value of the row's ``state`` QSS property."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StepIcon(QWidget):
    """A painted state icon: hollow circle, spinning arc, check mark or cross.

    The spinner animates only while the icon is running and visible.

    Args:
        size: Width and height in pixels.
        parent: The parent widget.
    """

    FRAME_MS = 33  # ~30 frames a second: smooth enough, cheap on two cores

    def __init__(self, size: int = 22, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._state = RowState.PENDING
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(self.FRAME_MS)
        self._timer.timeout.connect(self._advance)
        self.setFixedSize(size, size)

    @property
    def state(self) -> RowState:
        """What the icon shows."""
        return self._state

    @property
    def animating(self) -> bool:
        """Whether the spinner is turning."""
        return self._timer.isActive()

    def set_state(self, state: RowState) -> None:
        """Show another state (starts or stops the spinner)."""
        self._state = state
        if state is RowState.RUNNING:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._size, self._size)

    def _advance(self) -> None:
        if not self.isVisible():
            return
        self._angle = (self._angle + 12) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen_width = max(2.0, self._size / 11)
        inset = pen_width / 2 + 1
        box = QRectF(inset, inset, self._size - 2 * inset, self._size - 2 * inset)
        if self._state is RowState.PENDING:
            painter.setPen(QPen(tone_color(Tone.NEUTRAL), pen_width))
            painter.drawEllipse(box)
        elif self._state is RowState.RUNNING:
            track = tone_color(Tone.ACCENT)
            track.setAlpha(50)
            painter.setPen(QPen(track, pen_width))
            painter.drawEllipse(box)
            pen = QPen(tone_color(Tone.ACCENT), pen_width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            # Qt angles are in 1/16 degree, counter-clockwise; spin clockwise.
            painter.drawArc(box, -self._angle * 16, 100 * 16)
        else:
            tone = Tone.POSITIVE if self._state is RowState.DONE else Tone.NEGATIVE
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(tone_color(tone))
            painter.drawEllipse(QRectF(0, 0, self._size, self._size))
            pen = QPen(Qt.GlobalColor.white, pen_width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            s = self._size
            if self._state is RowState.DONE:
                painter.drawPolyline(
                    [
                        QPointF(s * 0.28, s * 0.52),
                        QPointF(s * 0.44, s * 0.68),
                        QPointF(s * 0.73, s * 0.36),
                    ]
                )
            else:
                painter.drawLine(QPointF(s * 0.34, s * 0.34), QPointF(s * 0.66, s * 0.66))
                painter.drawLine(QPointF(s * 0.66, s * 0.34), QPointF(s * 0.34, s * 0.66))
        painter.end()


class StepRow(QWidget):
    """A step of a longer task: icon, title, a line of detail and how long it took.

    The row carries a dynamic ``state`` property (``pending``, ``running``,
    ``done``, ``failed``) so a stylesheet can colour it.

    Args:
        title: What the step is, e.g. "Database".
        parent: The parent widget.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.icon = StepIcon(parent=self)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("stepTitle")
        self.detail_label = ElidedLabel("", self)
        self.detail_label.setObjectName("stepDetail")
        self.duration_label = QLabel("", self)
        self.duration_label.setObjectName("stepDuration")
        self.duration_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.duration_label.setMinimumWidth(48)

        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.setSpacing(2)
        text.addStretch(1)
        text.addWidget(self.title_label)
        text.addWidget(self.detail_label)
        text.addStretch(1)

        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(12)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(text, 1)
        row.addWidget(self.duration_label, 0, Qt.AlignmentFlag.AlignVCenter)
        self._full_detail = ""
        self.set_state(RowState.PENDING)
        # Room for title and detail from the start, so rows (and the window)
        # keep their height when a detail line appears.
        for label in (self.title_label, self.detail_label):
            label.ensurePolished()
        margins = row.contentsMargins()
        self.setMinimumHeight(
            self.title_label.fontMetrics().height()
            + text.spacing()
            + self.detail_label.fontMetrics().height()
            + margins.top()
            + margins.bottom()
        )

    @property
    def state(self) -> RowState:
        """Where the step is."""
        return self.icon.state

    def set_state(self, state: RowState) -> None:
        """Show the step as pending, running, done or failed."""
        self.icon.set_state(state)
        self.setProperty("state", state.value)
        for widget in (self, self.title_label, self.detail_label):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def set_detail(self, text: str) -> None:
        """The line under the title (its first line, elided to fit)."""
        self._full_detail = text
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        self.detail_label.set_full_text(first_line)
        self.detail_label.setVisible(bool(first_line))

    def detail(self) -> str:
        """The full detail text."""
        return self._full_detail

    def set_duration(self, text: str) -> None:
        """The right-hand figure, e.g. "1.2 s"."""
        self.duration_label.setText(text)

"""Form building blocks: a labelled field with its own error line, and a message box."""

from __future__ import annotations

from app.qt.core import QEvent, Qt, QTimer
from app.qt.gui import QColor, QTextCharFormat
from app.qt.widgets import QCalendarWidget, QDateEdit, QLabel, QVBoxLayout, QWidget
from app.widgets.elided_label import ElidedLabel

FADE_MS = 6000
"""How long a success or a note stays before it goes (an error stays until it is dealt with)."""
FADE_WITH_ACTION_MS = 12_000
"""The same with a button to act on (Undo): long enough to reach for it."""


def fit_height(window: QWidget) -> None:
    """Make ``window`` as tall as its layout needs at its current width.

    ``adjustSize()`` goes by size hints, which a word-wrapping label gets wrong, and
    before the window is shown the stylesheet's fonts are not applied yet; this
    asks the layout for the height at the actual width instead.
    """
    layout = window.layout()
    height = layout.totalHeightForWidth(window.width()) if layout is not None else -1
    if height <= 0:  # no layout, or not activated yet (a window never shown)
        window.adjustSize()
        return
    window.resize(window.width(), height)


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FormField(QWidget):
    """A label, an input under it, and a line under the input for what is wrong with it.

    The input gets the dynamic property ``invalid`` while an error shows, so a
    stylesheet can outline it. The line under the input keeps its room while it is
    empty: an error appearing or going never moves the fields below it (the next
    click lands where the user aimed).

    Args:
        label: The field's name, e.g. "Email".
        editor: The input widget (becomes a child of this field).
        hint: A muted line shown under the input while there is no error.
        parent: The parent widget.
    """

    def __init__(
        self, label: str, editor: QWidget, hint: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self._editor_tip = editor.toolTip()
        self.label = QLabel(label, self)
        self.label.setProperty("role", "fieldLabel")
        self.label.setBuddy(editor)
        # One line, elided (the whole text in its tooltip): a long error never pushes the
        # fields below it down.
        self.error_label = ElidedLabel("", self)
        self.error_label.setProperty("role", "fieldError")
        self.error_label.hide()
        self.hint_label = QLabel(hint, self)
        self.hint_label.setProperty("role", "fieldHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        self.note = QWidget(self)
        self.note.setObjectName("fieldNote")
        notes = QVBoxLayout(self.note)
        notes.setContentsMargins(0, 0, 0, 0)
        notes.setSpacing(0)
        notes.addWidget(self.error_label)
        notes.addWidget(self.hint_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(editor)
        layout.addWidget(self.note)
        self._reserve_line()

    def _reserve_line(self) -> None:
        """Keep one line of the error's font under the input, shown or not."""
        self.note.setMinimumHeight(self.error_label.fontMetrics().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._reserve_line()  # the stylesheet's smaller font, once applied

    def showEvent(self, event: object) -> None:
        self.error_label.ensurePolished()
        self._reserve_line()
        super().showEvent(event)  # type: ignore[arg-type]

    def error(self) -> str:
        """The error shown (whole, even where it is elided), or ``""``."""
        return self.error_label.full_text() if not self.error_label.isHidden() else ""

    def set_error(self, text: str) -> None:
        """Show what is wrong (``""`` clears it); the input's tooltip says it too."""
        self.error_label.set_full_text(text)
        self.editor.setToolTip(text or self._editor_tip)
        self.error_label.setVisible(bool(text))
        self.hint_label.setVisible(not text and bool(self.hint_label.text()))
        self.editor.setProperty("invalid", bool(text))
        repolish(self.editor)

    def set_hint(self, text: str) -> None:
        """Replace the muted line under the input."""
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text) and self.error_label.isHidden())


def fade_after(tone: str, has_action: bool = False) -> int:
    """How long a message in ``tone`` stays (ms); 0: until it is replaced or cleared.

    Errors stay: they say what still needs doing. Successes and notes go by themselves,
    so banners never linger pages later nor pile up.
    """
    if tone == "error":
        return 0
    return FADE_WITH_ACTION_MS if has_action else FADE_MS


class MessageBanner(QLabel):
    """A block of text that tells the outcome of an action: an error, a note, a success.

    Hidden while empty. Its ``tone`` property (``error``, ``info``, ``success``)
    lets the stylesheet colour it. A success or a note goes after a few seconds
    (:func:`fade_after`); an error stays until it is replaced or cleared.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setWordWrap(True)
        self.setProperty("tone", "info")
        self.fade_timer = QTimer(self)
        self.fade_timer.setSingleShot(True)
        self.fade_timer.timeout.connect(self.hide)  # the text stays readable as the last outcome
        self.hide()

    def show_message(self, text: str, tone: str = "info") -> None:
        """Show ``text`` in ``tone`` (in place of what showed); an empty text hides it."""
        self.setText(text)
        self.setProperty("tone", tone)
        repolish(self)
        self.setVisible(bool(text))
        self.fade_timer.stop()
        delay = fade_after(tone)
        if text and delay:
            self.fade_timer.start(delay)

    def clear_message(self) -> None:
        """Hide the banner."""
        self.show_message("")


def calm_calendar(edit: QDateEdit) -> QCalendarWidget:
    """Give a date field's pop-up calendar the app's look (app.qss ``#datePicker``): no
    week numbers, no grid, weekends in the ordinary colour rather than red."""
    calendar = edit.calendarWidget()
    calendar.setObjectName("datePicker")
    calendar.setGridVisible(False)
    calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
    ordinary = QTextCharFormat()
    ordinary.setForeground(QColor("#0f172a"))
    for day in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
        calendar.setWeekdayTextFormat(day, ordinary)
    return calendar

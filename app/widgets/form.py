"""Form building blocks: a labelled field with its own error line, and a message box."""

from __future__ import annotations

from app.qt.widgets import QLabel, QVBoxLayout, QWidget


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
    stylesheet can outline it.

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
        self.label = QLabel(label, self)
        self.label.setProperty("role", "fieldLabel")
        self.label.setBuddy(editor)
        self.error_label = QLabel("", self)
        self.error_label.setProperty("role", "fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.hint_label = QLabel(hint, self)
        self.hint_label.setProperty("role", "fieldHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(editor)
        layout.addWidget(self.error_label)
        layout.addWidget(self.hint_label)

    def error(self) -> str:
        """The error shown, or ``""``."""
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def set_error(self, text: str) -> None:
        """Show what is wrong (``""`` clears it)."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        self.hint_label.setVisible(not text and bool(self.hint_label.text()))
        self.editor.setProperty("invalid", bool(text))
        repolish(self.editor)

    def set_hint(self, text: str) -> None:
        """Replace the muted line under the input."""
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text) and self.error_label.isHidden())


class MessageBanner(QLabel):
    """A block of text that tells the outcome of an action: an error, a note, a success.

    Hidden while empty. Its ``tone`` property (``error``, ``info``, ``success``)
    lets the stylesheet colour it.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setWordWrap(True)
        self.setProperty("tone", "info")
        self.hide()

    def show_message(self, text: str, tone: str = "info") -> None:
        """Show ``text`` in ``tone``; an empty text hides the banner."""
        self.setText(text)
        self.setProperty("tone", tone)
        repolish(self)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        """Hide the banner."""
        self.show_message("")

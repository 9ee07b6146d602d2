"""Dialogs that behave the same everywhere: a form's dialog focuses its first field and
asks before throwing away what was typed; a question is a styled window of ours, not a
stock message box (whose title the window manager cuts)."""

from __future__ import annotations

from collections.abc import Callable

from app.qt.core import Qt, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QCheckBox, QListWidget)
"""What counts as a field a dialog can put the cursor in first."""


class ConfirmDialog(QDialog):
    """A question with Cancel and one action: "Delete Globex?" — Cancel / Delete.

    Window-modal and opened with ``open()`` (no nested event loop). Wide enough for its
    window title, styled like the rest of the app; Esc and Enter mean Cancel (an action
    that removes something is never one key press away).

    Args:
        parent: The window the question belongs to.
        title: The window title (and the dialog's headline).
        text: The question.
        action: The confirming button's text.
        destructive: Whether the action removes something (a red button).
        cancel: The text of the button that backs out.

    Signals:
        confirmed(): The user chose the action.
    """

    confirmed = Signal()

    def __init__(
        self,
        parent: QWidget,
        title: str,
        text: str,
        action: str,
        *,
        destructive: bool = True,
        cancel: str = "Cancel",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmBox")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(440)
        self.headline = QLabel(title, self)
        self.headline.setProperty("role", "headline")
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("confirmText")
        self.text_label.setWordWrap(True)
        self.detail_label = QLabel("", self)
        self.detail_label.setProperty("role", "muted")
        self.detail_label.setWordWrap(True)
        self.detail_label.hide()
        self.cancel_button = QPushButton(cancel, self)
        self.cancel_button.setObjectName("confirmCancel")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton(action, self)
        self.confirm_button.setObjectName("confirmAction")
        self.confirm_button.setProperty("variant", "danger" if destructive else "primary")
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self._confirm)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(self.headline)
        layout.addWidget(self.text_label)
        layout.addWidget(self.detail_label)
        layout.addSpacing(6)
        layout.addLayout(buttons)

    def text(self) -> str:
        """The question."""
        return self.text_label.text()

    def informativeText(self) -> str:
        """The muted line under the question."""
        return self.detail_label.text()

    def setInformativeText(self, text: str) -> None:
        """Add a muted line under the question (what happens next, how to undo it)."""
        self.detail_label.setText(text)
        self.detail_label.setVisible(bool(text))

    def buttons(self) -> list[QAbstractButton]:
        """Cancel, then the action."""
        return [self.cancel_button, self.confirm_button]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _confirm(self) -> None:
        self.accept()
        self.confirmed.emit()


def ask(
    parent: QWidget,
    title: str,
    text: str,
    action: str,
    on_confirm: Callable[[], None],
    *,
    destructive: bool = True,
    cancel: str = "Cancel",
) -> ConfirmDialog:
    """Open a :class:`ConfirmDialog` (returns at once); ``on_confirm`` runs if the user
    picks ``action``."""
    box = ConfirmDialog(parent, title, text, action, destructive=destructive, cancel=cancel)
    box.confirmed.connect(on_confirm)
    box.open()
    return box


def first_input(root: QWidget) -> QWidget | None:
    """The first enabled, visible input in ``root``'s tab order (``None`` if it has none)."""
    widget = root.nextInFocusChain()
    seen: set[int] = set()
    while widget is not None and widget is not root and id(widget) not in seen:
        seen.add(id(widget))
        if (
            isinstance(widget, INPUTS)
            and widget.isEnabled()
            and widget.isVisibleTo(root)
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and root.isAncestorOf(widget)
        ):
            return widget
        widget = widget.nextInFocusChain()
    return None


class FormDialog(QDialog):
    """A dialog with a form in it.

    * Shown, it puts the cursor in its first field (:meth:`first_field`), so typing is
      never lost and Tab goes to the second field.
    * Closed with unsaved changes (:meth:`has_unsaved_changes`) — Esc, Cancel, the
      window's close button — it asks first ("Discard your changes?"). :meth:`discard`
      closes it without asking (the window signs out).

    Args:
        parent: The parent widget.

    Signals:
        discard_asked(): The question about unsaved changes is up (:attr:`discard_box`).
    """

    discard_asked = Signal()

    DISCARD_TITLE = "Discard changes?"
    DISCARD_TEXT = "What you typed here has not been saved."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.discard_box: ConfirmDialog | None = None
        self._discarding = False
        self._as_opened: list[object] | None = None

    # ------------------------------------------------------------------ subclasses give

    def has_unsaved_changes(self) -> bool:
        """Whether closing now would lose something the user typed: by default, whether
        any input differs from how the dialog opened (subclasses may know better)."""
        return self._as_opened is not None and self.inputs_state() != self._as_opened

    def inputs_state(self) -> list[object]:
        """What every input of the dialog holds now (text, choice, tick)."""
        state: list[object] = []
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLineEdit):
                state.append(widget.text())
            elif isinstance(widget, QComboBox):
                state.append(widget.currentText())
            elif isinstance(widget, QTextEdit | QPlainTextEdit):
                state.append(widget.toPlainText())
            elif isinstance(widget, QAbstractButton) and widget.isCheckable():
                state.append(widget.isChecked())
        return state

    def settle(self) -> None:
        """What the inputs hold now counts as unchanged (after filling them in)."""
        self._as_opened = self.inputs_state()

    def first_field(self) -> QWidget | None:
        """Where the cursor goes when the dialog opens (the first input by default)."""
        return first_input(self)

    # ------------------------------------------------------------------ behaviour

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._as_opened is None:
            self.settle()
        self.focus_first_field()

    def focus_first_field(self) -> None:
        """Put the cursor in the first field (what opening the dialog does)."""
        field = self.first_field()
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(field, QLineEdit):
                field.selectAll()

    def reject(self) -> None:
        """Esc, Cancel and the window's close button come here: ask first if something
        typed would be lost."""
        if self._discarding or not self.has_unsaved_changes():
            super().reject()
            return
        if self.discard_box is not None and self.discard_box.isVisible():
            self.discard_box.raise_()
            return
        self.discard_box = ask(
            self,
            self.DISCARD_TITLE,
            self.DISCARD_TEXT,
            "Discard changes",
            self.discard,
            cancel="Keep editing",
        )
        self.discard_box.finished.connect(lambda _r: self._discard_box_closed())
        self.discard_asked.emit()

    def _discard_box_closed(self) -> None:
        self.discard_box = None

    def discard(self) -> None:
        """Close without asking; what was typed is dropped."""
        self._discarding = True
        super().reject()

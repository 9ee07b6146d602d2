"""A password field with a button that shows or hides what was typed."""

from __future__ import annotations

from app.qt.gui import QAction, QIcon
from app.qt.widgets import QLineEdit, QWidget


class PasswordEdit(QLineEdit):
    """A line edit for secrets, with a show/hide toggle at its right end.

    Args:
        show_icon: The toggle's icon while the text is hidden.
        hide_icon: The toggle's icon while the text is shown.
        parent: The parent widget.
    """

    def __init__(self, show_icon: QIcon, hide_icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icons = (show_icon, hide_icon)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggle_action = QAction(show_icon, "Show password", self)
        self.toggle_action.triggered.connect(lambda: self.set_revealed(not self.revealed()))
        self.addAction(self.toggle_action, QLineEdit.ActionPosition.TrailingPosition)

    def revealed(self) -> bool:
        """Whether the text is shown in clear."""
        return self.echoMode() is QLineEdit.EchoMode.Normal

    def set_revealed(self, revealed: bool) -> None:
        """Show the text in clear, or hide it again."""
        self.setEchoMode(QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password)
        self.toggle_action.setIcon(self._icons[1] if revealed else self._icons[0])
        label = "Hide password" if revealed else "Show password"
        self.toggle_action.setText(label)
        self.toggle_action.setToolTip(label)

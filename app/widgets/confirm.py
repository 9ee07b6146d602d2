"""Asking before something that cannot be undone, without a nested event loop."""

from __future__ import annotations

from collections.abc import Callable

from app.qt.widgets import QMessageBox, QPushButton, QWidget


def ask_to_confirm(
    parent: QWidget,
    title: str,
    text: str,
    action: str,
    on_confirm: Callable[[], None],
    *,
    destructive: bool = True,
) -> QMessageBox:
    """Show a window-modal question with Cancel and ``action``; returns at once.

    ``exec()`` would spin a nested event loop inside the asyncio one; ``open()``
    does not, and ``on_confirm`` runs only when the user picks ``action``.

    Args:
        parent: The window the question belongs to.
        title: The window title.
        text: The question, e.g. "Deactivate Riley Rep?".
        action: The confirming button's text, e.g. "Deactivate".
        on_confirm: Called when the user confirms.
        destructive: Whether the action removes something (red button).

    Returns:
        The message box (already open; tests click its buttons).
    """
    box = QMessageBox(parent)
    box.setObjectName("confirmBox")
    box.setIcon(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    confirm: QPushButton = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    confirm.setProperty("variant", "danger" if destructive else "primary")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)

    def clicked(button: object) -> None:
        if button is confirm:
            on_confirm()

    box.buttonClicked.connect(clicked)
    box.open()
    return box

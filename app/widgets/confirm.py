"""Asking before something that cannot be undone, without a nested event loop."""

from __future__ import annotations

from collections.abc import Callable

from app.qt.widgets import QWidget
from app.widgets.dialogs import ConfirmDialog, ask


def ask_to_confirm(
    parent: QWidget,
    title: str,
    text: str,
    action: str,
    on_confirm: Callable[[], None],
    *,
    destructive: bool = True,
) -> ConfirmDialog:
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
        The question (already open; tests click its buttons).
    """
    return ask(parent, title, text, action, on_confirm, destructive=destructive)

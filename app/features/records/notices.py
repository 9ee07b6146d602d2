"""What a record list says about itself: how long it is ("1,234 accounts", "About
100,000 accounts"), the records added elsewhere ("2 new accounts — Show"), and a failure
as one line."""

from __future__ import annotations

from typing import Any

from app.errors import UserMessage
from app.features.records.model import RecordTableModel
from app.qt.core import Qt, Signal
from app.qt.widgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


def message_text(message: UserMessage) -> str:
    """A failure as one line for a banner."""
    return " ".join(part for part in (message.title, message.text) if part)


def count_of(count: int, noun: str) -> str:
    """``1 account``, ``2 accounts``, ``1,200 accounts``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def total_text(model: RecordTableModel[Any]) -> tuple[str, str]:
    """What a list says of its length, and its tooltip: "1,234 accounts", "About 100,000
    accounts" (a long list is estimated), "Loading…"; "50+ shown" until it is counted."""
    if model.loading:
        return "Loading…", ""
    if not model.loaded:
        return "", ""
    total = model.total
    if total is not None:
        count, exact = total
        if exact:
            return count_of(count, model.NOUN), ""
        return (
            f"About {count_of(count, model.NOUN)}",
            "Estimated by the database: counting a list this long exactly would slow it. "
            "Ctrl+End shows its last rows.",
        )
    shown = sum(1 for row in range(model.rowCount()) if not model.is_gap(row))
    more = "+" if model.has_more() else ""
    return f"{shown:,}{more} shown", ""


class NewRecordsNotice(QFrame):
    """A small note in a list's header: "2 new accounts" and a "Show" button.

    Records added elsewhere do not jump into a list the user is reading; this says
    they exist, and "Show" loads the list again. Hidden while there are none.

    Args:
        noun: One record ("account").
        parent: The parent widget.

    Signals:
        show_wanted(): The user pressed "Show".
    """

    show_wanted = Signal()

    def __init__(self, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newRecordsNotice")
        self._noun = noun
        self.count = 0
        self.label = QLabel("", self)
        self.label.setObjectName("newRecordsText")
        self.show_button = QPushButton("Show", self)
        self.show_button.setObjectName("newRecordsButton")
        self.show_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_button.setToolTip(f"Load the list again, with the new {noun}s")
        self.show_button.clicked.connect(self.show_wanted)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 4, 4)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.show_button)
        self.hide()

    def set_count(self, count: int) -> None:
        """Say that ``count`` records were added since the list loaded (0 hides it)."""
        self.count = count
        self.label.setText(count_of(count, f"new {self._noun}"))
        self.setToolTip(
            f"{count_of(count, self._noun).capitalize()} added elsewhere since this list "
            "loaded. Show loads the list again."
        )
        self.setVisible(count > 0)

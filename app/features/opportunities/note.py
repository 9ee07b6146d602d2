"""The note an open editor shows when its deal was changed or deleted by someone else."""

from __future__ import annotations

from app.qt.core import Qt, Signal
from app.qt.widgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

CHANGED_NOTE = (
    "<b>Changed by someone else</b> since you opened it. Saving now would be refused: "
    "reload to see their version (what you typed here is replaced)."
)
GONE_NOTE = (
    "<b>Deleted by someone else</b> (or no longer yours to see): your changes cannot be saved."
)


class ChangedNote(QFrame):
    """A strip above the form: what happened elsewhere and, for a change, "Reload".

    It never takes the focus or blocks the form: the user may finish reading what
    they typed (or copy it) before reloading.

    Args:
        parent: The editor.

    Signals:
        reload_requested(): The user pressed "Reload".
    """

    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changedNote")
        self.label = QLabel("", self)
        self.label.setObjectName("changedNoteText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.reload_button = QPushButton("Reload", self)
        self.reload_button.setProperty("variant", "small")
        self.reload_button.setToolTip("Show their version; what you typed here is replaced")
        self.reload_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.reload_button.clicked.connect(self.reload_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_changed(self) -> None:
        """Say the deal has a newer version elsewhere, with "Reload"."""
        self.label.setText(CHANGED_NOTE)
        self.reload_button.show()
        self.show()

    def show_gone(self) -> None:
        """Say the deal was deleted (or is out of reach): nothing to reload."""
        self.label.setText(GONE_NOTE)
        self.reload_button.hide()
        self.show()

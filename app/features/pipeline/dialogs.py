"""The board's small dialogs and wording: why a deal was lost, why a move was refused."""

from __future__ import annotations

from app.api.pipelines import Stage
from app.api.records import Opportunity
from app.errors import UserMessage
from app.qt.core import Signal
from app.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import FormField


def sentence(message: UserMessage) -> str:
    """A failure's title and text as one sentence for a banner."""
    return " ".join(part for part in (message.title, message.text) if part)


def refusal_text(message: UserMessage, card: Opportunity, source: Stage, target: Stage) -> str:
    """Why a move did not happen, in plain words, and where the deal is now."""
    name = f"“{card.name}”"
    back = f"It is back in {source.name}."
    if message.code == "stale_write":
        return (
            f"{name} was not moved to {target.name}: someone else changed it after the board "
            f"was loaded. {back} Reload the board to see their change, then try again."
        )
    if message.code == "not_found":
        return (
            f"{name} was not moved: it no longer exists (someone may have deleted it). "
            "Reload the board."
        )
    if message.code == "forbidden":
        return f"{name} was not moved to {target.name}: {sentence(message)} {back}"
    if message.fields:
        problems = " ".join(message.fields.values())
        return f"{name} was not moved to {target.name}: {problems} {back}"
    return f"{name} was not moved to {target.name}. {sentence(message)} {back}"


class LostReasonDialog(FormDialog):
    """Asks why a deal was lost before it goes to a lost stage (the reason is optional).

    Args:
        card: The deal.
        stage: The lost stage it is dropped on.
        parent: The parent widget.

    Signals:
        confirmed(str): Move it; the reason typed ("" for none).
    """

    confirmed = Signal(str)

    def __init__(self, card: Opportunity, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lostReasonDialog")
        self.setWindowTitle(f"Move to {stage.name}")
        self.setModal(True)
        self.setMinimumWidth(420)
        title = QLabel(f"Mark “{card.name}” as lost?", self)
        title.setProperty("role", "headline")
        title.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(500)
        self.reason_edit.setPlaceholderText("e.g. Chose a competitor, no budget this year")
        field = FormField(
            "Why was it lost?", self.reason_edit, "Optional; it helps the team learn.", self
        )
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self.reject)
        self.confirm_button = QPushButton(f"Move to {stage.name}", self)
        self.confirm_button.setProperty("variant", "primary")
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self._confirm)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(field)
        layout.addLayout(buttons)

    def _confirm(self) -> None:
        self.confirmed.emit(self.reason_edit.text().strip())
        self.accept()

"""What became of a message once it was handed over: queued (cancel it), sending, sent,
failed (with the reason; edit and try again), or "may have been sent" (its sender says
which: it went, send it again, it did not go)."""

from __future__ import annotations

from app.api.emails import CANCELLED, FAILED, SCHEDULED, SENDING, SENT, UNCERTAIN, Email
from app.features.emails.model import state_detail, state_tone, state_word
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import MessageBanner, repolish
from app.widgets.status_dot import StatusDot

HEADLINES = {
    SCHEDULED: "Queued: it goes in a moment",
    SENDING: "Sending…",
    SENT: "Sent",
    FAILED: "Not sent",
    UNCERTAIN: "It may have been sent",
    CANCELLED: "Cancelled: it was not sent",
}


class SendProgress(QFrame):
    """The state of the message the compose window sent, with what can be done about it.

    Args:
        parent: The parent widget.

    Signals:
        cancel_wanted(): "Cancel sending" (while it is queued).
        decision_wanted(str): An uncertain message: ``"sent"``, ``"resend"`` or
            ``"failed"``.
        edit_wanted(): "Edit and try again" (failed or cancelled).
    """

    cancel_wanted = Signal()
    decision_wanted = Signal(str)
    edit_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sendProgress")
        self.email: Email | None = None
        self.dot = StatusDot(parent=self)
        self.headline = QLabel("", self)
        self.headline.setObjectName("sendHeadline")
        self.detail = QLabel("", self)
        self.detail.setObjectName("sendDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setFixedHeight(4)
        self.bar.setTextVisible(False)
        self.outcome = MessageBanner(self)

        self.cancel_button = QPushButton("Cancel sending", self)
        self.cancel_button.setProperty("variant", "danger")
        self.cancel_button.clicked.connect(self.cancel_wanted)
        self.went_button = QPushButton("It was sent", self)
        self.went_button.setToolTip("You found it in your Sent folder: mark it sent")
        self.went_button.clicked.connect(lambda: self.decision_wanted.emit("sent"))
        self.resend_button = QPushButton("Send it again", self)
        self.resend_button.setProperty("variant", "primary")
        self.resend_button.setToolTip("It is not in your Sent folder: send it now")
        self.resend_button.clicked.connect(lambda: self.decision_wanted.emit("resend"))
        self.not_sent_button = QPushButton("It was not sent", self)
        self.not_sent_button.setToolTip("Mark it failed and leave it")
        self.not_sent_button.clicked.connect(lambda: self.decision_wanted.emit("failed"))
        self.edit_button = QPushButton("Edit and try again", self)
        self.edit_button.clicked.connect(self.edit_wanted)

        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.headline, 1)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        for button in (
            self.cancel_button,
            self.went_button,
            self.resend_button,
            self.not_sent_button,
            self.edit_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        layout.addWidget(self.outcome)
        layout.addLayout(actions)
        self.hide()

    def handing_over(self, recipients: int) -> None:
        """The message is being queued (the server has not answered yet)."""
        self.email = None
        self.dot.set_tone(state_tone(SCHEDULED))
        self.headline.setText(
            f"Handing it over for {recipients} recipient{'s' if recipients != 1 else ''}…"
        )
        self.detail.setText("")
        self.detail.hide()
        self.bar.show()
        self.outcome.clear_message()
        for button in self._buttons():
            button.hide()
        self.show()

    def show_email(self, email: Email) -> None:
        """Show ``email``'s state as read now."""
        self.email = email
        state = email.state
        self.setProperty("state", state)
        repolish(self)
        self.dot.set_tone(state_tone(state))
        self.headline.setText(HEADLINES.get(state, state_word(state)))
        if state == SCHEDULED and email.waiting_reason:
            self.headline.setText("Queued: waiting")
        detail = state_detail(email)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.bar.setVisible(state in (SCHEDULED, SENDING))
        for button in self._buttons():
            button.setEnabled(True)
        self.cancel_button.setVisible(state == SCHEDULED)
        for button in (self.went_button, self.resend_button, self.not_sent_button):
            button.setVisible(state == UNCERTAIN)
        self.edit_button.setVisible(state in (FAILED, CANCELLED))
        self.show()

    def busy(self, text: str) -> None:
        """An action on the message is under way: its buttons wait."""
        for button in self._buttons():
            button.setEnabled(False)
        self.outcome.show_message(text, "info")

    def failed(self, text: str) -> None:
        """An action on the message failed: say why; the buttons work again."""
        for button in self._buttons():
            button.setEnabled(True)
        self.outcome.show_message(text, "error")

    def _buttons(self) -> list[QPushButton]:
        return [
            self.cancel_button,
            self.went_button,
            self.resend_button,
            self.not_sent_button,
            self.edit_button,
        ]

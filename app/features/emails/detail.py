"""One email, opened from a contact's or an account's list: who it went from and to, its
subject, body and files, each try at sending it and what became of it, with Cancel while
it is queued and the sender's decision when it may have been sent."""

from __future__ import annotations

from app.api.emails import SCHEDULED, SENDING, Attempt, Decision, Email
from app.errors import UserMessage
from app.features.emails.model import recipients_text, when_text
from app.features.emails.ops import EmailOps
from app.features.emails.progress import SendProgress
from app.features.mailboxes.model import size_text
from app.qt.core import Qt, QTimer, Signal
from app.qt.gui import QCloseEvent
from app.qt.widgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

POLL_MS = 1000
"""While the message is on its way, it is read again this often."""
DECISIONS: dict[str, Decision] = {"sent": "sent", "resend": "resend", "failed": "failed"}


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


def attempt_text(attempt: Attempt) -> str:
    """ "Try 2 · 14:05 · failed: 554 Rejected" """
    parts = [f"Try {attempt.number}", when_text(attempt.created_at)]
    outcome = attempt.outcome or "under way"
    parts.append(f"{outcome}: {attempt.detail}" if attempt.detail else outcome)
    return " · ".join(part for part in parts if part)


class EmailDialog(QDialog):
    """One email and what became of it.

    Args:
        ops: The email calls.
        email: The message (as listed; it is read again with its tries).
        parent: The parent widget.

    Signals:
        changed(object): The message changed (read again, cancelled, decided).
    """

    changed = Signal(object)

    def __init__(self, ops: EmailOps, email: Email, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emailDialog")
        self.setWindowTitle(email.subject or "Email")
        self.setModal(False)
        self.resize(720, 620)
        self._ops = ops
        self.email = email
        self.subject = QLabel("", self)
        self.subject.setProperty("role", "headline")
        self.subject.setWordWrap(True)
        self.header_values: dict[str, QLabel] = {}
        self._header_names: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for row, name in enumerate(("From", "To", "Cc", "Files")):
            label = QLabel(name, self)
            label.setProperty("role", "muted")
            value = QLabel("", self)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.header_values[name] = value
            self._header_names[name] = label
        grid.setColumnStretch(1, 1)
        self.progress = SendProgress(self)
        self.progress.cancel_wanted.connect(self.cancel_sending)
        self.progress.decision_wanted.connect(self.decide)
        self.body = QTextEdit(self)
        self.body.setObjectName("previewBody")
        self.body.setReadOnly(True)
        self.attempts = QLabel("", self)
        self.attempts.setObjectName("emailMeta")
        self.attempts.setWordWrap(True)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(self.subject)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.attempts)
        layout.addLayout(foot)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.read_again)
        self.show_email(email)
        self.read_again()

    def show_email(self, email: Email) -> None:
        """Show ``email`` as read now (an older copy is ignored)."""
        if email.id != self.email.id or email.version < self.email.version:
            return
        changed = email.version != self.email.version or email.state != self.email.state
        self.email = email
        self.subject.setText(email.subject or "(no subject)")
        sender = f"{email.from_name} <{email.from_email}>" if email.from_name else email.from_email
        values = {
            "From": sender,
            "To": recipients_text(email.to),
            "Cc": recipients_text(email.cc),
            "Files": ", ".join(f"{a.filename} ({size_text(a.size)})" for a in email.attachments),
        }
        for name, value in values.items():
            self.header_values[name].setText(value)
            shown = bool(value) or name in ("From", "To")
            self.header_values[name].setVisible(shown)
            self._header_names[name].setVisible(shown)
        if email.body_html:
            self.body.setHtml(email.body_html)
        else:
            self.body.setPlainText(email.body_text)
        self.progress.show_email(email)
        self.progress.edit_button.hide()  # a sent message is not edited; write a new one
        tries = [attempt_text(a) for a in email.attempt_log]
        self.attempts.setText("\n".join(tries))
        self.attempts.setVisible(bool(tries))
        if email.state in (SCHEDULED, SENDING):
            self._poll.start()
        else:
            self._poll.stop()
        if changed:
            self.changed.emit(email)

    def read_again(self) -> None:
        """Read the message again, with its tries."""
        self._ops.get(self.email.id, self.show_email, lambda _m: None)

    def cancel_sending(self) -> None:
        """Cancel the message while it is queued."""
        self.progress.busy("Cancelling…")

        def failed(message: UserMessage) -> None:
            if message.code == "conflict":
                self.progress.failed("It is already being sent and can no longer be cancelled.")
                self.read_again()
            else:
                self.progress.failed(message_text(message))

        self._ops.cancel(self.email.id, self._settled, failed)

    def decide(self, decision: str) -> None:
        """Say what became of a message that may have been sent."""
        chosen = DECISIONS.get(decision)
        if chosen is None:
            return
        self.progress.busy("Sending it again…" if chosen == "resend" else "Saving…")
        self._ops.decide(
            self.email.id, chosen, self._settled, lambda m: self.progress.failed(message_text(m))
        )

    def _settled(self, email: Email) -> None:
        self.progress.outcome.clear_message()
        self.show_email(email)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._poll.stop()
        super().closeEvent(event)

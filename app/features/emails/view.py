"""The emails of a contact on their detail panel: each message's subject, state and
when, newest first, kept up to date by the live stream (queued, then sent, failed or
"may have been sent" as the send worker gets to it)."""

from __future__ import annotations

from collections.abc import Callable

from app.api.emails import FAILED, SCHEDULED, UNCERTAIN, Decision, Email, EmailPage
from app.api.live import Change
from app.errors import UserMessage
from app.features.emails.detail import EmailDialog
from app.features.emails.model import (
    EmailsModel,
    moment_of,
    recipients_text,
    state_detail,
    state_word,
    when_text,
)
from app.features.emails.ops import EmailOps
from app.features.live.model import LiveChanges
from app.qt.core import QObject, Qt, Signal
from app.qt.gui import QMouseEvent
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import repolish

DECISIONS: dict[str, Decision] = {"sent": "sent", "resend": "resend", "failed": "failed"}


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


class ContactEmails(QObject):
    """Loads and follows the emails of the contact shown; the detail panel draws them.

    Args:
        ops: The email calls.
        parent: The parent object.

    Signals:
        loaded(): The first page of the contact shown arrived (or failed: see
            :attr:`problem`).
    """

    loaded = Signal()

    def __init__(self, ops: EmailOps, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ops = self.ops = ops
        self.model = EmailsModel(ops.client, self)
        self.model.read_wanted.connect(self.read_again)
        self.loading = False
        self.problem = ""

    def show_contact(self, contact_id: str) -> None:
        """Load the emails of ``contact_id`` (the list empties at once)."""
        self.model.show_for(contact_id=contact_id)
        self.reload()

    def show_account(self, account_id: str) -> None:
        """Load the emails of the contacts of ``account_id``."""
        self.model.show_for(account_id=account_id)
        self.reload()

    def reload(self) -> None:
        """Load the first page again (after a resync, or a new contact)."""
        contact_id, account_id = self.model.contact_id, self.model.account_id
        if contact_id is None and account_id is None:
            return
        self.loading = True
        self.problem = ""

        def arrived(page: EmailPage) -> None:
            if (self.model.contact_id, self.model.account_id) != (contact_id, account_id):
                return  # another contact is shown now
            self.loading = False
            self.model.set_emails(page.items, page.next_cursor)
            self.loaded.emit()

        def failed(message: UserMessage) -> None:
            if (self.model.contact_id, self.model.account_id) != (contact_id, account_id):
                return
            self.loading = False
            self.problem = f"The emails could not be loaded. {message_text(message)}"
            self.loaded.emit()

        self._ops.page(arrived, failed, contact_id=contact_id, account_id=account_id)

    def put(self, email: Email) -> None:
        """Show a message this window just queued (its own change is no news to it)."""
        self.model.put(email)

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date with the live stream."""
        live.changed.connect(self.hear)
        live.resync.connect(self.reload)

    def hear(self, change: Change) -> None:
        """A change from the live stream (the model decides whether it is news)."""
        self.model.hear(change)

    def read_again(self, email_id: str) -> None:
        """Read one message again and show it, if it belongs to the list."""
        self._ops.get(email_id, self.model.put, lambda _m: None)

    def cancel(self, email_id: str, failed: Callable[[str], None]) -> None:
        """Cancel a queued message; ``failed`` gets why not, in words."""

        def refused(message: UserMessage) -> None:
            if message.code == "conflict":
                failed("It is already being sent and can no longer be cancelled.")
                self.read_again(email_id)
            else:
                failed(message_text(message))

        self._ops.cancel(email_id, self.model.put, refused)

    def decide(self, email_id: str, decision: str, failed: Callable[[str], None]) -> None:
        """Say what became of a message that may have been sent (``sent``, ``resend``,
        ``failed``)."""
        chosen = DECISIONS.get(decision)
        if chosen is not None:
            self._ops.decide(email_id, chosen, self.model.put, lambda m: failed(message_text(m)))


class EmailRow(QFrame):
    """One message: its subject and state, then to whom and when; what its state means
    in the tooltip (and under it, for one that failed or may have been sent), with what
    can be done: cancel a queued one; say whether one that may have been sent went.

    Signals:
        cancel_wanted(str): "Cancel" (the message's id).
        decision_wanted(str, str): The message's id and ``sent``, ``resend`` or
            ``failed``.
    """

    cancel_wanted = Signal(str)
    decision_wanted = Signal(str, str)
    open_wanted = Signal(object)
    """A click on the row (the :class:`~app.api.emails.Email`): open it."""

    def __init__(self, email: Email, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setObjectName("emailRow")
        self.subject = QLabel("", self)
        self.subject.setObjectName("emailSubject")
        self.subject.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state = QLabel("", self)
        self.state.setProperty("role", "emailState")
        self.meta = QLabel("", self)
        self.meta.setObjectName("emailMeta")
        self.meta.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note = QLabel("", self)
        self.note.setObjectName("emailMeta")
        self.note.setWordWrap(True)
        self.problem = QLabel("", self)
        self.problem.setProperty("role", "fieldError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for key, text, tip in (
            ("cancel", "Cancel", "Do not send it"),
            ("sent", "It was sent", "You found it in your Sent folder"),
            ("resend", "Send again", "It is not in your Sent folder: send it now"),
            ("failed", "Not sent", "Mark it failed and leave it"),
        ):
            button = QPushButton(text, self)
            button.setProperty("variant", "small")
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, k=key: self._act(k))
            actions.addWidget(button)
            self.buttons[key] = button
        actions.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.subject, 1)
        top.addWidget(self.state, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.meta)
        layout.addWidget(self.note)
        layout.addLayout(actions)
        layout.addWidget(self.problem)
        self.show_email(email)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.open_wanted.emit(self.email)
        super().mouseReleaseEvent(event)

    def _act(self, key: str) -> None:
        for button in self.buttons.values():
            button.setEnabled(False)
        self.problem.hide()
        if key == "cancel":
            self.cancel_wanted.emit(self.email.id)
        else:
            self.decision_wanted.emit(self.email.id, key)

    def show_problem(self, text: str) -> None:
        """Say why an action failed; the buttons work again."""
        for button in self.buttons.values():
            button.setEnabled(True)
        self.problem.setText(text)
        self.problem.show()

    def show_email(self, email: Email) -> None:
        """Show ``email`` as it is now."""
        self.email = email
        self.subject.setText(email.subject or "(no subject)")
        self.state.setText(state_word(email.state))
        self.state.setProperty("state", email.state)
        self.setProperty("state", email.state)
        repolish(self.state)
        repolish(self)
        when = when_text(moment_of(email))
        self.meta.setText(" · ".join(p for p in (recipients_text(email.to), when) if p))
        detail = state_detail(email)
        self.setToolTip(detail)
        shown = email.state in (UNCERTAIN, FAILED)
        self.note.setText(detail if shown else "")
        self.note.setVisible(shown)
        for key, button in self.buttons.items():
            button.setEnabled(True)
            button.setVisible(
                email.state == SCHEDULED if key == "cancel" else email.state == UNCERTAIN
            )


class EmailList(QWidget):
    """The emails of the model's contact as rows (rebuilt as the model changes).

    Args:
        emails: The contact's emails (loaded and followed elsewhere).
        parent: The parent widget.
    """

    def __init__(self, emails: ContactEmails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emailList")
        self._emails = emails
        self.rows: list[EmailRow] = []
        self.dialog: EmailDialog | None = None
        """The email opened last."""
        self.status = QLabel("", self)
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.status)
        model = emails.model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._rebuild)
        model.dataChanged.connect(self._refresh)
        emails.loaded.connect(self._rebuild)
        self._rebuild()

    def _rebuild(self) -> None:
        for row in self.rows:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        for email in self._emails.model.emails():
            row = EmailRow(email, self)
            row.cancel_wanted.connect(lambda i, r=row: self._emails.cancel(i, r.show_problem))
            row.decision_wanted.connect(
                lambda i, d, r=row: self._emails.decide(i, d, r.show_problem)
            )
            row.open_wanted.connect(self.open_email)
            self._layout.addWidget(row)
            self.rows.append(row)
        self._show_status()

    def open_email(self, email: Email) -> EmailDialog:
        """Open ``email`` in a window of its own (what it changes shows here too)."""
        dialog = self.dialog = EmailDialog(self._emails.ops, email, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._emails.put)
        dialog.show()
        return dialog

    def _refresh(self) -> None:
        emails = {e.id: e for e in self._emails.model.emails()}
        for row in self.rows:
            email = emails.get(row.email.id)
            if email is not None:
                row.show_email(email)

    def _show_status(self) -> None:
        emails = self._emails
        if emails.problem:
            text = emails.problem
        elif emails.loading and not self.rows:
            text = "Loading the emails…"
        elif not self.rows:
            text = "No email yet."
        elif emails.model.next_cursor is not None:
            text = f"The latest {len(self.rows)}."
        else:
            text = ""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def states(self) -> list[tuple[str, str]]:
        """Each row's subject and state as shown (for tests)."""
        return [(row.subject.text(), row.state.text()) for row in self.rows]

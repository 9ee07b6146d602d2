"""The emails of a contact (or an account) as an item model, and how a message's state
reads (no widgets here).

The list follows the live stream: a message shown that changed (the send worker sent it,
it failed, another device cancelled it) is read again; a message queued elsewhere is
read once to learn whether it belongs to the contact shown. A change this client made
itself is an echo (:class:`~app.api.live.Echoes`) and is not read twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.api.client import GatewayClient
from app.api.emails import (
    CANCELLED,
    FAILED,
    SCHEDULED,
    SENDING,
    SENT,
    UNCERTAIN,
    Email,
    Recipient,
)
from app.api.live import Change, Echoes
from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from app.widgets.row_table import RowTableModel
from app.widgets.tones import Tone

STATE_WORDS = {
    SCHEDULED: "Queued",
    SENDING: "Sending…",
    SENT: "Sent",
    UNCERTAIN: "May have been sent",
    FAILED: "Failed",
    CANCELLED: "Cancelled",
}
PENDING = (SCHEDULED, SENDING)
"""The states a message is still on its way in."""


def state_word(state: str) -> str:
    """ "Queued", "Sending…", "Sent", "May have been sent", "Failed", "Cancelled"."""
    return STATE_WORDS.get(state, state.replace("_", " ").capitalize())


def state_tone(state: str) -> Tone:
    """Green once sent, amber when it may have been, red when it failed."""
    if state == SENT:
        return Tone.POSITIVE
    if state == UNCERTAIN:
        return Tone.WARNING
    if state == FAILED:
        return Tone.NEGATIVE
    return Tone.NEUTRAL


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """A moment as a list shows it, in this computer's time: "14:05" today, "3 Mar 14:05"
    this year, "3 Mar 2024" before; ``""`` for none."""
    if moment is None:
        return ""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b %H:%M')}"
    return f"{local.day} {local.strftime('%b %Y')}"


def recipients_text(recipients: Sequence[Recipient]) -> str:
    """ "Ada Lovelace, bob@example.com" """
    return ", ".join(r.name or r.email for r in recipients)


def state_detail(email: Email) -> str:
    """What a message's state means for its sender, in a sentence (``""`` when its
    state says it all)."""
    if email.state == SCHEDULED:
        if email.waiting_reason:
            return f"Waiting: {email.waiting_reason}"
        if email.send_at is not None:
            return f"Goes at {when_text(email.send_at)}. You can still cancel it."
        return "About to go. You can still cancel it."
    if email.state == SENDING:
        return "Being handed to the mail server."
    if email.state == SENT:
        return f"Sent {when_text(email.sent_at)}." if email.sent_at else ""
    if email.state == FAILED:
        return f"Not sent: {email.failure_reason or email.failure_code or 'no reason given'}"
    if email.state == UNCERTAIN:
        why = (email.failure_reason or "The mail server's answer was lost.").strip()
        why = why if why.endswith((".", "!", "?")) else f"{why}."
        return f"{why} It is not sent again unless you say so."
    return ""


def moment_of(email: Email) -> datetime | None:
    """When a message went (or is due, or was queued): what the list shows."""
    return email.sent_at or email.send_at or email.created_at


class EmailsModel(RowTableModel[Email]):
    """One contact's (or account's) emails, newest first, kept in step with the live
    stream.

    Args:
        client: The signed-in client (whose own changes are echoes).
        parent: The parent object.

    Signals:
        read_wanted(str): A message shown, or one that may belong here, changed
            elsewhere: read it again (its id), then :meth:`put` it.
    """

    SUBJECT, STATE, WHEN = range(3)
    HEADERS = ("Subject", "State", "When")
    IdRole = Qt.ItemDataRole.UserRole + 1
    StateRole = Qt.ItemDataRole.UserRole + 2

    read_wanted = Signal(str)

    def __init__(self, client: GatewayClient | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._echoes = Echoes(client) if client is not None else None
        self.contact_id: str | None = None
        self.account_id: str | None = None
        self.next_cursor: str | None = None

    # ------------------------------------------------------------------ rows

    def show_for(self, *, contact_id: str | None = None, account_id: str | None = None) -> None:
        """Empty the list: it now shows the emails of this contact or account."""
        self.beginResetModel()
        self.contact_id, self.account_id = contact_id, account_id
        self._rows = []
        self.next_cursor = None
        self.endResetModel()

    def set_emails(self, emails: Sequence[Email], next_cursor: str | None = None) -> None:
        """Show a fresh first page."""
        self.beginResetModel()
        self._rows = list(emails)
        self.next_cursor = next_cursor
        self.endResetModel()

    def emails(self) -> list[Email]:
        """Every message shown, newest first."""
        return list(self._rows)

    def email_at(self, row: int) -> Email:
        """The message of ``row``."""
        return self._rows[row]

    def find(self, email_id: str) -> Email | None:
        """The message with ``email_id``, if shown."""
        return next((e for e in self._rows if e.id == email_id), None)

    def belongs(self, email: Email) -> bool:
        """Whether ``email`` is one of the contact's (or account's) shown."""
        if self.contact_id is not None:
            return email.contact_id == self.contact_id
        if self.account_id is not None:
            return email.account_id == self.account_id
        return False

    def put(self, email: Email) -> None:
        """Show ``email``: in place if shown (unless older), at the top if new and it
        belongs here; otherwise not at all."""
        for row, shown in enumerate(self._rows):
            if shown.id == email.id:
                if email.version < shown.version:
                    return
                self._rows[row] = email
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                return
        if not self.belongs(email):
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, email)
        self.endInsertRows()

    # ------------------------------------------------------------------ live

    def hear(self, change: Change) -> None:
        """A change from the live stream: a message's that is news here is read again
        (one not shown too, while a contact or account is shown: it may be theirs; the
        frame does not say whose it is)."""
        if change.kind != "message" or (self.contact_id is None and self.account_id is None):
            return
        shown = self.find(change.id)
        if self._echoes is not None and not self._echoes.is_news(
            change, shown.version if shown is not None else None
        ):
            return
        self.read_wanted.emit(change.id)

    # ------------------------------------------------------------------ the model

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        email = self.row_at(index)
        if email is None:
            return None
        if role == self.IdRole:
            return email.id
        if role == self.StateRole:
            return email.state
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == self.SUBJECT:
                return email.subject or "(no subject)"
            if column == self.STATE:
                return state_word(email.state)
            if column == self.WHEN:
                return when_text(moment_of(email))
        if role == Qt.ItemDataRole.ToolTipRole:
            return state_detail(email) or None
        return None

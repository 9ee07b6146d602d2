"""The user's mailboxes as an item model, and how a mailbox reads (no widgets here).

The list follows the live stream: a mailbox changed elsewhere (its sign-in stopped
working, another device disconnected it) is read again; this window's own changes are
echoes (:class:`~app.api.live.Echoes`) and are not read twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.api.client import GatewayClient
from app.api.live import Change, Echoes
from app.api.mailboxes import CONNECTED, DISCONNECTED, NEEDS_RECONNECT, Mailbox
from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from app.widgets.row_table import RowTableModel
from app.widgets.tones import Tone

PROVIDERS = {"gmail": "Gmail", "outlook": "Outlook", "smtp": "SMTP/IMAP"}
SECURITY_WORDS = {"starttls": "STARTTLS", "tls": "TLS", "none": "unencrypted"}


def provider_label(kind: str) -> str:
    """How a mailbox's kind reads: "Gmail", "Outlook", "SMTP/IMAP"."""
    return PROVIDERS.get(kind, kind.upper())


def status_text(mailbox: Mailbox) -> str:
    """ "Connected", "Needs reconnecting: <why>", "Disconnected"."""
    if mailbox.status == CONNECTED:
        return "Connected"
    if mailbox.status == NEEDS_RECONNECT:
        reason = (mailbox.status_reason or "").strip()
        return f"Needs reconnecting: {reason}" if reason else "Needs reconnecting"
    if mailbox.status == DISCONNECTED:
        return "Disconnected"
    return mailbox.status.replace("_", " ").capitalize()


def status_tone(mailbox: Mailbox) -> Tone:
    """Green while it sends, amber while it needs reconnecting, grey otherwise."""
    if mailbox.status == CONNECTED:
        return Tone.POSITIVE
    if mailbox.status == NEEDS_RECONNECT:
        return Tone.WARNING
    return Tone.NEUTRAL


def today_text(mailbox: Mailbox) -> str:
    """ "Today: 37 of 500 sent" (thousands grouped)."""
    return f"Today: {mailbox.sent_today:,} of {mailbox.daily_cap:,} sent"


def size_text(size: int) -> str:
    """A size in bytes as people read it: "840 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def limit_text(mailbox: Mailbox) -> str:
    """ "Messages up to 25 MB, sent at least 1 s apart" (the largest message the mailbox
    takes, and its pacing)."""
    text = f"Messages up to {size_text(mailbox.max_message_bytes)}"
    if mailbox.min_interval_seconds > 0:
        text += f", sent at least {mailbox.min_interval_seconds:g} s apart"
    return text


def servers_text(mailbox: Mailbox) -> str:
    """Where an SMTP mailbox signs in: "smtp.example.com:587 (STARTTLS) · IMAP
    imap.example.com:993 (TLS)"; ``""`` for Gmail and Outlook."""
    if mailbox.kind != "smtp" or not mailbox.smtp_host:
        return ""
    smtp = f"SMTP {mailbox.smtp_host}:{mailbox.smtp_port} ({_security(mailbox.smtp_security)})"
    if not mailbox.imap_host:
        return f"{smtp} · no IMAP"
    imap = f"IMAP {mailbox.imap_host}:{mailbox.imap_port} ({_security(mailbox.imap_security)})"
    return f"{smtp} · {imap}"


def _security(word: str | None) -> str:
    return SECURITY_WORDS.get(word or "", word or "?")


def describe(mailbox: Mailbox) -> str:
    """One line naming a mailbox: "Rita Rep <rita@example.com> · Gmail"."""
    who = f"{mailbox.display_name} <{mailbox.email}>" if mailbox.display_name else mailbox.email
    return f"{who} · {provider_label(mailbox.kind)}"


class MailboxesModel(RowTableModel[Mailbox]):
    """The user's mailboxes, oldest first, kept in step with the live stream.

    Args:
        client: The signed-in client (whose own changes are echoes).
        parent: The parent object.

    Signals:
        read_wanted(str): A mailbox changed elsewhere: read it again (its id).
        needs_reconnect(object): A mailbox shown was found needing reconnecting (the
            :class:`~app.api.mailboxes.Mailbox`, as read again).
    """

    PROVIDER, ADDRESS, STATUS, TODAY = range(4)
    HEADERS = ("Provider", "Address", "Status", "Today")
    IdRole = Qt.ItemDataRole.UserRole + 1
    ToneRole = Qt.ItemDataRole.UserRole + 2

    read_wanted = Signal(str)
    needs_reconnect = Signal(object)

    def __init__(self, client: GatewayClient | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._echoes = Echoes(client) if client is not None else None

    # ------------------------------------------------------------------ rows

    def set_mailboxes(self, mailboxes: Sequence[Mailbox]) -> None:
        """Show a fresh list."""
        self.beginResetModel()
        self._rows = [m for m in mailboxes if m.status != DISCONNECTED]
        self.endResetModel()

    def mailbox_at(self, row: int) -> Mailbox:
        """The mailbox of ``row``."""
        return self._rows[row]

    def mailboxes(self) -> list[Mailbox]:
        """Every mailbox shown, in order."""
        return list(self._rows)

    def find(self, mailbox_id: str) -> Mailbox | None:
        """The mailbox with ``mailbox_id``, if shown."""
        return next((m for m in self._rows if m.id == mailbox_id), None)

    def connected(self) -> list[Mailbox]:
        """The mailboxes that send (for the compose window's picker)."""
        return [m for m in self._rows if m.connected]

    def put(self, mailbox: Mailbox) -> None:
        """Show ``mailbox`` (a new one at the end; a known one in place, if not older);
        a disconnected one leaves the list."""
        if mailbox.status == DISCONNECTED:
            self.remove(mailbox.id)
            return
        for row, shown in enumerate(self._rows):
            if shown.id == mailbox.id:
                if mailbox.version < shown.version:
                    return
                self._rows[row] = mailbox
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                if mailbox.status == NEEDS_RECONNECT and shown.status != NEEDS_RECONNECT:
                    self.needs_reconnect.emit(mailbox)
                return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first)
        self._rows.append(mailbox)
        self.endInsertRows()
        if mailbox.status == NEEDS_RECONNECT:
            self.needs_reconnect.emit(mailbox)

    def remove(self, mailbox_id: str) -> None:
        """Take a mailbox off the list (disconnected, or no longer readable)."""
        for row, shown in enumerate(self._rows):
            if shown.id == mailbox_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
                return

    # ------------------------------------------------------------------ live

    def hear(self, change: Change) -> None:
        """A change from the live stream: a mailbox's that is news is read again."""
        if change.kind != "mailbox":
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
        mailbox = self.row_at(index)
        if mailbox is None:
            return None
        if role == self.IdRole:
            return mailbox.id
        if role == self.ToneRole:
            return status_tone(mailbox).value
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == self.PROVIDER:
                return provider_label(mailbox.kind)
            if column == self.ADDRESS:
                return mailbox.email
            if column == self.STATUS:
                return status_text(mailbox)
            if column == self.TODAY:
                return today_text(mailbox)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.ADDRESS:
            return describe(mailbox)
        return None

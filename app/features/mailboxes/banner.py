"""The window's notice of a mailbox that needs reconnecting (its sends wait meanwhile)."""

from __future__ import annotations

from app.api.mailboxes import NEEDS_RECONNECT, Mailbox
from app.features.mailboxes.model import MailboxesModel
from app.qt.core import Signal
from app.qt.widgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ReconnectBanner(QFrame):
    """The window's notice of each mailbox that needs reconnecting: "Your mailbox x needs
    reconnecting: <reason> [Reconnect]". It follows the shared mailbox list, so it goes
    once the mailbox works again.

    Args:
        model: The user's mailboxes.
        parent: The parent widget.

    Signals:
        reconnect_wanted(object): "Reconnect" (the mailbox).
    """

    reconnect_wanted = Signal(object)

    def __init__(self, model: MailboxesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconnectBanner")
        self._model = model
        self._dismissed: set[tuple[str, int]] = set()
        self.rows: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(16, 8, 16, 8)
        self._layout.setSpacing(6)
        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.dataChanged,
        ):
            signal.connect(self._update)
        self.hide()

    def _update(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        self.buttons = {}
        for mailbox in self._model.mailboxes():
            if (
                mailbox.status != NEEDS_RECONNECT
                or (mailbox.id, mailbox.version) in self._dismissed
            ):
                continue
            self._layout.addWidget(self._row(mailbox))
        self.setVisible(bool(self.rows))

    def _row(self, mailbox: Mailbox) -> QWidget:
        row = QWidget(self)
        row.setObjectName("reconnectRow")
        reason = (mailbox.status_reason or "it no longer signs in").strip().rstrip(".")
        text = QLabel(
            f"Your mailbox {mailbox.email} needs reconnecting: {reason}. "
            "Its emails wait until then.",
            row,
        )
        text.setObjectName("reconnectText")
        text.setWordWrap(True)
        button = QPushButton("Reconnect", row)
        button.setProperty("variant", "small")
        button.clicked.connect(lambda: self.reconnect_wanted.emit(mailbox))
        later = QPushButton("Later", row)
        later.setProperty("variant", "small")
        later.setToolTip("Hide this until the mailbox changes again")
        later.clicked.connect(lambda: self._dismiss(mailbox))
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(8)
        line.addWidget(text, 1)
        line.addWidget(button)
        line.addWidget(later)
        self.rows[mailbox.id] = text
        self.buttons[mailbox.id] = button
        return row

    def _dismiss(self, mailbox: Mailbox) -> None:
        self._dismissed.add((mailbox.id, mailbox.version))
        self._update()

    def text_of(self, mailbox_id: str) -> str:
        """The notice shown for a mailbox (``""``: none), for tests."""
        label = self.rows.get(mailbox_id)
        return label.text() if label is not None else ""

"""The To and Cc fields: addresses separated by commas, completed from the contacts.

Typing part of a name or an address asks for matching contacts (after a pause); picking
one puts "Name <address>, " in place of what was typed, ready for the next.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.api.emails import Recipient
from app.features.compose.model import recipient_text
from app.features.emails.ops import ContactMatch
from app.qt.core import QStringListModel, Qt, QTimer, Signal
from app.qt.gui import QHideEvent
from app.qt.widgets import QCompleter, QLineEdit, QWidget

SEARCH_DELAY_MS = 250
MIN_SEARCH = 2
"""Letters typed before contacts are looked for."""


def last_entry(text: str) -> str:
    """What is being typed: the text after the last comma or semicolon."""
    cut = max(text.rfind(","), text.rfind(";"))
    return text[cut + 1 :].strip()


class RecipientsEdit(QLineEdit):
    """Addresses, completed from the contacts.

    Args:
        placeholder: Grey text shown while it is empty.
        parent: The parent widget.

    Signals:
        search_wanted(str): Find contacts matching this text (answer with
            :meth:`set_matches`).
    """

    search_wanted = Signal(str)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self._matches: list[ContactMatch] = []
        self._labels = QStringListModel(self)
        self.completer_ = QCompleter(self._labels, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Not setCompleter(): it would complete the whole field, not the last entry.
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self.pick_label)
        self._asked = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search)
        self.textEdited.connect(self._typed)

    def _typed(self, text: str) -> None:
        if len(last_entry(text)) >= MIN_SEARCH:
            self._timer.start()
        else:
            self._timer.stop()
            popup = self.completer_.popup()
            if popup is not None:
                popup.hide()

    def _search(self) -> None:
        self._asked = last_entry(self.text())
        if len(self._asked) >= MIN_SEARCH:
            self.search_wanted.emit(self._asked)

    def set_matches(self, matches: Sequence[ContactMatch]) -> None:
        """Offer these contacts (if the text is still what was looked for)."""
        if last_entry(self.text()) != self._asked:
            return  # typed on meanwhile: a newer search is coming
        self._matches = list(matches)
        self._labels.setStringList([m.label for m in matches])
        if matches:
            self.completer_.complete()

    def matches(self) -> list[str]:
        """The contacts offered now (for tests)."""
        return [m.label for m in self._matches]

    def pick_label(self, label: str) -> None:
        """The user picked ``label`` of the list offered."""
        match = next((m for m in self._matches if m.label == label), None)
        if match is not None:
            self.pick(match.recipient)

    def pick(self, recipient: Recipient) -> None:
        """Put ``recipient`` in place of the entry being typed."""
        text = self.text()
        cut = max(text.rfind(","), text.rfind(";"))
        before = text[: cut + 1].strip() if cut >= 0 else ""
        joined = f"{before} " if before else ""
        self.setText(f"{joined}{recipient_text(recipient)}, ")
        self.textEdited.emit(self.text())
        self._timer.stop()

    def add(self, recipient: Recipient) -> None:
        """Add ``recipient`` after the entries there are."""
        text = self.text().strip().rstrip(",;").strip()
        self.setText(f"{text}, {recipient_text(recipient)}" if text else recipient_text(recipient))

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

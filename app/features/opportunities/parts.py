"""Small pieces of the opportunity editor: what it says, how currencies and found
accounts read, a row of two fields."""

from __future__ import annotations

from app.api.records import Account, Contact
from app.errors import UserMessage
from app.money import CURRENCY_SYMBOLS
from app.qt.core import Qt
from app.qt.widgets import QComboBox, QHBoxLayout, QWidget

STALE_TEXT = (
    "Someone else changed this opportunity after you opened it, so your changes were "
    "not saved. Reload to get their version; what you typed here stays."
)
RELOADED_TEXT = "Loaded the latest version. Your changes are kept: check them and save again."
GONE_TEXT = "This opportunity no longer exists; someone may have deleted it."


def currency_label(code: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{code} ({symbol})" if symbol else code


def account_labels(accounts: list[Account]) -> dict[str, Account]:
    """How each found account reads in the list; namesakes are told apart by their
    domain or city (or a number)."""
    counts: dict[str, int] = {}
    for account in accounts:
        counts[account.name] = counts.get(account.name, 0) + 1
    labels: dict[str, Account] = {}
    for account in accounts:
        label = account.name
        if counts[account.name] > 1:
            extra = account.domain or account.city
            label = f"{account.name} ({extra})" if extra else account.name
        base, number = label, 2
        while label in labels:
            label, number = f"{base} ({number})", number + 1
        labels[label] = account
    return labels


def pair(left: QWidget, right: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(12)
    row.addWidget(left, 1, Qt.AlignmentFlag.AlignTop)
    row.addWidget(right, 1, Qt.AlignmentFlag.AlignTop)
    return row


def fill_contacts(combo: QComboBox, contacts: list[Contact]) -> None:
    """Offer an account's ``contacts`` as the primary contact (the one chosen stays)."""
    chosen = combo.currentData()
    combo.clear()
    combo.addItem("No primary contact", None)
    for contact in contacts:
        label = contact.full_name or contact.email or "Unnamed contact"
        if contact.title:
            label += f" · {contact.title}"
        combo.addItem(label, contact.id)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))


def sentence(message: UserMessage) -> str:
    """A failure as one line."""
    return " ".join(part for part in (message.title, message.text) if part)

"""Inputs of the opportunity editor that Qt lacks: an amount in its currency, and a
date that may be empty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.features.opportunities.model import InputProblem, parse_amount, plain_amount
from app.money import format_money, minor_digits
from app.qt.core import QDate, Qt
from app.qt.gui import QFocusEvent, QKeyEvent, QMouseEvent
from app.qt.widgets import QDateEdit, QLineEdit, QWidget
from app.widgets.form import calm_calendar

NO_DATE = QDate(1900, 1, 1)
"""The date edit's "no date" (shown as :data:`NO_DATE_TEXT`)."""
NO_DATE_TEXT = "No close date"


class AmountEdit(QLineEdit):
    """An amount: typed as plain digits, shown in its currency when not being edited.

    While the field has the focus it holds what the user types (``12345.67``);
    when it loses the focus a valid amount reads as money ("$12,345.67"). Both
    forms parse back to the same :class:`~decimal.Decimal`.

    Args:
        currency: The ISO code of the amount.
        parent: The parent widget.
    """

    def __init__(self, currency: str = "USD", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amountEdit")
        self._currency = currency
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._update_placeholder()

    @property
    def currency(self) -> str:
        """The amount's currency."""
        return self._currency

    def set_currency(self, currency: str) -> None:
        """Change the currency; a valid amount is shown again in it."""
        value = self._value_or_none()
        self._currency = currency
        self._update_placeholder()
        if value is not None and not self.hasFocus():
            self.setText(format_money(value, currency))

    def amount(self) -> Decimal | None:
        """The amount, exactly; ``None`` when empty.

        Raises:
            InputProblem: what is typed is not an amount in this currency.
        """
        return parse_amount(self.text(), self._currency)

    def set_amount(self, value: Decimal | None) -> None:
        """Show ``value`` (as money unless the field is being edited)."""
        if value is None:
            self.setText("")
        elif self.hasFocus():
            self.setText(plain_amount(value))
        else:
            self.setText(format_money(value, self._currency))

    def _value_or_none(self) -> Decimal | None:
        try:
            return self.amount()
        except InputProblem:
            return None

    def _update_placeholder(self) -> None:
        places = minor_digits(self._currency)
        self.setPlaceholderText("0" if places == 0 else "0." + "0" * places)

    def focusInEvent(self, event: QFocusEvent) -> None:
        value = self._value_or_none()
        if value is not None:
            self.setText(plain_amount(value))
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        value = self._value_or_none()
        if value is not None:
            self.setText(format_money(value, self._currency))


class CloseDateEdit(QDateEdit):
    """A date with a calendar, that may also be empty ("No close date").

    Empty is the edit's minimum date, shown as special text; clicking or
    stepping an empty date starts from today.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("closeDateEdit")
        self.setCalendarPopup(True)
        calm_calendar(self)
        self.setMinimumDate(NO_DATE)
        self.setSpecialValueText(NO_DATE_TEXT)
        self.setDisplayFormat("yyyy-MM-dd")
        self.set_value(None)

    def value(self) -> date | None:
        """The date, or ``None`` when empty."""
        chosen = self.date()
        if chosen == NO_DATE:
            return None
        return date(chosen.year(), chosen.month(), chosen.day())

    def set_value(self, value: date | None) -> None:
        """Show ``value`` (``None``: empty)."""
        if value is None:
            self.setDate(NO_DATE)
        else:
            self.setDate(QDate(value.year, value.month, value.day))

    def _start_from_today(self) -> None:
        if self.date() == NO_DATE:
            self.setDate(QDate.currentDate())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._start_from_today()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self._start_from_today()
        super().keyPressEvent(event)

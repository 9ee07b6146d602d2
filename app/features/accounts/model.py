"""Accounts as a server-paged table, and how an opportunity's amount reads."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from app.api.models import Account
from app.features.records.model import NO_VALUE, RecordTableModel, short_date, text_or_dash
from app.qt import QLocale

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
}
"""Symbols people recognise; other currencies are written with their ISO code."""

NO_CENTS = frozenset({"JPY", "KRW"})


def format_money(amount: str | None, currency: str, locale: QLocale | None = None) -> str:
    """``"12345.67"`` USD → "$12,345.67"; ``None`` → "—".

    Args:
        amount: The server's decimal string, or ``None`` when unknown.
        currency: The ISO code of the amount's currency.
        locale: How to group digits; the user's locale by default (US English
            when the system has none, i.e. the C locale).
    """
    if amount is None:
        return NO_VALUE
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return f"{amount} {currency}"
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code, f"{code}\N{NO-BREAK SPACE}")
    return locale.toCurrencyString(float(value), symbol, 0 if code in NO_CENTS else 2)


class AccountsTableModel(RecordTableModel[Account]):
    """One row per account: name, domain, industry, employees, city, country, updated."""

    NAME, DOMAIN, INDUSTRY, EMPLOYEES, CITY, COUNTRY, UPDATED = range(7)
    HEADERS = ("Name", "Domain", "Industry", "Employees", "City", "Country", "Updated")
    SORT_KEYS = ("name", "domain", "industry", "size", "city", "country", "updated_at")
    DEFAULT_SORT = "name"
    FILTER_FIELD = "name"
    NOUN = "account"
    EMPTY_TEXT = "No accounts yet"
    NO_MATCH_TEXT = "No accounts match"

    def cell(self, record: Account, column: int) -> str:
        if column == self.NAME:
            return record.name
        if column == self.DOMAIN:
            return text_or_dash(record.domain)
        if column == self.INDUSTRY:
            return text_or_dash(record.industry)
        if column == self.EMPLOYEES:
            return f"{record.size:,}" if record.size is not None else NO_VALUE
        if column == self.CITY:
            return text_or_dash(record.city)
        if column == self.COUNTRY:
            return text_or_dash(record.country)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

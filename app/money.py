"""Amounts of money as people read them, exact to the last digit.

The server sends amounts as decimal strings (``"12345.67"``); they stay
:class:`~decimal.Decimal` all the way to the screen. The user's locale decides
the digit grouping, the decimal mark and where the currency symbol goes; the
digits themselves are never passed through a float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from app.qt.core import QLocale

NO_VALUE = "—"

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
"""Currencies without minor units."""


def minor_digits(currency: str) -> int:
    """How many digits follow the decimal mark in ``currency`` (2, or 0 for yen)."""
    return 0 if currency.upper() in NO_CENTS else 2


def user_locale(locale: QLocale | None = None) -> QLocale:
    """``locale``, or the user's; US English when the system has none (the C locale)."""
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return locale


def group_digits(value: Decimal, places: int, locale: QLocale) -> str:
    """``1234567.891`` → ``"1,234,567.89"`` (the locale's marks), exactly, no sign."""
    quantum = Decimal(1).scaleb(-places)
    fixed = f"{abs(value).quantize(quantum, rounding=ROUND_HALF_EVEN):f}"
    whole, _, fraction = fixed.partition(".")
    group = locale.groupSeparator()
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = group.join(groups)
    return f"{text}{locale.decimalPoint()}{fraction}" if places else text


def format_money(amount: str | Decimal | None, currency: str, locale: QLocale | None = None) -> str:
    """``"12345.67"`` USD → "$12,345.67"; ``None`` → "—".

    Args:
        amount: The server's decimal string (or a Decimal); ``None`` when unknown.
        currency: The ISO code of the amount's currency.
        locale: How to group digits and place the symbol; the user's by default.
    """
    if amount is None or amount == "":
        return NO_VALUE
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(amount)
    except InvalidOperation:
        return f"{amount} {currency}"
    if not value.is_finite():
        return f"{amount} {currency}"
    locale = user_locale(locale)
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code, f"{code}\N{NO-BREAK SPACE}")
    places = minor_digits(code)
    # The locale's own layout of a one, with our exact digits put in its place.
    one = -1.0 if value < 0 else 1.0
    template = locale.toCurrencyString(one, symbol, places)
    placeholder = locale.toString(1.0, "f", places)
    digits = group_digits(value, places, locale)
    if placeholder in template:
        return template.replace(placeholder, digits, 1).strip()
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{digits}"


def compact_money(amount: Decimal, currency: str, locale: QLocale | None = None) -> str:
    """A short total for tight spaces: "$1.2M", "€830K", "$950" (rounded, for headers)."""
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code, f"{code}\N{NO-BREAK SPACE}")
    locale = user_locale(locale)
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    steps = (
        (Decimal(10) ** 15, "Q"),
        (Decimal(10) ** 12, "T"),
        (Decimal(10) ** 9, "B"),
        (Decimal(10) ** 6, "M"),
        (Decimal(1000), "K"),
    )
    for limit, suffix in steps:
        if size >= limit:
            scaled = (size / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
            whole, _, tenth = f"{scaled:f}".partition(".")
            text = group_digits(Decimal(whole), 0, locale)
            if tenth and tenth != "0":
                text += f"{locale.decimalPoint()}{tenth}"
            return f"{sign}{symbol}{text}{suffix}"
    return f"{sign}{symbol}{group_digits(size, 0, locale)}"

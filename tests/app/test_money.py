"""Amounts read exactly, in their currency and the user's locale."""

from __future__ import annotations

from decimal import Decimal

from app.money import compact_money, format_money
from app.qt.core import QLocale

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DE = QLocale(QLocale.Language.German, QLocale.Country.Germany)


def test_amounts_read_in_their_currency() -> None:
    assert format_money("12345.67", "USD", US) == "$12,345.67"
    assert format_money("10", "EUR", US) == "€10.00"
    assert format_money("1000", "JPY", US) == "¥1,000"
    assert format_money("1234", "SEK", US) == "SEK\N{NO-BREAK SPACE}1,234.00"


def test_no_amount_is_a_dash_never_undefined() -> None:
    assert format_money(None, "USD", US) == "—"
    assert format_money("", "USD", US) == "—"


def test_large_amounts_keep_every_cent() -> None:
    # A float has 15-17 significant digits; this has 20.
    assert format_money("123456789012345678.91", "USD", US) == "$123,456,789,012,345,678.91"
    assert format_money(Decimal("0.10") + Decimal("0.20"), "USD", US) == "$0.30"


def test_the_locale_places_marks_and_symbol() -> None:
    assert format_money("12345.67", "EUR", DE) == "12.345,67\N{NO-BREAK SPACE}€"
    assert format_money("-5.5", "EUR", DE) == "-5,50\N{NO-BREAK SPACE}€"


def test_unreadable_amounts_are_shown_as_sent() -> None:
    assert format_money("12,3", "USD", US) == "12,3 USD"


def test_compact_totals_for_headers() -> None:
    assert compact_money(Decimal("1234567"), "USD", US) == "$1.2M"
    assert compact_money(Decimal("830000"), "EUR", US) == "€830K"
    assert compact_money(Decimal("950"), "USD", US) == "$950"
    assert compact_money(Decimal("2000000000"), "USD", US) == "$2B"


def test_compact_totals_stay_short_however_large() -> None:
    assert compact_money(Decimal("19753086421975308.64"), "USD", US) == "$19.8Q"
    assert compact_money(Decimal("4200000000000"), "EUR", US) == "€4.2T"
    assert compact_money(Decimal("999999999999999999999"), "USD", US) == "$1,000,000Q"

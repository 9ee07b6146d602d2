"""What the opportunity editor checks before asking the server, and what it sends.

Amounts are read from what the user typed into an exact :class:`~decimal.Decimal`
(their locale's marks or a plain ``12345.67``), never through a float, and go
to the server as a decimal string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.api.records import Opportunity
from app.money import CURRENCY_SYMBOLS, minor_digits, user_locale
from app.qt.core import QLocale

CURRENCIES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "HKD", "SGD", "INR",
    "SEK", "NOK", "DKK", "PLN", "CZK", "BRL", "MXN", "ZAR", "KRW", "AED",
)  # fmt: skip
"""The ISO codes the currency list offers (a deal in another keeps its own)."""

MAX_WHOLE_DIGITS = 16
"""The server keeps amounts as ``numeric(18, 2)``: at most 16 digits before the mark."""

MAX_NAME = 200
MAX_REASON = 500

_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


class InputProblem(ValueError):
    """What the user typed cannot be sent; the text says why, as a sentence."""


def parse_amount(text: str, currency: str, locale: QLocale | None = None) -> Decimal | None:
    """The amount in ``text``, exactly; ``None`` for an empty field.

    Accepts the locale's layout ("$12,345.67", "12 345,67 €") and a plain
    ``12345.67``; the currency's symbol or code may be part of it.

    Raises:
        InputProblem: not an amount, negative, more decimals than the currency
            has, or more digits than the server keeps.
    """
    raw = text.strip()
    if not raw:
        return None
    locale = user_locale(locale)
    code = currency.upper()
    for mark in sorted(
        {*CURRENCY_SYMBOLS.values(), code, *CURRENCY_SYMBOLS}, key=len, reverse=True
    ):
        raw = raw.replace(mark, "")
    raw = _SPACES.sub("", raw)
    if raw.startswith("-"):
        raise InputProblem("An amount cannot be negative.")
    point, group = locale.decimalPoint(), locale.groupSeparator()
    if point != "." and point in raw:
        raw = raw.replace(group, "").replace(point, ".")
    elif group != ".":
        raw = raw.replace(group, "")
    elif raw.count(".") > 1 or re.search(r"\.\d{3}$", raw):
        raw = raw.replace(".", "")  # "1.234.567" where "." groups digits
    if not _PLAIN.match(raw):
        raise InputProblem("Enter an amount such as 12345.67.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards it
        raise InputProblem("Enter an amount such as 12345.67.") from exc
    whole, _, fraction = raw.partition(".")
    fraction = fraction.rstrip("0")
    places = minor_digits(code)
    if len(fraction) > places:
        if places == 0:
            raise InputProblem(f"{code} amounts have no decimals.")
        raise InputProblem(f"{code} amounts have at most {places} digits after the decimal mark.")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise InputProblem(
            f"This amount is too large: at most {MAX_WHOLE_DIGITS} digits before the decimal mark."
        )
    return value


def plain_amount(value: Decimal) -> str:
    """``Decimal("12345.60")`` → ``"12345.60"``: digits as they are, no grouping."""
    return format(value, "f")


def parse_probability(text: str) -> int | None:
    """A probability typed as ``60`` or ``60%``; ``None`` for an empty field.

    Raises:
        InputProblem: not a whole number from 0 to 100.
    """
    raw = text.strip().removesuffix("%").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 100:
        raise InputProblem("Enter a whole percentage from 0 to 100, or leave it empty.")
    return int(raw)


@dataclass(frozen=True)
class OpportunityForm:
    """The editor's fields once they are read and checked.

    Attributes mirror the server's opportunity fields.
    """

    name: str
    account_id: str | None
    primary_contact_id: str | None
    amount: Decimal | None
    currency: str
    stage_id: str
    probability_override: int | None
    close_date: date | None
    closed_reason: str | None
    owner_id: str | None = None
    """``None``: the deal keeps its owner (a new one: the signed-in user)."""

    def as_fields(self) -> dict[str, Any]:
        """Every field, for a new opportunity (empty ones left out)."""
        fields = {
            "name": self.name,
            "account_id": self.account_id,
            "primary_contact_id": self.primary_contact_id,
            "amount": self.amount,
            "currency": self.currency,
            "stage_id": self.stage_id,
            "probability_override": self.probability_override,
            "close_date": self.close_date,
            "closed_reason": self.closed_reason,
            "owner_id": self.owner_id,
        }
        return {key: value for key, value in fields.items() if value is not None}

    def changes_from(self, record: Opportunity) -> dict[str, Any]:
        """Only what differs from ``record`` (``None`` clears a field)."""
        ours = {
            "name": self.name,
            "account_id": self.account_id,
            "primary_contact_id": self.primary_contact_id,
            "amount": self.amount,
            "currency": self.currency,
            "stage_id": self.stage_id,
            "probability_override": self.probability_override,
            "close_date": self.close_date,
            "closed_reason": self.closed_reason,
        }
        if self.owner_id is not None:
            ours["owner_id"] = self.owner_id
        theirs = record.model_dump()
        changes = {}
        for key, value in ours.items():
            before = theirs.get(key)
            if key == "closed_reason":
                before = before or None
            if value != before:
                changes[key] = value
        return changes


FIELD_NAMES: tuple[str, ...] = (
    "name",
    "account_id",
    "primary_contact_id",
    "amount",
    "currency",
    "stage_id",
    "probability_override",
    "close_date",
    "closed_reason",
)
"""The server's names of the fields the editor shows (its 422 errors name them)."""

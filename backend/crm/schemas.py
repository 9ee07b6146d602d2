"""Types every CRM request and response body shares.

Amounts travel as decimal strings (``"12345.67"``) and are Decimal end to end.
Unknown fields are refused (422 naming the field), text has a maximum length.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from backend.kit.validation import Input

ObjectType = Literal["account", "contact", "opportunity"]

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "starts", "in", "empty", "notempty")
CUSTOM_KEY = r"cf\.[a-z][a-z0-9_]{0,39}"


FILTER_VALUE_MAX = 8000
"""A filter's value may be long: ``id:in:`` with a hundred ids (what a board asks for)."""


def filter_pattern(fields: Iterable[str]) -> str:
    """``field:op:value`` over ``fields`` (or a custom field, ``cf.<key>``)."""
    names = "|".join(sorted(fields))
    ops = "|".join(OPERATORS)
    return rf"^({names}|{CUSTOM_KEY}):({ops}):[^\u0000]{{0,{FILTER_VALUE_MAX}}}$"


def sort_pattern(fields: Iterable[str]) -> str:
    """``field`` or ``-field`` (descending) over ``fields`` or a custom field."""
    return rf"^-?({'|'.join(sorted(fields))}|{CUSTOM_KEY})$"


ANY_FIELD = r"[a-z][a-z_]{0,39}"
FilterText = Annotated[
    str,
    Field(
        max_length=500,
        pattern=rf"^({ANY_FIELD}|{CUSTOM_KEY}):({'|'.join(OPERATORS)}):[^\u0000]{{0,400}}$",
        description="field:op:value, e.g. size:gte:100 or cf.tier:eq:Gold",
    ),
]
SortText = Annotated[
    str,
    Field(
        max_length=100, pattern=rf"^-?({ANY_FIELD}|{CUSTOM_KEY})$", description="field or -field"
    ),
]
Short = Annotated[str, Field(min_length=1, max_length=200)]
OptionalShort = Annotated[str | None, Field(default=None, max_length=200)]
Phone = Annotated[str | None, Field(default=None, max_length=50, pattern=r"^[0-9+()./\- x]*$")]
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TIME_ZONES = sorted(zoneinfo.available_timezones())
TIME_ZONE_SET = frozenset(TIME_ZONES)


def _domain(value: Any) -> Any:
    """Accept ``https://www.Acme.com/about`` and keep ``acme.com``."""
    if not isinstance(value, str) or not value.strip():
        return None if isinstance(value, str) else value
    host = value.strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host).split("/")[0].split(":")[0]
    host = host.removeprefix("www.")
    if not _DOMAIN.match(host):
        raise ValueError("is not a domain name such as acme.com")
    return host


DOMAIN_INPUT = (
    r"^\s*$|^\s*([A-Za-z][A-Za-z0-9+.-]*://)?(www\.)?"
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}([:/][^\u0000]*)?\s*$"
)
"""What a domain field takes: a domain, or a web address (its host is kept)."""

Domain = Annotated[
    str | None,
    BeforeValidator(_domain),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 300, "pattern": DOMAIN_INPUT},
                {"type": "null"},
            ]
        },
        mode="validation",
    ),
]


def _money(value: Any) -> Any:
    if not isinstance(value, str | Decimal):
        raise ValueError('must be a decimal string such as "12345.67" (a number loses cents)')
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, max_digits=18, decimal_places=2),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,16}(\.\d{1,2})?$",
            "description": 'a decimal string, e.g. "12345.67" (numbers lose cents: refused)',
        },
        mode="validation",
    ),
]
Total = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]
"""A sum of amounts: as exact as Money, but not bound to one amount's 18 digits."""


def _currency(value: Any) -> Any:
    if isinstance(value, str) and pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError("is not an ISO 4217 currency code such as USD or EUR")
    return value


CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)

Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD"),
    AfterValidator(_currency),
    WithJsonSchema({"type": "string", "enum": CURRENCIES}, mode="validation"),
]
"""An ISO 4217 currency (the list from ``pycountry``, kept up to date upstream)."""


class In(Input):
    """A request body: unknown fields and NUL characters refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body read from a model's attributes."""

    model_config = ConfigDict(from_attributes=True)

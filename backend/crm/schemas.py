"""Types every CRM request and response body shares.

Amounts travel as decimal strings (``"12345.67"``) and are Decimal end to end.
Unknown fields are refused (422 naming the field), text has a maximum length.
"""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

ObjectType = Literal["account", "contact", "opportunity"]
Short = Annotated[str, Field(min_length=1, max_length=200)]
OptionalShort = Annotated[str | None, Field(default=None, max_length=200)]
Phone = Annotated[str | None, Field(default=None, max_length=50, pattern=r"^[0-9+()./\- x]*$")]
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TIME_ZONES = zoneinfo.available_timezones()


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


Domain = Annotated[str | None, BeforeValidator(_domain)]


def _money(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('must be a decimal string such as "12345.67" (not a float)')
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, max_digits=18, decimal_places=2),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]
Total = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]
"""A sum of amounts: as exact as Money, but not bound to one amount's 18 digits."""

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")]


class In(BaseModel):
    """A request body: unknown fields refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body read from a model's attributes."""

    model_config = ConfigDict(from_attributes=True)

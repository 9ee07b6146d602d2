"""What every request body refuses, whatever its fields: unknown fields, NUL characters
(Postgres text cannot hold them), and an explicit ``null`` for a field that cannot be
empty. Each refusal is a 422 naming the field, never a 500 from the database."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

NUL_MESSAGE = "must not contain a NUL character (\\u0000)"
NO_NUL = "^[^\\u0000]*$"
"""The pattern the document gives a free-text field: anything but a NUL character."""
ONE_LINE = "^[^\\u0000-\\u001f\\u007f]*$"
"""A name that goes into a header (an email's display names): no line breaks or other
control characters (a line break there would start a header of its own)."""


def _describe_no_nul(schema: dict[str, Any]) -> None:
    """Say in the JSON schema what :meth:`Input._no_nul` refuses: every free-text value
    (one with no pattern, format or list of choices of its own) has :data:`NO_NUL`."""
    kinds = schema.get("type")
    if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and not (
        {"pattern", "format", "enum", "const"} & set(schema)
    ):
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in schema.get(key) or []:
            if isinstance(part, dict):
                _describe_no_nul(part)
    for key in ("items", "additionalProperties", "contains"):
        if isinstance(schema.get(key), dict):
            _describe_no_nul(schema[key])
    for part in (schema.get("properties") or {}).values():
        if isinstance(part, dict):
            _describe_no_nul(part)


def has_nul(value: Any) -> bool:
    """Whether ``value`` (a string, or lists and dicts of them) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class Input(BaseModel):
    """Base of request bodies: unknown fields are refused, and so are NUL characters
    anywhere in a value (a name, a list of filters, custom field JSON)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_describe_no_nul)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


def _not_null(cls: type[BaseModel], value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null (leave the field out to keep its value)")
    return value


def not_null(*fields: str) -> Any:
    """A validator refusing an explicit ``null`` for ``fields`` of a partial update
    (``PATCH {"name": null}``); leaving a field out still keeps its value::

        class AccountPatch(Input):
            name: str | None = None
            _name_not_null = not_null("name")
    """
    return field_validator(*fields, mode="before")(_not_null)


SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
"""Top-level names that never receive mail (RFC 6761, RFC 7686): ``email-validator``
refuses addresses under them, and the document says so."""
_ANY_CASE = "|".join(
    "".join(f"[{c.lower()}{c.upper()}]" for c in name) for name in SPECIAL_USE_DOMAINS
)
DELIVERABLE_EMAIL = rf"^[^@]+@.+\.(?!(?:{_ANY_CASE})$)[^.@]*[A-Za-z]$"

Email = Annotated[
    EmailStr,
    Field(
        json_schema_extra={
            "pattern": DELIVERABLE_EMAIL,
            "description": (
                "an address that can receive mail: its domain ends in a letter and is not "
                ".test, .local, …"
            ),
        }
    ),
]
"""An email address (``email-validator``: syntax, and no special-use domain)."""

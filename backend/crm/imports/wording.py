"""What an import's error report says about a cell: a sentence a person can act on, not
the validator's words ("String should match pattern …", "Field required")."""

from __future__ import annotations

from typing import Any

PHONE_CHARACTERS = "Use only digits, spaces and + ( ) - . / x."


def sentence(text: str) -> str:
    """``is required`` → "Is required."; a capital first letter and a full stop."""
    text = text.strip().removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def plain(error: dict[str, Any], column: str) -> str:
    """One of pydantic's errors about a cell of ``column``, worded for people."""
    kind = str(error.get("type", ""))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    message = str(error.get("msg", ""))
    what = column or "This column"
    if kind == "missing":
        return f"{what} is required, and this row has none."
    if kind == "string_pattern_mismatch":
        return PHONE_CHARACTERS
    if kind == "string_too_long":
        return f"Longer than {ctx.get('max_length', 'allowed')} characters; shorten it."
    if kind == "string_too_short":
        return f"{what} cannot be empty."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Not a whole number (write it with digits, such as 250)."
    if kind == "greater_than_equal":
        return f"Must be at least {ctx.get('ge')}."
    if kind == "less_than_equal":
        return (
            f"Must be at most {ctx.get('le'):,}."
            if isinstance(ctx.get("le"), int)
            else sentence(message)
        )
    if kind in ("bool_parsing", "bool_type"):
        return "Use yes or no (or true or false)."
    if message.lower().startswith("value is not a valid email address"):
        return "Not an email address such as name@company.com."
    return sentence(message)

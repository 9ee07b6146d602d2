"""How a CSV's columns map to record fields: what can be imported, the guess from
column names, the checks of a mapping, and the value of a cell."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from backend.crm.models import Account, Contact, CustomField
from backend.crm.records.kinds import ACCOUNTS, CONTACTS, RecordKind
from backend.crm.records.schemas import AccountIn, ContactIn
from backend.kit.errors import ErrorDetail, ValidationFailed
from backend.kit.validation import has_nul

ON_DUPLICATE = ("create", "update", "skip")
WHOLE_NUMBERS = frozenset({"size"})
"""Fields whose cells are read as whole numbers ("1,200" employees is 1200)."""
OnDuplicate = Literal["create", "update", "skip"]
Importable = Literal["contact", "account"]


@dataclass(frozen=True)
class Target:
    """An importable object: its fields, its required field, its de-duplication key."""

    object_type: str
    model: type[Any]
    schema: type[Any]
    fields: tuple[str, ...]
    required: str
    dedupe: str
    kind: RecordKind[Any]


TARGETS = {
    "contact": Target(
        "contact",
        Contact,
        ContactIn,
        (
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "title",
            "time_zone",
            "do_not_contact",
            "account_domain",
            "account_name",
        ),
        "last_name",
        "email",
        CONTACTS,
    ),
    "account": Target(
        "account",
        Account,
        AccountIn,
        (
            "name",
            "domain",
            "industry",
            "size",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
        ),
        "name",
        "domain",
        ACCOUNTS,
    ),
}
SYNONYMS = {
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "e-mail": "email",
    "email address": "email",
    "mail": "email",
    "job title": "title",
    "company domain": "account_domain",
    "website": "domain",
    "company": "name",
    "company name": "name",
    "employees": "size",
    "zip": "postal_code",
    "postcode": "postal_code",
    "state": "region",
    "phone number": "phone",
    "mobile phone": "mobile",
}


CONTACT_SYNONYMS = {
    "company": "account_name",
    "company name": "account_name",
    "account": "account_name",
    "account name": "account_name",
    "organization": "account_name",
    "organisation": "account_name",
    "employer": "account_name",
}
"""A contact's company by name: which account they work at."""
LINKS = ("account_domain", "account_name")
"""Contact columns that name their account (by domain, by name) rather than a field."""


def suggest_mapping(
    headers: list[str], target: Target, custom: dict[str, CustomField]
) -> dict[str, str]:
    """Guess ``header -> field`` from names and common synonyms (the user confirms)."""
    known = set(target.fields) | {f"cf.{k}" for k in custom}
    labels = {c.label.lower(): f"cf.{c.key}" for c in custom.values()}
    mapping = {}
    for header in headers:
        norm = header.strip().lower()
        synonyms = {**SYNONYMS, **CONTACT_SYNONYMS} if target.object_type == "contact" else SYNONYMS
        guess = (
            norm.replace(" ", "_")
            if norm.replace(" ", "_") in known
            else synonyms.get(norm, labels.get(norm, ""))
        )
        if target.object_type == "contact" and guess == "name":
            guess = ""
        mapping[header] = guess if guess in known else ""
    return mapping


def check_mapping(
    mapping: dict[str, str], headers: list[str], target: Target, custom: dict[str, CustomField]
) -> None:
    """Raises:
    ValidationFailed: unknown columns or fields, or the required field unmapped.
    """
    known = set(target.fields) | {f"cf.{k}" for k in custom}
    problems = []
    for header, field in mapping.items():
        if header not in headers:
            problems.append(
                ErrorDetail(field=f"body.mapping.{header}", message="is not a column of the file")
            )
        elif field and field not in known:
            problems.append(
                ErrorDetail(
                    field=f"body.mapping.{header}",
                    message=f"{field!r} is not a field of {target.object_type}s",
                )
            )
    targets = [f for f in mapping.values() if f]
    if len(targets) != len(set(targets)):
        problems.append(
            ErrorDetail(field="body.mapping", message="two columns go to the same field")
        )
    if target.required not in targets:
        problems.append(
            ErrorDetail(
                field="body.mapping", message=f"map a column to {target.required} (required)"
            )
        )
    if problems:
        raise ValidationFailed("The column mapping needs attention", details=problems)


def target_of(object_type: str) -> Target:
    """Raises:
    ValidationFailed: not an importable kind (``body.object_type``).
    """
    target = TARGETS.get(object_type)
    if target is None:
        raise ValidationFailed.for_field("body.object_type", "must be contact or account")
    return target


def parse_mapping(raw: str) -> dict[str, str]:
    """The mapping form field: JSON ``{"CSV column": "field"}``.

    Raises:
        ValidationFailed: naming ``body.mapping``.
    """
    try:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ValueError
        if has_nul(parsed):
            raise ValueError
    except ValueError as exc:
        raise ValidationFailed.for_field(
            "body.mapping", 'must be JSON like {"Email": "email"}'
        ) from exc
    return parsed


def cell_value(raw: str, field: str, custom: dict[str, CustomField]) -> Any:
    value = raw.strip()
    if value == "":
        return None
    if field.startswith("cf."):
        kind = custom[field[3:]].field_type
        if kind == "number":
            try:
                number = Decimal(value)
            except InvalidOperation:
                return value  # validation reports it
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "boolean":
            return {
                "true": True,
                "yes": True,
                "1": True,
                "false": False,
                "no": False,
                "0": False,
            }.get(value.lower(), value)
        if kind == "multi_select":
            return [v.strip() for v in value.split(";") if v.strip()]
        return value
    if field == "do_not_contact":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            value.lower(), value
        )
    if field in WHOLE_NUMBERS:  # the API takes JSON numbers; a file has text
        digits = value.replace(",", "").replace("_", "")
        return int(digits) if digits.lstrip("-").isdigit() else value
    return value

"""Schemathesis hooks for ``scripts/fuzz_api.py``: real values where the document
cannot say what is valid.

Some rules depend on data, not on shape: an ``account_id`` must name an account of
the caller's company, a custom field key one the company defined, a CSV upload must
hold a header and rows, a new password must resist zxcvbn's guesses, ``If-Match``
must carry the version last read. The document states each rule in words; these
hooks make *positive* cases (the ones schemathesis expects to be accepted) use real
values for them, so an accepted case shows the document's shapes are right. Negative
cases are left alone: they must still be refused with a 4xx, never a 5xx.

The fuzzing company's data comes from ``SALESOS_FUZZ_DATA`` (JSON written by
``fuzz_api.py`` after it made the records).
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import schemathesis

DATA: dict[str, Any] = json.loads(os.environ.get("SALESOS_FUZZ_DATA", "{}"))
COUNTER = itertools.count()
STRONG = itertools.cycle(["violet harbour lantern 71", "quiet copper meadow 42"])
CSV = b"Last name,Email,Name,Domain\nLovelace,ada@example.com,Acme,acme.example\n"
MAPPING = {
    "contact": '{"Last name": "last_name", "Email": "email"}',
    "account": '{"Name": "name", "Domain": "domain"}',
}

REFERENCES = {
    "account_id": "account",
    "primary_contact_id": "contact",
    "owner_id": "user",
    "manager_id": "manager",
    "stage_id": "stage",
    "mailbox_id": "mailbox",
    "template_id": "template",
    "contact_id": "contact",
}
SMTP_SETTINGS = ("smtp_host", "smtp_port", "smtp_security", "username", "password")


def _positive(case: schemathesis.Case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.value == "positive"


def _kind_of(path: str) -> str:
    for part, kind in (
        ("accounts", "account"),
        ("contacts", "contact"),
        ("opportunities", "opportunity"),
    ):
        if f"/{part}" in path:
            return kind
    return ""


def _fix_email(path: str, body: dict[str, Any]) -> None:
    """Email: a mailbox connects only to a server that signs it in (the fuzzing
    company's SMTP server, with its password); a message or template needs a body;
    attachments are uploaded files, not any id."""
    if path.endswith("/mailboxes") and "smtp" in DATA:  # connect: any kind, ours
        keep = {k: body[k] for k in ("display_name", "daily_cap", "min_interval_seconds")
                if k in body}  # fmt: skip
        body.clear()
        body.update(DATA["smtp"], **keep)
        body["email"] = f"fuzz-{next(COUNTER)}-{DATA['smtp']['email']}"
    elif "/mailboxes/" in path and "smtp" in DATA:  # a change: the same server again
        for key in SMTP_SETTINGS:
            if key in body:
                body[key] = DATA["smtp"][key]
        for key in ("imap_host", "imap_port", "imap_security", "grant"):  # SMTP, no IMAP
            body.pop(key, None)
    if path.endswith(("/emails", "/emails/preview", "/email-templates")):
        if not body.get("body_text") and not body.get("body_html") and not body.get("template_id"):
            body["body_text"] = "Hello"
        if path.endswith("/emails") and not body.get("subject") and not body.get("template_id"):
            body["subject"] = "Hello"
        if isinstance(body.get("attachment_ids"), list):
            body["attachment_ids"] = []
        body.pop("reply_to", None)  # the id of an email of ours to answer, not any id
        if path.endswith("/email-templates") and isinstance(body.get("name"), str):
            body["name"] = f"{body['name'][:180]} {next(COUNTER)}"  # names differ


def _fix_body(path: str, body: dict[str, Any]) -> None:
    kind = _kind_of(path)
    _fix_email(path, body)
    for key, what in REFERENCES.items():
        if body.get(key) is not None and what in DATA:
            body[key] = DATA[what]
    if isinstance(body.get("custom_fields"), dict):
        body["custom_fields"] = {}  # which keys exist is the company's, and fuzzing changes it
    if isinstance(body.get("changes"), dict):
        _fix_body(path, body["changes"])
    destroys = path.endswith(("/bulk-delete", "/merge"))
    if isinstance(body.get("ids"), list) and kind in DATA:
        # Deleting takes a record of its own; the others stay for what refers to them.
        body["ids"] = [DATA.get(f"{kind}_spare", DATA[kind]) if destroys else DATA[kind]]
    if path.endswith("/merge") and kind in DATA:
        body["winner_id"], body["loser_ids"] = DATA[f"{kind}_spare"], [DATA[f"{kind}_twin"]]
        body.pop("fields", None)
    if "current_password" in body and "password" in DATA:
        body["current_password"] = DATA["password"]  # only the holder knows it
    for key in ("password", "new_password"):
        if isinstance(body.get(key), str) and "/mailboxes" not in path:
            # its strength depends on the user's name too
            body[key] = next(STRONG)
    if isinstance(body.get("stages"), list) and body["stages"]:
        stages = body["stages"]
        outcomes = {s.get("outcome", "open") for s in stages if isinstance(s, dict)}
        if not {"open", "won", "lost"} <= outcomes and len(stages) >= 3:
            for stage, outcome in zip(stages, ("open", "won", "lost"), strict=False):
                stage["outcome"] = outcome
        for i, stage in enumerate(stages):
            if isinstance(stage, dict) and isinstance(stage.get("name"), str):
                stage["name"] = f"{stage['name'][:180]} {i}"  # names differ
    if "file" in body:  # CSV imports: a real file, and a mapping of its columns
        body["file"] = CSV
        if "mapping" in body:
            body["mapping"] = MAPPING.get(
                str(body.get("object_type", "contact")), MAPPING["contact"]
            )


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    """A changed password is the current one from now on (only once it was accepted)."""
    if (
        case.path.endswith("/auth/password")
        and 200 <= response.status_code < 300
        and isinstance(case.body, dict)
    ):
        DATA["password"] = case.body["new_password"]


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    kind = _kind_of(case.path)
    keeper = DATA.get(kind)
    if case.method.upper() == "DELETE" and keeper and keeper in case.path_parameters.values():
        # The records the others name must stay: deleting one takes a spare (any case).
        case.path_parameters = {
            k: DATA[f"{kind}_spare"] if v == keeper else v for k, v in case.path_parameters.items()
        }
    if not _positive(case):
        return case
    if isinstance(case.body, dict):
        _fix_body(case.path, case.body)
    if case.headers:
        case.headers.pop("If-Match", None)  # a version comes from a read, not from chance
    return case

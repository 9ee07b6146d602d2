"""The state of a fake Gmail mailbox and the shapes the Gmail API renders it in.

Sources (read 2026-12-03): the ``users.messages`` (list, get: ``format``,
``metadataHeaders``), ``users.threads.get`` and ``users.history.list`` reference pages
under https://developers.google.com/workspace/gmail/api/reference/rest/v1/, the
threads guide https://developers.google.com/workspace/gmail/api/guides/threads and the
errors guide https://developers.google.com/workspace/gmail/api/guides/handle-errors.
:mod:`tests.fakes.google` serves it.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from starlette.responses import JSONResponse

from tests.fakes.faults import Reply, normalize_message_id, referenced_ids

__all__ = [
    "GmailMessage",
    "Mailbox",
    "b64url",
    "google_error",
    "matches",
    "message_part",
    "pad",
    "page",
    "resource",
    "subject",
]

_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 413: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
           504: "DEADLINE_EXCEEDED"}  # fmt: skip
_DEFAULTS = {
    400: ("invalidArgument", "global", "Bad Request"),
    401: ("authError", "global", "Invalid Credentials"),
    403: ("userRateLimitExceeded", "usageLimits", "User Rate Limit Exceeded"),
    404: ("notFound", "global", "Requested entity was not found."),
    413: ("uploadTooLarge", "global", "Request Entity Too Large"),
    429: ("rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"),
    500: ("backendError", "global", "Backend Error"),
    501: ("notImplemented", "global", "Not Implemented"),
    502: ("backendError", "global", "Bad Gateway"),
    503: ("backendError", "global", "The service is currently unavailable."),
    504: ("backendError", "global", "Deadline exceeded."),
}


def google_error(
    code: int,
    message: str | None = None,
    reason: str | None = None,
    domain: str | None = None,
    retry_after: float | None = None,
) -> JSONResponse:
    """Google's JSON error, ``{"error": {"code", "message", "errors": [...], "status"}}``."""
    default_reason, default_domain, default_message = _DEFAULTS.get(
        code, ("backendError", "global", "Error")
    )
    item = {
        "message": message or default_message,
        "domain": domain or default_domain,
        "reason": reason or default_reason,
    }
    headers = {}
    if code == 401:
        item |= {"locationType": "header", "location": "Authorization"}
        headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    body = {"code": code, "message": item["message"], "errors": [item],
            "status": _STATUS.get(code, "UNKNOWN")}  # fmt: skip
    return JSONResponse({"error": body}, code, headers)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@dataclass
class GmailMessage:
    """A message in a fake mailbox."""

    id: str
    thread_id: str
    label_ids: list[str]
    raw: bytes
    message: EmailMessage
    history_id: int
    internal_date: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def message_id(self) -> str | None:
        value = self.message.get("Message-ID")
        return normalize_message_id(str(value)) if value else None


@dataclass
class Mailbox:
    """One Google account's messages, threads and history."""

    email: str
    messages: dict[str, GmailMessage] = field(default_factory=dict)
    threads: dict[str, list[str]] = field(default_factory=dict)
    history: list[tuple[int, str]] = field(default_factory=list)  # (history id, message id)
    history_floor: int = 0
    spent: deque[tuple[float, int]] = field(default_factory=deque)  # (when, quota units)
    sends: deque[float] = field(default_factory=deque)

    def thread_for(self, message: EmailMessage, only: str | None = None) -> str | None:
        """The thread a message joins: one holding a message it references (with the
        same subject when a ``threadId`` was asked for, as the thread guide says)."""
        refs = set(referenced_ids(message))
        for candidate in self.messages.values():
            if candidate.message_id in refs and (
                only is None
                or (candidate.thread_id == only and subject(candidate.message) == subject(message))
            ):
                return candidate.thread_id
        return None

    def store(self, raw: bytes, message: EmailMessage, thread: str | None, labels: list[str],
              history_id: int) -> GmailMessage:  # fmt: skip
        """Keeps a message (in ``thread``, or a new one) and records its history."""
        stored = GmailMessage(secrets.token_hex(8), thread or "", labels, raw, message, history_id)
        stored.thread_id = thread or stored.id
        self.messages[stored.id] = stored
        self.threads.setdefault(stored.thread_id, []).append(stored.id)
        self.history.append((history_id, stored.id))
        return stored


def pad(value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_\-+/]*=*", value):
        raise ValueError("not base64")
    return value.replace("+", "-").replace("/", "_") + "=" * (-len(value.rstrip("=")) % 4)


def subject(message: EmailMessage) -> str:
    return (
        re.sub(r"^((re|fwd?|aw|sv)\s*:\s*)+", "", str(message.get("Subject", "")), flags=re.I)
        .strip()
        .lower()
    )


def query_terms(q: str) -> list[tuple[str, str]]:
    """Parses the subset of Gmail's search syntax the fake knows (``rfc822msgid:``,
    ``in:``, ``label:``, ``is:unread``); anything else answers 501."""
    terms = []
    for term in q.split():
        name, _, value = term.partition(":")
        name, value = name.lower(), value.strip('"')
        if name == "rfc822msgid" and value:
            terms.append((name, normalize_message_id(value)))
        elif name in ("in", "label") and value:
            terms.append(("label", value.upper()))
        elif (name, value.lower()) == ("is", "unread"):
            terms.append(("label", "UNREAD"))
        else:
            raise Reply(google_error(501, f"Query term {term!r} is not in the fake's subset."))
    return terms


def matches(message: GmailMessage, terms: list[tuple[str, str]], label_ids: list[str]) -> bool:
    """Whether ``message`` has every label of ``label_ids`` and meets every term."""
    if not all(label in message.label_ids for label in label_ids):
        return False
    for name, value in terms:
        if name == "rfc822msgid" and message.message_id != value:
            return False
        if name == "label" and value not in message.label_ids:
            return False
    return True


def page(items: list[Any], params: Any, default: int) -> tuple[list[Any], str | None]:
    size = params.get("maxResults", str(default))
    if not size.isdigit() or not 1 <= int(size) <= 500:
        raise Reply(google_error(400, f"Invalid maxResults: {size}"))
    start = 0
    if token := params.get("pageToken"):
        try:
            start = int(base64.urlsafe_b64decode(pad(token)).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error):
            raise Reply(google_error(400, "Invalid pageToken")) from None
    end = start + int(size)
    more = b64url(f"offset:{end}".encode()) if end < len(items) else None
    return items[start:end], more


def resource(stored: GmailMessage, params: Any) -> dict[str, Any]:
    """A ``Message`` resource in the ``format`` asked for."""
    fmt = params.get("format", "full")
    if fmt not in ("minimal", "full", "raw", "metadata"):
        raise Reply(google_error(400, f"Invalid value for format: {fmt}"))
    text = stored.message.get_body(("plain",))
    snippet = " ".join(str(text.get_content()).split())[:100] if text is not None else ""
    body: dict[str, Any] = {
        "id": stored.id, "threadId": stored.thread_id, "labelIds": stored.label_ids, "snippet": snippet,
        "historyId": str(stored.history_id), "internalDate": str(stored.internal_date),
        "sizeEstimate": len(stored.raw),
    }  # fmt: skip
    if fmt == "raw":
        body["raw"] = b64url(stored.raw)
    elif fmt == "metadata":
        wanted = {h.lower() for h in params.getlist("metadataHeaders")}
        headers = [{"name": k, "value": str(v)} for k, v in stored.message.items()
                   if not wanted or k.lower() in wanted]  # fmt: skip
        body["payload"] = {"mimeType": stored.message.get_content_type(), "headers": headers}
    elif fmt == "full":
        body["payload"] = message_part(stored.message, "")
    return body


def message_part(part: EmailMessage, part_id: str) -> dict[str, Any]:
    """A ``MessagePart`` (``format=full``): headers, body data, nested parts."""
    node: dict[str, Any] = {
        "partId": part_id, "mimeType": part.get_content_type(), "filename": part.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in part.items()],
    }  # fmt: skip
    if part.is_multipart():
        node["body"] = {"size": 0}
        children = [c for c in part.iter_parts() if isinstance(c, EmailMessage)]
        prefix = f"{part_id}." if part_id else ""
        node["parts"] = [message_part(c, f"{prefix}{i}") for i, c in enumerate(children)]
    else:
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        node["body"] = {"size": len(data), "data": b64url(data)}
    return node

"""The state of a fake Exchange Online mailbox and the shapes Microsoft Graph renders
it in.

Sources (read 2026-12-03):

- https://learn.microsoft.com/graph/api/resources/message (the message resource)
- https://learn.microsoft.com/graph/api/user-list-messages and mailfolder-list-messages
  (``$filter``, ``$select``, ``$top``, ``@odata.nextLink`` paging, 10 a page by default)
- https://learn.microsoft.com/graph/api/message-delta and
  https://learn.microsoft.com/graph/delta-query-overview (``@odata.nextLink`` then
  ``@odata.deltaLink``; ``Prefer: odata.maxpagesize``; an expired token answers
  410 Gone with ``syncStateNotFound``/``resyncRequired``)
- https://learn.microsoft.com/graph/errors (``{"error": {"code", "message",
  "innerError": {"date", "request-id", "client-request-id"}}}``)

:mod:`tests.fakes.microsoft` serves it.
"""

from __future__ import annotations

import datetime
import re
import secrets
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from starlette.responses import JSONResponse

from tests.fakes.faults import Reply, normalize_message_id, referenced_ids

__all__ = [
    "FOLDERS",
    "GraphMailbox",
    "GraphMessage",
    "folder_of",
    "graph_error",
    "message_filter",
    "render",
    "selected",
]  # fmt: skip

FOLDERS = {"sentitems": "SentItems", "inbox": "Inbox"}
"""Well-known folder names (lower-cased) the fake has, with their display names."""
_FOLDER_IDS = {"AAMkAGSentItemsFolder": "sentitems", "AAMkAGInboxFolder": "inbox"}
_DEFAULT_CODES = {
    400: ("ErrorInvalidRequest", "The request is invalid."),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    404: ("ErrorItemNotFound", "The specified object was not found in the store."),
    410: ("SyncStateNotFound", "The sync state generation is not found. The delta token is "
          "expired and data must be synchronized again."),
    413: ("ErrorMessageSizeExceeded", "The message exceeds the maximum supported size."),
    429: ("TooManyRequests", "Too many requests. Please retry again later."),
    500: ("ErrorInternalServerError", "An internal server error occurred."),
    501: ("NotImplemented", "Not implemented."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time."),
}  # fmt: skip


def graph_error(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    retry_after: float | None = None,
    client_request_id: str | None = None,
) -> JSONResponse:
    """Graph's JSON error, ``{"error": {"code", "message", "innerError": {...}}}``."""
    default_code, default_message = _DEFAULT_CODES.get(status, ("UnknownError", "Error."))
    request_id = str(uuid.uuid4())
    inner = {"date": _now(), "request-id": request_id,
             "client-request-id": client_request_id or request_id}  # fmt: skip
    body = {"code": code or default_code, "message": message or default_message,
            "innerError": inner}  # fmt: skip
    headers = {"request-id": request_id}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    return JSONResponse({"error": body}, status, headers)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class GraphMessage:
    """A message in a fake Exchange mailbox."""

    id: str
    folder: str
    message: EmailMessage
    raw: bytes
    internet_message_id: str
    conversation_id: str
    sequence: int
    received: str = field(default_factory=lambda: _now() + "Z")
    is_read: bool = True


@dataclass
class GraphMailbox:
    """One user's SentItems and Inbox, and the Inbox's change log for delta queries."""

    address: str
    messages: dict[str, GraphMessage] = field(default_factory=dict)
    delta_generation: int = 1
    sends: list[float] = field(default_factory=list)

    def conversation_for(self, message: EmailMessage) -> str:
        """The conversation of a message it references, else a new one."""
        refs = set(referenced_ids(message))
        for stored in self.messages.values():
            if stored.internet_message_id in refs:
                return stored.conversation_id
        return "AAQkAG" + secrets.token_urlsafe(30)

    def store(self, folder: str, message: EmailMessage, raw: bytes, sequence: int) -> GraphMessage:
        mid = message.get("Message-ID")
        internet_id = (
            normalize_message_id(str(mid)) if mid else f"<{uuid.uuid4().hex}@fake.outlook>"
        )
        stored = GraphMessage(
            "AAMkAG" + secrets.token_urlsafe(48), folder, message, raw, internet_id,
            self.conversation_for(message), sequence, is_read=folder != "inbox",
        )  # fmt: skip
        self.messages[stored.id] = stored
        return stored

    def in_folder(self, folder: str | None) -> list[GraphMessage]:
        """Returns:
        The messages of ``folder`` (all when ``None``), newest first."""
        found = [m for m in self.messages.values() if folder is None or m.folder == folder]
        return sorted(found, key=lambda m: m.sequence, reverse=True)


def folder_of(name: str) -> str:
    """The fake's key of a folder given by well-known name or id (404 otherwise)."""
    key = _FOLDER_IDS.get(name, name.lower())
    if key not in FOLDERS:
        raise Reply(graph_error(404, "ErrorInvalidIdMalformed" if name[:4] == "AAMk" else None,
                                f"The folder '{name}' is not in the fake's subset."))  # fmt: skip
    return key


_TERM = re.compile(r"^\s*(internetMessageId|conversationId)\s+eq\s+'((?:[^']|'')*)'\s*$", re.I)


def message_filter(expression: str | None) -> list[tuple[str, str]]:
    """Parses the subset of ``$filter`` the fake knows: ``internetMessageId eq '…'`` and
    ``conversationId eq '…'``, joined by ``and``. Anything else answers 501."""
    if not expression:
        return []
    terms = []
    for part in re.split(r"\s+and\s+", expression, flags=re.I):
        match = _TERM.match(part)
        if match is None:
            raise Reply(
                graph_error(501, message=f"$filter {expression!r} is outside the fake's subset.")
            )
        terms.append((match.group(1).lower(), match.group(2).replace("''", "'")))
    return terms


def passes(message: GraphMessage, terms: list[tuple[str, str]]) -> bool:
    for name, value in terms:
        have = (
            message.internet_message_id if name == "internetmessageid" else message.conversation_id
        )
        if have != value:
            return False
    return True


def _recipients(message: EmailMessage, header: str) -> list[dict[str, Any]]:
    values = [str(v) for v in message.get_all(header, [])]
    return [{"emailAddress": {"name": name or addr, "address": addr}}
            for name, addr in getaddresses(values) if addr]  # fmt: skip


def render(stored: GraphMessage, owner_id: str) -> dict[str, Any]:
    """Returns:
    The full ``message`` resource."""
    message = stored.message
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    body_part = html or text
    content = str(body_part.get_content()) if body_part is not None else ""
    preview = " ".join(str(text.get_content() if text is not None else content).split())[:255]
    sender = _recipients(message, "From")
    return {
        "@odata.etag": 'W/"CQAAABYAAAA' + stored.id[-12:] + '"',
        "id": stored.id,
        "createdDateTime": stored.received, "lastModifiedDateTime": stored.received,
        "receivedDateTime": stored.received, "sentDateTime": stored.received,
        "hasAttachments": any(True for _ in message.iter_attachments()),
        "internetMessageId": stored.internet_message_id,
        "subject": str(message.get("Subject", "")),
        "bodyPreview": preview, "importance": "normal",
        "parentFolderId": next(k for k, v in _FOLDER_IDS.items() if v == stored.folder),
        "conversationId": stored.conversation_id,
        "isRead": stored.is_read, "isDraft": False,
        "webLink": f"https://outlook.office365.com/owa/?ItemID={stored.id}",
        "body": {"contentType": "html" if html is not None else "text", "content": content},
        "sender": sender[0] if sender else None, "from": sender[0] if sender else None,
        "toRecipients": _recipients(message, "To"), "ccRecipients": _recipients(message, "Cc"),
        "bccRecipients": _recipients(message, "Bcc"), "replyTo": _recipients(message, "Reply-To"),
        "internetMessageHeaders": [{"name": k, "value": str(v)} for k, v in message.items()],
    }  # fmt: skip


_DEFAULT_OMITTED = {"internetMessageHeaders"}


def selected(resource: dict[str, Any], select: str | None) -> dict[str, Any]:
    """Applies ``$select`` (``id`` and ``@odata.etag`` always stay); without it the
    default properties, as Graph omits ``internetMessageHeaders`` unless selected."""
    if not select:
        return {k: v for k, v in resource.items() if k not in _DEFAULT_OMITTED}
    wanted = {s.strip().lower() for s in select.split(",")}
    unknown = wanted - {k.lower() for k in resource}
    if unknown:
        raise Reply(graph_error(400, "RequestBroker--ParseUri",
                                f"Could not find a property named '{sorted(unknown)[0]}' on type "
                                "'microsoft.graph.message'."))  # fmt: skip
    return {k: v for k, v in resource.items() if k.lower() in wanted or k in ("id", "@odata.etag")}

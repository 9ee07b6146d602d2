"""What the gateway client raises besides httpx's own transport errors."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """The gateway answered with an error status.

    Built from the backend's stable error body
    ``{"error": {"code", "message", "details", "request_id"}}`` when there is one;
    otherwise ``code`` is ``"http_<status>"`` and ``message`` the reason phrase.

    Attributes:
        status_code: The HTTP status.
        code: Machine-readable error code, e.g. ``"not_found"``.
        message: The server's sentence for a person.
        details: Extra structured information (field errors, ...), may be empty.
        request_id: The id the gateway logged the request under, if it sent one.
        url: The URL that was requested.
        retry_after: Seconds the server asks to wait (``Retry-After`` of a 429), if any.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        request_id: str | None = None,
        url: str = "",
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"HTTP {status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.url = url
        self.retry_after = retry_after

    @property
    def field_errors(self) -> dict[str, str]:
        """Problems per request field, e.g. ``{"password": "must be at least 8 characters"}``.

        Read from ``details`` items ``{"field": "body.password", "message": ...}``; the
        ``body.`` prefix is dropped, and a field's first problem wins.
        """
        found: dict[str, str] = {}
        if not isinstance(self.details, list):
            return found
        for item in self.details:
            if not isinstance(item, dict):
                continue
            field, message = item.get("field"), item.get("message")
            if not isinstance(field, str) or not isinstance(message, str):
                continue
            name = field.removeprefix("body.")
            if name and name != "body":
                found.setdefault(name, message)
        return found

    @property
    def is_server_error(self) -> bool:
        """Whether the fault is the server's (5xx) rather than the request's."""
        return self.status_code >= 500


class UnexpectedResponseError(Exception):
    """The gateway answered something this version of the client cannot read.

    Attributes:
        url: The URL that was requested.
        status_code: The HTTP status of the answer.
    """

    def __init__(self, url: str, status_code: int, reason: str) -> None:
        super().__init__(f"unexpected answer from {url} (HTTP {status_code}): {reason}")
        self.url = url
        self.status_code = status_code


class SessionEndedError(Exception):
    """The sign-in is over: the server refused to refresh it, or it was never there.

    Attributes:
        reason: What the server said (or why the client knows it), for the person.
    """

    def __init__(self, reason: str = "Your session has ended; please sign in again.") -> None:
        super().__init__(reason)
        self.reason = reason

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
    ) -> None:
        super().__init__(f"HTTP {status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.url = url

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

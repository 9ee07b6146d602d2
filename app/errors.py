"""The one place that turns exceptions into messages a person can act on.

Every failure of a background operation goes through :func:`describe_error`, so
the same cause reads the same way wherever it shows up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx

from app.api.errors import ApiError, UnexpectedResponseError


class ErrorKind(StrEnum):
    """What sort of failure it was, for the UI to pick a tone and a word."""

    UNREACHABLE = "unreachable"
    """No connection to the server (refused, no route, DNS)."""
    TIMEOUT = "timeout"
    """Connected or trying to, but no answer in time."""
    SERVER = "server"
    """The server failed (5xx)."""
    REJECTED = "rejected"
    """The server refused the request (4xx)."""
    PROTOCOL = "protocol"
    """The answer could not be read."""
    INTERNAL = "internal"
    """A bug on this side."""


@dataclass(frozen=True)
class UserMessage:
    """A failure, worded for the person at the screen.

    Attributes:
        kind: The sort of failure.
        title: One short sentence, e.g. "Cannot reach the SalesOS server at http://...".
        text: What it means or what to do; may be empty.
        details: Technical details for a support request (request id, error code).
    """

    kind: ErrorKind
    title: str
    text: str = ""
    details: str = ""

    @property
    def connection_lost(self) -> bool:
        """Whether the server could not be reached at all (as opposed to answering badly)."""
        return self.kind in (ErrorKind.UNREACHABLE, ErrorKind.TIMEOUT)


def describe_error(exc: BaseException) -> UserMessage:
    """Word an exception from a background operation for the user.

    Args:
        exc: What the operation raised.

    Returns:
        The message to show.
    """
    if isinstance(exc, ApiError):
        return _describe_api_error(exc)
    if isinstance(exc, UnexpectedResponseError):
        return UserMessage(
            ErrorKind.PROTOCOL,
            "The server sent an answer this version of SalesOS cannot read.",
            "The desktop app and the server may be different versions; update both.",
            str(exc),
        )
    if isinstance(exc, httpx.TimeoutException):
        return UserMessage(
            ErrorKind.TIMEOUT,
            f"The SalesOS server at {_server_of(exc)} did not answer in time.",
            "It may be overloaded or the network slow; try again in a moment.",
            exc.__class__.__name__,
        )
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
        return UserMessage(
            ErrorKind.UNREACHABLE,
            f"Cannot reach the SalesOS server at {_server_of(exc)}.",
            "Check that the server is running and that this computer can reach it.",
            f"{exc.__class__.__name__}: {exc}",
        )
    if isinstance(exc, httpx.TransportError):
        return UserMessage(
            ErrorKind.UNREACHABLE,
            f"The connection to the SalesOS server at {_server_of(exc)} broke off.",
            "Try again; if it keeps happening, check the network and the server's logs.",
            f"{exc.__class__.__name__}: {exc}",
        )
    if isinstance(exc, httpx.HTTPStatusError):
        return UserMessage(
            ErrorKind.SERVER if exc.response.status_code >= 500 else ErrorKind.REJECTED,
            f"The server answered HTTP {exc.response.status_code}.",
            details=str(exc.request.url),
        )
    return UserMessage(
        ErrorKind.INTERNAL,
        "Something went wrong in SalesOS.",
        "Please report it with the details below.",
        f"{exc.__class__.__name__}: {exc}",
    )


def _describe_api_error(exc: ApiError) -> UserMessage:
    details = [f"code {exc.code}", f"HTTP {exc.status_code}"]
    if exc.request_id:
        details.append(f"request id {exc.request_id}")
    if exc.is_server_error:
        return UserMessage(
            ErrorKind.SERVER,
            f"The server had a problem: {exc.message}",
            "Try again in a moment; if it persists, send the details below to your administrator.",
            " · ".join(details),
        )
    return UserMessage(ErrorKind.REJECTED, exc.message, details=" · ".join(details))


def _server_of(exc: httpx.RequestError) -> str:
    """``scheme://host:port`` of the failed request, or "the configured address"."""
    try:
        url = exc.request.url
    except RuntimeError:  # raised by httpx when the error was built without a request
        return "the configured address"
    return f"{url.scheme}://{url.netloc.decode('ascii')}"

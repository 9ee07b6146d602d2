"""The one place that turns exceptions into messages a person can act on.

Every failure of a background operation goes through :func:`describe_error`, so
the same cause reads the same way wherever it shows up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import httpx
import keyring.errors

from app.api.errors import ApiError, SessionEndedError, UnexpectedResponseError

SESSION_ENDED = "Your session has ended; please sign in again."

STALE_WRITE_TITLE = "Someone else changed this record since you opened it."
STALE_WRITE_TEXT = "Reload it and try again."
"""How a change refused with HTTP 412 (``stale_write``: the record's version moved on) reads."""


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
    INVALID_INPUT = "invalid_input"
    """The server named fields that are not right (see :attr:`UserMessage.fields`)."""
    SIGNED_OUT = "signed_out"
    """The sign-in is over; the user has to sign in again."""
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
        code: The server's error code (``"account_locked"``, ...), if it answered.
        fields: What is wrong per form field (``{"password": "must be ..."}``), for
            forms to show beside the field.
        retry_after: Seconds to wait before trying again, when the server said.
    """

    kind: ErrorKind
    title: str
    text: str = ""
    details: str = ""
    code: str = ""
    fields: dict[str, str] = field(default_factory=dict, hash=False)
    retry_after: int | None = None

    @property
    def connection_lost(self) -> bool:
        """Whether the server could not be reached at all (as opposed to answering badly)."""
        return self.kind in (ErrorKind.UNREACHABLE, ErrorKind.TIMEOUT)


class UserFacingError(Exception):
    """A failure already worded for people by the code that met it (a browser sign-in
    the provider refused, a time-out the user waited through), so that
    :func:`describe_error` passes its words on instead of calling it a bug.

    Args:
        title: One short sentence.
        text: What it means or what to do; may be empty.
        code: A machine-readable word for it (``"sign_in_timed_out"``).
        details: Technical details for a support request.
    """

    def __init__(self, title: str, text: str = "", *, code: str = "", details: str = "") -> None:
        super().__init__(title)
        self.title = title
        self.text = text
        self.code = code
        self.details = details


def describe_error(exc: BaseException) -> UserMessage:
    """Word an exception from a background operation for the user.

    Args:
        exc: What the operation raised.

    Returns:
        The message to show.
    """
    if isinstance(exc, ApiError):
        return _describe_api_error(exc)
    if isinstance(exc, UserFacingError):
        return UserMessage(ErrorKind.REJECTED, exc.title, exc.text, exc.details, code=exc.code)
    if isinstance(exc, SessionEndedError):
        return UserMessage(ErrorKind.SIGNED_OUT, SESSION_ENDED, details=exc.reason)
    if isinstance(exc, keyring.errors.KeyringError):
        return UserMessage(
            ErrorKind.REJECTED,
            "The system keyring did not keep your sign-in.",
            "You will be asked to sign in next time. Unlock the keyring to keep it.",
            f"{exc.__class__.__name__}: {exc}",
        )
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


def wait_sentence(code: str, seconds: int) -> str:
    """What to say while the server asks to wait, e.g. after too many failed sign-ins.

    Args:
        code: The server's error code (``account_locked``, ``too_many_attempts``,
            ``rate_limited``).
        seconds: How long is left; 0 or less when the wait is over.

    Returns:
        One or two sentences, ending in how long to wait (or that it is over).
    """
    lead = {
        "account_locked": "Too many failed sign-ins.",
        "too_many_attempts": "Too many sign-in attempts from your network address.",
    }.get(code, "Too many requests.")
    if seconds <= 0:
        return f"{lead} You can try again now."
    unit = "second" if seconds == 1 else "seconds"
    return f"{lead} Try again in {seconds} {unit}."


def field_sentence(problem: str) -> str:
    """A server's note about a field as a sentence to show under it.

    ``"must be at least 8 characters"`` → "Must be at least 8 characters.";
    ``"is not your current password"`` → "This is not your current password.".
    """
    text = problem.strip()
    if not text:
        return text
    if text.startswith("is "):
        text = f"This {text}"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


_REJECTION_TITLES: dict[str, str] = {
    "invalid_credentials": "The password is not correct for this email.",
    "unknown_email": "No account uses this email. Check it, or sign up.",
    "account_deactivated": "This account has been deactivated; ask your company's admin.",
    "invalid_refresh_token": SESSION_ENDED,
    "forbidden": "You do not have permission to do this.",
}


def _describe_api_error(exc: ApiError) -> UserMessage:
    details = [f"code {exc.code}", f"HTTP {exc.status_code}"]
    if exc.request_id:
        details.append(f"request id {exc.request_id}")
    detail_line = " · ".join(details)
    if exc.is_server_error:
        return UserMessage(
            ErrorKind.SERVER,
            f"The server had a problem: {exc.message}",
            "Try again in a moment; if it persists, send the details below to your administrator.",
            detail_line,
            code=exc.code,
        )
    if exc.status_code == 429:
        wait = exc.retry_after if exc.retry_after is not None else 60
        return UserMessage(
            ErrorKind.REJECTED,
            wait_sentence(exc.code, wait),
            details=detail_line,
            code=exc.code,
            retry_after=wait,
        )
    if exc.status_code == 412:
        # Not a field problem, though the server names the If-Match header in its details.
        return UserMessage(
            ErrorKind.REJECTED, STALE_WRITE_TITLE, STALE_WRITE_TEXT, detail_line, code=exc.code
        )
    fields = {name: field_sentence(problem) for name, problem in exc.field_errors.items()}
    if exc.code == "email_taken":
        fields = {"email": exc.message, **fields}
    if fields:
        return UserMessage(
            ErrorKind.INVALID_INPUT,
            "Some fields need attention." if len(fields) > 1 else "A field needs attention.",
            details=detail_line,
            code=exc.code,
            fields=fields,
        )
    title = _REJECTION_TITLES.get(exc.code, exc.message)
    text = exc.message if exc.code == "forbidden" and exc.message != title else ""
    kind = ErrorKind.SIGNED_OUT if exc.code == "invalid_refresh_token" else ErrorKind.REJECTED
    return UserMessage(kind, title, text, detail_line, code=exc.code)


def _server_of(exc: httpx.RequestError) -> str:
    """``scheme://host:port`` of the failed request, or "the configured address"."""
    try:
        url = exc.request.url
    except RuntimeError:  # raised by httpx when the error was built without a request
        return "the configured address"
    return f"{url.scheme}://{url.netloc.decode('ascii')}"

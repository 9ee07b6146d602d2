"""What every transport promises, and the four ways a send can go wrong.

A transport calls ``handover()`` just before the point after which the provider may
have the message (the SMTP ``DATA``, the HTTP request of a send), so the ledger
knows whether an interrupted attempt could have reached it. Its errors say which
case a failure is:

- :class:`Retry`: the provider did not take it (refused for now, unreachable, a rate
  limit); try again later, after ``retry_after`` if it said so.
- :class:`Refused`: it never will (a bad recipient, too large): the message fails.
- :class:`Reconnect`: the mailbox's grant or password no longer works: its sends wait
  until the owner reconnects it.
- :class:`Ambiguous`: the provider may have taken it (the answer was lost); look the
  Message-ID up before anything else.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from backend.email.providers.mime import Outgoing

Handover = Callable[[], Awaitable[None]]


class ProviderError(Exception):
    """A send or check that did not work; ``code`` is stable, the message is for people.

    Attributes:
        field: The mailbox setting at fault, for checks (``smtp_port``, ``password``).
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class Retry(ProviderError):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        field: str | None = None,
        mailbox_wide: bool = False,
    ) -> None:
        super().__init__(code, message, field=field)
        self.retry_after = retry_after
        self.mailbox_wide = mailbox_wide
        """The limit is the mailbox's (a rate limit): its other messages wait too."""


class Refused(ProviderError):
    pass


class Reconnect(ProviderError):
    pass


class Ambiguous(ProviderError):
    def __init__(self, code: str, message: str, *, check_after: float | None = None) -> None:
        super().__init__(code, message)
        self.check_after = check_after


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None = None
    provider_thread_id: str | None = None


class Found(enum.Enum):
    YES = "yes"
    NO = "no"
    """Not there, and its absence is proof (the provider files what it accepts)."""
    UNKNOWN = "unknown"
    """Not there, or no way to look: nothing can tell."""


@dataclass(frozen=True)
class Lookup:
    found: Found
    sent: Sent | None = None
    detail: str = ""


@dataclass
class Credentials:
    """What a mailbox signs in with; the transport refreshes OAuth tokens in place and
    says so through ``on_change`` (the worker seals and stores them)."""

    password: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: datetime | None = None

    def as_secret(self) -> dict[str, object]:
        return {
            "password": self.password,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    @classmethod
    def from_secret(cls, value: dict[str, object]) -> Credentials:
        expires = value.get("expires_at")
        return cls(
            password=_str(value.get("password")),
            access_token=_str(value.get("access_token")),
            refresh_token=_str(value.get("refresh_token")),
            expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


class Transport(Protocol):
    @property
    def lookup_delays(self) -> tuple[float, ...]:
        """Seconds to wait before each Sent-folder look-up after an ambiguous attempt; when
        all found nothing, the absence is proof (:attr:`Found.NO`). Empty: look-ups cannot
        prove absence (a message not found becomes uncertain)."""
        ...

    async def send(self, message: Outgoing, handover: Handover) -> Sent:
        """Hand ``message`` over; raises a :class:`ProviderError` subclass."""
        ...

    async def find_sent(self, message_id: str) -> Lookup:
        """Look our ``Message-ID`` up where the provider files what it sent."""
        ...

    async def check(self) -> str:
        """Sign in for real; returns the address it signs in as."""
        ...

"""What the login screen works with: the server choice, the request, the remembered choices.

No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx

from app.qt.core import QSettings


class ServerKind(StrEnum):
    """Where to sign in."""

    THIS_COMPUTER = "this-computer"
    """The solo backend, started by this app."""
    TEAM = "team"
    """A team server at a URL."""


@dataclass(frozen=True)
class Server:
    """A server to sign in to.

    Attributes:
        kind: This computer, or a team server.
        url: The team server's URL (empty for this computer).
    """

    kind: ServerKind
    url: str = ""

    @classmethod
    def this_computer(cls) -> Server:
        """The solo backend."""
        return cls(ServerKind.THIS_COMPUTER)

    @classmethod
    def team(cls, url: str) -> Server:
        """A team server (``url`` as :func:`check_server_url` returns it)."""
        return cls(ServerKind.TEAM, url)

    @property
    def is_this_computer(self) -> bool:
        """Whether it is the solo backend."""
        return self.kind is ServerKind.THIS_COMPUTER

    @property
    def key(self) -> str:
        """A stable name for saved sign-ins: ``"this-computer"`` or the URL."""
        return self.kind.value if self.is_this_computer else self.url

    @property
    def label(self) -> str:
        """How the status bar names the connection."""
        return "Solo · This computer" if self.is_this_computer else f"Team · {self.url}"


@dataclass(frozen=True)
class SignInRequest:
    """What the user asked for when pressing "Sign in".

    Attributes:
        server: Where.
        email: Who.
        password: Their password (kept only until the sign-in is done).
        keep_signed_in: Whether to keep the sign-in in the OS keyring.
    """

    server: Server
    email: str
    password: str
    keep_signed_in: bool

    def __repr__(self) -> str:  # never print a password into a log
        return (
            f"SignInRequest(server={self.server!r}, email={self.email!r}, "
            f"keep_signed_in={self.keep_signed_in})"
        )


def check_server_url(text: str) -> tuple[str, str]:
    """Read a team server's address as typed.

    Args:
        text: What the user typed, e.g. ``" https://sales.example.com/ "``.

    Returns:
        ``(url, "")`` with the URL tidied (no spaces, no trailing slash), or
        ``("", problem)`` saying what is wrong with it.
    """
    value = text.strip()
    if not value:
        return "", "Enter the address of your team's SalesOS server."
    if "://" not in value:
        return "", "Start the address with http:// or https://."
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError):
        return "", "This is not a valid web address."
    if url.scheme not in ("http", "https"):
        return "", "Start the address with http:// or https://."
    if not url.host:
        return "", "The address needs a server name, e.g. https://sales.example.com."
    if url.query or url.fragment:
        return "", "Leave out everything after ? or # in the address."
    return value.rstrip("/"), ""


def check_email(text: str) -> str:
    """What is wrong with an email address as typed (``""`` if it looks fine).

    Only the obvious: the server checks it properly.
    """
    value = text.strip()
    if not value:
        return "Enter your email address."
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or " " in value:
        return "Enter an email address like name@company.com."
    return ""


class SignInPreferences:
    """The login screen's choices, remembered between runs (QSettings).

    Only choices are stored here, never a token or a password: those go to the
    OS keyring, if at all.

    Args:
        settings: Where to keep them (the app's default ``QSettings()`` in the app,
            an INI file in a temporary folder in tests).
    """

    SERVER = "signin/server"
    TEAM_URL = "signin/team_url"
    EMAIL = "signin/email"
    KEEP = "signin/keep_signed_in"

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    @property
    def server(self) -> Server:
        """The server used last (this computer the first time)."""
        kind = str(self._settings.value(self.SERVER, ServerKind.THIS_COMPUTER.value))
        url, problem = check_server_url(self.team_url)
        if kind == ServerKind.TEAM.value and not problem:
            return Server.team(url)
        return Server.this_computer()

    @property
    def team_url(self) -> str:
        """The team server's URL typed last (also when this computer was used last)."""
        return str(self._settings.value(self.TEAM_URL, "") or "")

    @property
    def email(self) -> str:
        """The email used last."""
        return str(self._settings.value(self.EMAIL, "") or "")

    @property
    def keep_signed_in(self) -> bool:
        """Whether "Keep me signed in" was on last time."""
        value = self._settings.value(self.KEEP, False)
        return value is True or str(value).lower() == "true"

    def remember(self, server: Server, email: str, keep_signed_in: bool) -> None:
        """Store the choices of a successful sign-in."""
        self._settings.setValue(self.SERVER, server.kind.value)
        if not server.is_this_computer:
            self._settings.setValue(self.TEAM_URL, server.url)
        self._settings.setValue(self.EMAIL, email)
        self._settings.setValue(self.KEEP, keep_signed_in)
        self._settings.sync()

    def remember_server(self, server: Server) -> None:
        """Store the server alone (e.g. chosen, but the sign-in has not happened yet)."""
        self._settings.setValue(self.SERVER, server.kind.value)
        if not server.is_this_computer:
            self._settings.setValue(self.TEAM_URL, server.url)
        self._settings.sync()

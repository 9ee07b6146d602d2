"""Helpers for the desktop tests: an in-memory keyring, the real solo server, an admin's API.

Nothing here stands in for our own code: the keyring is a third-party library
configured with a backend of its own kind (as a user's machine would be), and the
server is the real solo backend, talked to over HTTP.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from pytestqt.qtbot import QtBot

from app.features.login.view import LoginWindow
from app.qt.core import Qt
from app.shell import DesktopShell
from backend.auth.demo import DEMO_PASSWORD
from backend.kit.security import Role, TokenCodec

DEMO_ADMIN = "admin@demo.salesos.dev"
DEMO_MANAGER = "manager@demo.salesos.dev"
DEMO_REP = "rep@demo.salesos.dev"
STRONG_PASSWORD = "violet-harbour-71"
SIGN_IN_TIMEOUT_MS = 15_000


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dict: deterministic, and gone after the test."""

    priority = 10  # type: ignore[assignment]  # a recommended backend

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@dataclass(frozen=True)
class SoloServer:
    """A real solo backend serving on loopback.

    Attributes:
        url: The gateway's base URL.
        home: Its SALESOS_HOME (the signing key is in there).
    """

    url: str
    home: Path

    def api(self) -> httpx.Client:
        """A plain HTTP client of the gateway (as another device would be)."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def login(self, email: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        """Sign in over HTTP, as another device; returns the token answer."""
        with self.api() as http:
            response = http.post(
                "/api/v1/auth/login",
                json={"email": email, "password": password},
                headers={"User-Agent": "pytest-other-device"},
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def refresh_status(self, refresh_token: str) -> int:
        """The status ``POST /auth/refresh`` answers for ``refresh_token`` (spends it if valid)."""
        with self.api() as http:
            return http.post(
                "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
            ).status_code

    def call(self, method: str, path: str, access_token: str, **kwargs: Any) -> httpx.Response:
        """An authenticated call with ``access_token``."""
        with self.api() as http:
            return http.request(
                method, path, headers={"Authorization": f"Bearer {access_token}"}, **kwargs
            )

    def create_user(
        self, role: str = "rep", password: str = STRONG_PASSWORD, name: str = ""
    ) -> dict[str, Any]:
        """A new user of the demo company, made by the demo admin; returns it."""
        admin = self.login(DEMO_ADMIN)["access_token"]
        email = f"{role}-{uuid.uuid4().hex[:10]}@demo.salesos.dev"
        response = self.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "email": email,
                "name": name or f"Test {role.title()} {email[:14]}",
                "role": role,
                "password": password,
            },
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def expired_access_token(self, current: str) -> str:
        """A correctly signed access token for the same session that expired an hour ago."""
        claims = jwt.decode(current, options={"verify_signature": False})
        codec = TokenCodec((self.home / "secret.key").read_text().strip())
        return codec.issue(
            user_id=uuid.UUID(claims["sub"]),
            customer_id=uuid.UUID(claims["tid"]),
            role=Role(claims["role"]),
            session_id=uuid.UUID(claims["sid"]),
            now=datetime.now(UTC) - timedelta(hours=1),
        )


def free_port() -> int:
    """A loopback port nothing listens on (a dead server's address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_id_of(access_token: str) -> str:
    """The server-side session (``sid``) an access token belongs to."""
    return str(jwt.decode(access_token, options={"verify_signature": False})["sid"])


def fill_login(
    window: LoginWindow,
    email: str,
    password: str = DEMO_PASSWORD,
    *,
    team_url: str | None = None,
    keep: bool = False,
) -> None:
    """Fill the login form as a user would (it stays on the server chosen unless told)."""
    if team_url is not None:
        window.team_radio.setChecked(True)
        window.url_edit.setText(team_url)
    window.email_edit.setText(email)
    window.password_edit.setText(password)
    window.keep_box.setChecked(keep)


def press_enter(qtbot: QtBot, window: LoginWindow) -> None:
    """Press Enter in the password field."""
    window.password_edit.setFocus()
    qtbot.keyClick(window.password_edit, Qt.Key.Key_Return)


def sign_in(
    shell: DesktopShell,
    qtbot: QtBot,
    email: str,
    password: str = DEMO_PASSWORD,
    *,
    keep: bool = False,
) -> None:
    """Sign in through the login window and wait for the main window."""
    window = shell.login_window
    qtbot.waitUntil(lambda: window.isVisible() and not window.busy, timeout=SIGN_IN_TIMEOUT_MS)
    fill_login(window, email, password, keep=keep)
    with qtbot.waitSignal(shell.main_window_shown, timeout=SIGN_IN_TIMEOUT_MS):
        window.sign_in_button.click()


def stop_shell(shell: DesktopShell, qtbot: QtBot, timeout_ms: int = 40_000) -> int | None:
    """Shut ``shell`` down and wait until it has; its exit code (``None`` if it had
    been shut down before)."""
    if shell.shutting_down:
        qtbot.waitUntil(lambda: shell.stopped, timeout=timeout_ms)
        return None
    finished: list[int] = []
    shell.finished.connect(finished.append)
    shell.shutdown()
    qtbot.waitUntil(lambda: bool(finished), timeout=timeout_ms)
    return finished[0]

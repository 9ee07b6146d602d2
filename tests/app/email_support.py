"""Helpers for the email screens' tests: a real solo backend whose Gmail and Outlook are
the fakes of ``tests/fakes`` (Google and Microsoft over TLS with the test CA), a real
SMTP server (aiosmtpd), and a company of the test's own with a connected mailbox.

Only Google and Microsoft are fakes; the backend, its database, broker and send worker,
and the SMTP server are the real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from backend.embedded.postgres import EmbeddedPostgres
from backend.kit.settings import load_settings
from backend.server import SoloBackend
from tests.app.crm_support import Tenant, sign_up
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer
from tests.fakes import google, microsoft
from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake
from tests.fakes.tls import LocalCA, local_ca
from tests.servers import smtp as smtp_server
from tests.servers.smtp import SMTPServer

SMTP_PASSWORD = "app password 7f3k"
GMAIL_USER = "rita.rep@gmail.example"
OUTLOOK_USER = "olly@contoso.example"


@dataclass(frozen=True)
class EmailServer:
    """The solo backend and the outside world it sends to.

    Attributes:
        server: The real solo backend (gateway URL, home).
        google: The fake Google (OAuth and Gmail).
        microsoft: The fake Microsoft identity platform and Graph.
        smtp: A real SMTP server (STARTTLS, AUTH).
        ca: The test CA every TLS endpoint here presents.
    """

    server: SoloServer
    google: GoogleFake
    microsoft: MicrosoftFake
    smtp: SMTPServer
    ca: LocalCA

    @property
    def url(self) -> str:
        return self.server.url

    def smtp_body(self, email: str, **overrides: Any) -> dict[str, Any]:
        """The ``POST /mailboxes`` body of an SMTP mailbox here (its user made)."""
        self.smtp.add_user(email, SMTP_PASSWORD)
        body: dict[str, Any] = {
            "kind": "smtp", "email": email, "display_name": "Rita Rep",
            "smtp_host": "127.0.0.1", "smtp_port": self.smtp.port, "smtp_security": "starttls",
            "username": email, "password": SMTP_PASSWORD, "min_interval_seconds": 0.1,
        }  # fmt: skip
        return {**body, **overrides}

    def connect_smtp(self, tenant: Tenant, email: str = "", **overrides: Any) -> dict[str, Any]:
        """An SMTP mailbox of ``tenant``'s admin, connected over HTTP (another device)."""
        body = self.smtp_body(email or address(), **overrides)
        response = self.server.call("POST", "/api/v1/mailboxes", tenant.token, json=body)
        assert response.status_code == 201, response.text
        mailbox: dict[str, Any] = response.json()
        return mailbox


def address(prefix: str = "rep") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


@contextlib.contextmanager
def email_backend(home: Path) -> Iterator[EmailServer]:
    """Start the fakes, the SMTP server and a solo backend configured to use them."""
    ca = local_ca()
    with (
        google.running((GMAIL_USER,), tls=ca) as fake_google,
        microsoft.running((OUTLOOK_USER,)) as fake_microsoft,
        smtp_server.running({}, tls=ca) as smtp,
    ):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SALESOS_HOME", str(home))
            env.setenv("SALESOS_EMBEDDED_PG_FAST", "1")
            env.setenv("SALESOS_LOG_FORMAT", "text")
            env.setenv("SALESOS_LOGIN_IP_LIMIT_PER_MIN", "10000")
            env.setenv("SALESOS_RATE_LIMIT_PER_MIN", "100000")
            for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
                env.delenv(name, raising=False)
            config = fake_google.client_config()["installed"]
            env.setenv("SALESOS_GOOGLE_CLIENT_ID", config["client_id"])
            env.setenv("SALESOS_GOOGLE_CLIENT_SECRET", config["client_secret"])
            env.setenv("SALESOS_GOOGLE_AUTH_URL", config["auth_uri"])
            env.setenv("SALESOS_GOOGLE_TOKEN_URL", config["token_uri"])
            env.setenv("SALESOS_GMAIL_API_URL", fake_google.base_url)
            env.setenv("SALESOS_MICROSOFT_CLIENT_ID", microsoft.DEFAULT_CLIENT_ID)
            env.setenv("SALESOS_MICROSOFT_AUTHORITY", fake_microsoft.authority())
            env.setenv("SALESOS_GRAPH_API_URL", fake_microsoft.base_url)
            env.setenv("SALESOS_PROVIDER_CA_FILE", str(ca.ca_bundle))
            backend = SoloBackend(load_settings())
        backend.start(lambda update: None)
        try:
            server = SoloServer(backend.wait_ready(90), home)
            yield EmailServer(server, fake_google, fake_microsoft, smtp, ca)
        finally:
            backend.stop()
            EmbeddedPostgres(home).destroy()


@pytest.fixture(scope="module")
def email_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmailServer]:
    """A real solo backend for a test module whose Gmail and Outlook are the fakes."""
    with email_backend(tmp_path_factory.mktemp("email") / "home") as world:
        yield world


def new_tenant(email_server: EmailServer) -> Tenant:
    """A company of the test's own on the email backend."""
    return sign_up(email_server.server)


@contextlib.contextmanager
def signed_in(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, url: str, email: str
) -> Iterator[GatewayClient]:
    """A client of ``url`` signed in as ``email`` on the test's qasync loop; closed after."""
    client = GatewayClient(url)
    task = qloop.create_task(AuthApi(client).sign_in(email, STRONG_PASSWORD))
    qtbot.waitUntil(task.done, timeout=SIGN_IN_TIMEOUT_MS)
    task.result()
    try:
        yield client
    finally:
        closing = qloop.create_task(client.aclose())
        qtbot.waitUntil(closing.done, timeout=5000)

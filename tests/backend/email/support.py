"""Helpers of the email tests: a connected mailbox, a queued email, waiting for a state."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from tests.factories.auth import Login
from tests.servers.smtp import SMTPServer

MAILBOXES = "/api/v1/mailboxes"
EMAILS = "/api/v1/emails"
TEMPLATES = "/api/v1/email-templates"
SMTP_PASSWORD = "app password 7f3k"


def address(prefix: str = "rep") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def smtp_body(server: SMTPServer, email: str, **overrides: Any) -> dict[str, Any]:
    """A mailbox of ``server`` (STARTTLS on its submission port), its user created."""
    server.add_user(email, SMTP_PASSWORD)
    body: dict[str, Any] = {
        "kind": "smtp", "email": email, "display_name": "Rita Rep",
        "smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_security": "starttls",
        "username": email, "password": SMTP_PASSWORD, "min_interval_seconds": 0.1,
    }  # fmt: skip
    return {**body, **overrides}


async def connect_smtp(
    api: httpx.AsyncClient, who: Login, server: SMTPServer, **overrides: Any
) -> dict[str, Any]:
    body = smtp_body(server, overrides.pop("email", None) or address(), **overrides)
    r = await api.post(MAILBOXES, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def queue_email(
    api: httpx.AsyncClient, who: Login, mailbox_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"mailbox_id": mailbox_id, "to": ["ada@example.com"], "subject": "Hello",
            "body_text": "Hi Ada", **fields}  # fmt: skip
    r = await api.post(EMAILS, json=body, headers=who.headers)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def wait_state(
    api: httpx.AsyncClient, who: Login, email_id: str, states: set[str], timeout: float = 30
) -> dict[str, Any]:
    """The email once its state is one of ``states`` (fails on time-out)."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = await api.get(f"{EMAILS}/{email_id}", headers=who.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        if body["state"] in states:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"email {email_id} is {body.get('state')}, not {states}: {body}")

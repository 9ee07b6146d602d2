"""Sending through a real SMTP server (aiosmtpd with STARTTLS and AUTH): connected after
a real sign-in that names the setting at fault, sent once with our Message-ID."""

from __future__ import annotations

import httpx
import pytest

from backend.email.sending.worker import Sender
from tests.backend.email.support import (
    MAILBOXES,
    address,
    connect_smtp,
    queue_email,
    smtp_body,
    wait_state,
)
from tests.factories.auth import signup
from tests.servers.smtp import SMTPServer


class TestConnecting:
    async def test_a_mailbox_connects_after_signing_in_and_never_shows_its_password(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer
    ) -> None:
        tenant = await signup(email_api, "Mailers")
        mailbox = await connect_smtp(email_api, tenant.admin, smtp)
        assert mailbox["status"] == "connected"
        assert mailbox["kind"] == "smtp"
        assert "password" not in mailbox
        assert mailbox["limitations"]  # no IMAP: it says what is lost
        listed = await email_api.get(MAILBOXES, headers=tenant.admin.headers)
        assert [m["id"] for m in listed.json()["items"]] == [mailbox["id"]]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"smtp_host": "no-such-host.invalid"}, "body.smtp_host"),
            ({"display_name": "Rita\r\nBcc: all@example.org"}, "body.display_name"),
            ({"smtp_host": "0" * 253}, "body.smtp_host"),  # a label past 63 cannot be looked up
            ({"smtp_host": "mail." + "x" * 64 + ".example.com"}, "body.smtp_host"),
            ({"smtp_port": 1}, "body.smtp_port"),
            ({"password": "wrong password 1"}, "body.password"),
            ({"smtp_security": "tls"}, "body.smtp_security"),
        ],
    )
    async def test_a_bad_setting_is_named(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer, change: dict[str, object], field: str
    ) -> None:
        tenant = await signup(email_api, "Typos")
        body = {**smtp_body(smtp, address()), **change}
        r = await email_api.post(MAILBOXES, json=body, headers=tenant.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"][0]["field"] == field
        listed = await email_api.get(MAILBOXES, headers=tenant.admin.headers)
        assert listed.json()["items"] == []


class TestSending:
    async def test_an_email_is_sent_once_with_our_message_id(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer, sender: Sender
    ) -> None:
        tenant = await signup(email_api, "Senders")
        mailbox = await connect_smtp(email_api, tenant.admin, smtp)
        queued = await queue_email(email_api, tenant.admin, mailbox["id"])
        assert queued["state"] == "scheduled"
        sent = await wait_state(
            email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}
        )
        assert sent["state"] == "sent", sent
        assert smtp.recorder.count(queued["message_id"]) == 1
        got = next(m for m in smtp.recorder.accepted if m.message_id == queued["message_id"])
        assert got.recipients == ("ada@example.com",)
        assert got.message["Subject"] == "Hello"
        assert sent["attempt_log"][0]["outcome"] == "sent"

"""An SMTP mailbox with its IMAP server (Debian's dovecot): a copy of each message in
the Sent folder, and a lost answer checked there before anything is sent again.

What the SMTP server really accepted is counted by its recorder; what is in Sent, by
dovecot. A lost answer is ``uncertain`` exactly when nothing could tell: a server that
does not file what it sends leaves no trace to find."""

from __future__ import annotations

from typing import Any

import httpx

from backend.email.sending.worker import Sender
from tests.backend.email.support import (
    SMTP_PASSWORD,
    address,
    connect_smtp,
    queue_email,
    wait_state,
)
from tests.factories.auth import Login, signup
from tests.fakes import faults
from tests.servers.imap import IMAPServer
from tests.servers.smtp import SMTPServer


async def _mailbox(
    api: httpx.AsyncClient, who: Login, smtp: SMTPServer, dovecot: IMAPServer
) -> dict[str, Any]:
    email = address()
    dovecot.add_user(email, SMTP_PASSWORD)
    return await connect_smtp(
        api, who, smtp, email=email,
        imap_host="127.0.0.1", imap_port=dovecot.tls_port, imap_security="tls",
    )  # fmt: skip


class TestSentFolder:
    async def test_connecting_finds_the_sent_folder_and_a_wrong_imap_password_is_named(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer, dovecot: IMAPServer
    ) -> None:
        tenant = await signup(email_api, "Imap")
        mailbox = await _mailbox(email_api, tenant.admin, smtp, dovecot)
        assert mailbox["sent_folder"] == "Sent"
        assert mailbox["limitations"] == []
        email = address()  # an IMAP account whose password differs from the SMTP one
        dovecot.add_user(email, "another secret 42")
        from tests.backend.email.support import smtp_body

        body = smtp_body(smtp, email, imap_host="127.0.0.1", imap_port=dovecot.tls_port)
        r = await email_api.post("/api/v1/mailboxes", json=body, headers=tenant.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"][0]["field"] == "body.password"
        assert "IMAP" in r.json()["error"]["message"]

    async def test_a_sent_message_is_filed_once_in_sent(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer, dovecot: IMAPServer, sender: Sender
    ) -> None:
        tenant = await signup(email_api, "Filing")
        mailbox = await _mailbox(email_api, tenant.admin, smtp, dovecot)
        queued = await queue_email(email_api, tenant.admin, mailbox["id"])
        sent = await wait_state(
            email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}
        )
        assert sent["state"] == "sent", sent
        assert smtp.recorder.count(queued["message_id"]) == 1
        assert len(dovecot.search_message_id(mailbox["email"], queued["message_id"])) == 1

    async def test_a_server_that_files_itself_gets_no_second_copy(
        self, email_api: httpx.AsyncClient, filing_smtp: SMTPServer, dovecot: IMAPServer,
        sender: Sender,
    ) -> None:  # fmt: skip
        tenant = await signup(email_api, "Selffiling")
        mailbox = await _mailbox(email_api, tenant.admin, filing_smtp, dovecot)
        queued = await queue_email(email_api, tenant.admin, mailbox["id"])
        sent = await wait_state(
            email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}
        )
        assert sent["state"] == "sent", sent
        assert len(dovecot.search_message_id(mailbox["email"], queued["message_id"])) == 1


class TestALostAnswer:
    async def test_without_a_trace_to_find_it_is_uncertain_and_never_resent(
        self, email_api: httpx.AsyncClient, smtp: SMTPServer, dovecot: IMAPServer, sender: Sender
    ) -> None:
        tenant = await signup(email_api, "Lost")
        mailbox = await _mailbox(email_api, tenant.admin, smtp, dovecot)
        smtp.faults.push("smtp.data", faults.accept_then_drop())
        queued = await queue_email(email_api, tenant.admin, mailbox["id"])
        done = await wait_state(
            email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}
        )
        assert done["state"] == "uncertain", done
        assert "Sent" in done["failure_reason"]
        assert smtp.recorder.count(queued["message_id"]) == 1  # it did arrive, once
        # The sender decides: it went.
        r = await email_api.post(
            f"/api/v1/emails/{queued['id']}/decision", json={"decision": "sent"},
            headers=tenant.admin.headers,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "sent"
        assert smtp.recorder.count(queued["message_id"]) == 1

    async def test_a_server_that_files_what_it_takes_proves_it_went(
        self, email_api: httpx.AsyncClient, filing_smtp: SMTPServer, dovecot: IMAPServer,
        sender: Sender,
    ) -> None:  # fmt: skip
        tenant = await signup(email_api, "Proof")
        mailbox = await _mailbox(email_api, tenant.admin, filing_smtp, dovecot)
        first = await queue_email(email_api, tenant.admin, mailbox["id"])  # teaches it
        await wait_state(email_api, tenant.admin, first["id"], {"sent"})
        filing_smtp.faults.push("smtp.data", faults.accept_then_drop())
        queued = await queue_email(email_api, tenant.admin, mailbox["id"])
        done = await wait_state(
            email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}
        )
        assert done["state"] == "sent", done
        assert [a["outcome"] for a in done["attempt_log"]] == ["found"]
        assert filing_smtp.recorder.count(queued["message_id"]) == 1

"""The SMTP server the email tests send through: aiosmtplib reaches it over STARTTLS
and SMTPS with AUTH, it refuses what a submission server refuses, and its faults are
what a client sees when a provider drops or stalls after accepting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from tests.fakes import faults
from tests.fakes.tls import local_ca
from tests.servers import imap, smtp

USER, PASSWORD = "alice@example.com", "app-password"


def mail(number: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        USER,
        "carol@example.org",
        f"Hello {number}",
    )
    message["Message-ID"] = f"<hello-{number}@salesos.test>"
    message.set_content("Hi Carol")
    return message


@pytest.fixture(scope="module")
def dovecot() -> Iterator[imap.IMAPServer]:
    with imap.running({USER: PASSWORD}) as server:
        yield server


@pytest.fixture
async def server() -> AsyncIterator[smtp.SMTPServer]:
    async with smtp.SMTPServer({USER: PASSWORD}).serving() as served:
        yield served


async def submit(server: smtp.SMTPServer, message: EmailMessage, *, implicit: bool = True,
                 **options: Any) -> tuple[dict[str, Any], str]:  # fmt: skip
    port = server.tls_port if implicit else server.port
    tls = {"use_tls": True} if implicit else {"start_tls": True}
    settings: dict[str, Any] = (
        {"username": USER, "password": PASSWORD, "timeout": 5} | tls | options
    )
    return await aiosmtplib.send(message, hostname=server.host, port=port,
                                 tls_context=local_ca().client_context(), **settings)  # fmt: skip


class TestSubmission:
    async def test_starttls_and_auth_deliver_the_message(self, server: smtp.SMTPServer) -> None:
        _, reply = await submit(server, mail(1), implicit=False)
        assert reply.startswith("2.0.0 OK queued as")
        (accepted,) = server.recorder.accepted
        assert (accepted.message_id, accepted.sender, accepted.recipients) == (
            "<hello-1@salesos.test>",
            USER,
            ("carol@example.org",),
        )
        assert accepted.message["Subject"] == "Hello 1"

    async def test_smtps_delivers_the_message(self, server: smtp.SMTPServer) -> None:
        await submit(server, mail(2))
        assert server.recorder.count("<hello-2@salesos.test>") == 1

    async def test_a_bad_password_is_535(self, server: smtp.SMTPServer) -> None:
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await submit(server, mail(3), password="wrong")
        assert refused.value.code == 535
        assert server.recorder.accepted == []

    async def test_auth_before_tls_is_refused(self, server: smtp.SMTPServer) -> None:
        client = aiosmtplib.SMTP(hostname=server.host, port=server.port, start_tls=False, timeout=5)
        async with client:
            await client.ehlo()
            assert not client.supports_extension("auth")
            code, _ = await client.execute_command(
                b"AUTH", b"PLAIN", b"AGFsaWNlQGV4YW1wbGUuY29tAGFwcC1wYXNzd29yZA=="
            )
            assert code == 538

    async def test_mail_before_auth_is_refused(self, server: smtp.SMTPServer) -> None:
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await submit(server, mail(4), username=None, password=None)
        assert refused.value.code == 530


class TestFaults:
    async def test_a_drop_after_data_leaves_the_message_accepted(
        self, server: smtp.SMTPServer
    ) -> None:
        server.faults.push("smtp.data", faults.accept_then_drop())
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await submit(server, mail(5))
        assert server.recorder.count("<hello-5@salesos.test>") == 1

    async def test_a_held_reply_after_accept_times_the_client_out(
        self, server: smtp.SMTPServer
    ) -> None:
        server.faults.push("smtp.data", faults.accept_then_hang(3))
        with pytest.raises(aiosmtplib.SMTPTimeoutError):
            await submit(server, mail(6), timeout=0.5)
        assert server.recorder.count("<hello-6@salesos.test>") == 1

    async def test_replies_at_mail_rcpt_and_data_refuse_the_message(
        self, server: smtp.SMTPServer
    ) -> None:
        server.faults.push("smtp.mail", faults.status(451))
        server.faults.push("smtp.rcpt", faults.status(550))
        server.faults.push("smtp.data", faults.status(554, "5.7.1 Message rejected"))
        with pytest.raises(aiosmtplib.SMTPSenderRefused, match="451"):
            await submit(server, mail(7))
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await submit(server, mail(7))
        with pytest.raises(aiosmtplib.SMTPDataError, match="Message rejected"):
            await submit(server, mail(7))
        assert server.recorder.accepted == []
        assert [r.status for r in server.recorder.requests if r.fault] == [451, 550, 554]

    async def test_421_closes_the_connection(self, server: smtp.SMTPServer) -> None:
        server.faults.push("smtp.mail", faults.status(421))
        with pytest.raises(
            (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPServerDisconnected)
        ) as refused:
            await submit(server, mail(8))
        assert "421" in str(refused.value) or isinstance(
            refused.value, aiosmtplib.SMTPServerDisconnected
        )
        _, reply = await submit(server, mail(8))  # the next connection is served
        assert reply.startswith("2.0.0")

    async def test_an_accept_then_451_is_the_ambiguous_case(self, server: smtp.SMTPServer) -> None:
        server.faults.push("smtp.data", faults.accept_then_status(451))
        with pytest.raises(aiosmtplib.SMTPDataError, match="451"):
            await submit(server, mail(9))
        assert server.recorder.count("<hello-9@salesos.test>") == 1


class TestSentFolder:
    async def test_accepted_messages_are_filed_into_the_imap_sent_folder(
        self, dovecot: imap.IMAPServer
    ) -> None:
        async with smtp.SMTPServer({USER: PASSWORD}, sent_folder=dovecot).serving() as server:
            await submit(server, mail(10))
            server.faults.push("smtp.data", faults.accept_then_drop())
            with pytest.raises(aiosmtplib.SMTPServerDisconnected):
                await submit(server, mail(11))
        for number in (10, 11):
            assert len(dovecot.search_message_id(USER, f"<hello-{number}@salesos.test>")) == 1

"""The dovecot the email tests run: it logs in over IMAPS and STARTTLS, refuses bad
passwords and plain-text logins, keeps what is APPENDed to Sent and finds it by
``UID SEARCH HEADER Message-ID``."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.servers import imap

USER, PASSWORD = "alice@example.com", "app-password"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[imap.IMAPServer]:
    with imap.running({USER: PASSWORD, "bob@example.com": "bob-password"}) as server:
        yield server


@pytest.fixture(scope="module")
def remote_dovecot() -> Iterator[imap.IMAPServer]:
    """Its own instance, as failed logins make dovecot slow down the next ones from the
    same address; on 127.0.0.2 the client is not "local" to dovecot, so a plain LOGIN
    is refused as a remote server refuses it."""
    with imap.running({USER: PASSWORD}, host="127.0.0.2") as server:
        yield server


def mail(number: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        USER,
        "carol@example.org",
        f"Quote {number}",
    )
    message["Message-ID"] = f"<quote-{number}@salesos.test>"
    message.set_content("Here is the quote.")
    return message


class TestLogin:
    @pytest.mark.parametrize("security", ["imaps", "starttls"])
    def test_the_user_logs_in_over_tls(
        self, dovecot: imap.IMAPServer, security: imap.Security
    ) -> None:
        client = dovecot.connect(USER, PASSWORD, security=security)
        try:
            status, folders = client.list()
            assert status == "OK"
            assert any(
                b"\\Sent" in line and line.endswith(b"Sent")
                for line in folders
                if isinstance(line, bytes)
            )
        finally:
            client.logout()

    def test_a_bad_password_is_refused(self, remote_dovecot: imap.IMAPServer) -> None:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            remote_dovecot.connect(USER, "wrong")

    def test_a_plain_text_login_is_refused(self, remote_dovecot: imap.IMAPServer) -> None:
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            remote_dovecot.connect(USER, PASSWORD, security="plain")

    def test_a_user_added_later_can_log_in(self, dovecot: imap.IMAPServer) -> None:
        dovecot.add_user("dana@example.com", "dana-password")
        dovecot.connect("dana@example.com", "dana-password").logout()


class TestSentFolder:
    def test_an_appended_message_is_found_by_its_message_id(self, dovecot: imap.IMAPServer) -> None:
        dovecot.append(USER, "Sent", mail(1).as_bytes())
        assert len(dovecot.search_message_id(USER, "<quote-1@salesos.test>")) == 1
        assert dovecot.search_message_id(USER, "<quote-2@salesos.test>") == []
        assert dovecot.search_message_id("bob@example.com", "<quote-1@salesos.test>") == []
        assert [m["Message-ID"] for m in dovecot.messages(USER)] == ["<quote-1@salesos.test>"]

    def test_a_delivered_reply_waits_unseen_in_the_inbox(self, dovecot: imap.IMAPServer) -> None:
        dovecot.deliver("bob@example.com", mail(3))
        with dovecot.session("bob@example.com") as client:
            client.select("INBOX")
            status, unseen = client.uid("SEARCH", "UNSEEN")
            assert (status, len(unseen[0].split())) == ("OK", 1)


def test_without_dovecot_the_message_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(imap.DovecotMissing, match="apt-get install dovecot-imapd"):
        imap.dovecot_binary(path=str(tmp_path))

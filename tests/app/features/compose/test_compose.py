"""The compose window against the real solo backend, its send worker and a real SMTP
server: a template's merge fields previewed per recipient, a file attached, the message
sent once and followed to "Sent"; cancelled while queued; a failure with its reason; a
lost answer decided by its sender; bad input marked beside the part it is in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.features.compose.model import ComposeState, parse_recipients, recipient_text
from app.features.compose.view import ComposeWindow
from app.features.emails.ops import EmailOps
from app.features.mailboxes.model import size_text
from app.ops import Operations
from app.qt.core import Qt
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import EmailServer, email_server, signed_in
from tests.fakes import faults

__all__ = ["email_server"]

WAIT_MS = 30_000


@pytest.fixture
def tenant(email_server: EmailServer) -> Tenant:
    return sign_up(email_server.server)


@pytest.fixture
def mailbox(email_server: EmailServer, tenant: Tenant) -> dict[str, Any]:
    return email_server.connect_smtp(tenant)


@pytest.fixture
def client(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, email_server: EmailServer, tenant: Tenant
) -> Iterator[GatewayClient]:
    with signed_in(qloop, qtbot, email_server.url, tenant.email) as client:
        yield client


def template(email_server: EmailServer, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": "Intro", "subject": "Hello {{ contact.first_name | default('there') }}",
            "body_text": "Hi {{ contact.first_name }} at {{ account.name | default('your company') }}",
            } | fields  # fmt: skip
    response = email_server.server.call("POST", "/api/v1/email-templates", tenant.token, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def open_window(
    client: GatewayClient, ops: Operations, qtbot: QtBot, **kwargs: Any
) -> ComposeWindow:
    window = ComposeWindow(EmailOps(client, ops), **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.setup is not None, timeout=WAIT_MS)
    return window


def write(window: ComposeWindow, qtbot: QtBot, subject: str, body: str) -> None:
    window.subject_edit.clear()
    qtbot.keyClicks(window.subject_edit, subject)
    window.body_edit.setPlainText(body)  # keyClicks cannot type a line break


def settled_headline(window: ComposeWindow, qtbot: QtBot, headline: str) -> None:
    qtbot.waitUntil(lambda: window.progress.headline.text() == headline, timeout=WAIT_MS)


class TestRecipients:
    def test_addresses_are_read_with_their_names_and_bad_ones_named(self) -> None:
        found, bad = parse_recipients(
            'Ada Lovelace <ada@example.org>, "Smith, Bob" <bob@example.com>; carol@x.io, nope,'
        )
        assert [(r.name, r.email) for r in found] == [
            ("Ada Lovelace", "ada@example.org"),
            ("Smith, Bob", "bob@example.com"),
            ("", "carol@x.io"),
        ]
        assert bad == ["nope"]
        assert recipient_text(found[1]) == '"Smith, Bob" <bob@example.com>'
        assert parse_recipients(recipient_text(found[1]))[0] == [found[1]]

    def test_more_than_a_hundred_recipients_are_refused_before_asking(self) -> None:
        many = ", ".join(f"r{n}@example.org" for n in range(100))
        state = ComposeState(to_text=many, subject="Hi", body="Hello")
        assert "to" not in state.problems()
        state.cc_text = "one.more@example.org"
        assert state.problems()["to"] == "A message goes to at most 100 recipients."


class TestSending:
    def test_a_template_is_previewed_per_recipient_then_sent_once_with_a_file(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
        mailbox: dict[str, Any],
        tmp_path: Path,
    ) -> None:
        account = tenant.create("accounts", name="Analytical Engines")
        ada = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                            email="ada.l@example.org", account_id=account["id"])  # fmt: skip
        tenant.create("contacts", first_name="Bob", last_name="Babbage", email="bob@example.org")
        template(email_server, tenant)
        window = open_window(
            client, ops, qtbot,
            to="Ada Lovelace <ada.l@example.org>", contact_id=ada["id"],
            contact_email="ada.l@example.org",
        )  # fmt: skip
        assert window.from_combo.currentText().startswith(f"Rita Rep <{mailbox['email']}>")
        qtbot.keyClicks(window.to_edit, ", bob@example.org, someone@else.example")
        window.choose_template("Intro")
        assert window.subject_edit.text() == "Hello {{ contact.first_name | default('there') }}"
        qtbot.waitUntil(lambda: len(window.previews) == 3, timeout=WAIT_MS)
        assert window.preview_text() == ("Hello Ada", "Hi Ada at Analytical Engines")
        window.preview_for.setCurrentIndex(1)
        assert window.preview_text() == ("Hello Bob", "Hi Bob at your company")
        window.preview_for.setCurrentIndex(2)
        assert window.preview_text()[0] == "Hello there"
        assert "(not a contact)" in window.preview_for.currentText()
        assert "contact.first_name" in window.empty_fields.text()

        notes = tmp_path / "notes.txt"
        notes.write_text("Bernoulli numbers, note G\n" * 40)
        window.attach([notes])
        qtbot.waitUntil(lambda: len(window.state.attachments) == 1, timeout=WAIT_MS)
        assert window.attachment_list.item(0).text() == "notes.txt · 1 KB"
        limit = size_text(mailbox["max_message_bytes"])  # the mailbox's, not Gmail's
        assert window.files.label.text() == f"1 file, 1 KB of {limit}"

        window.send_button.click()
        assert window.progress.headline.text() == "Handing it over for 3 recipients…"
        assert not window.form.isEnabled()
        settled_headline(window, qtbot, "Sent")
        email = window.email
        assert email is not None
        assert email.subject == "Hello Ada"
        assert email.contact_id == ada["id"]
        assert [a.filename for a in email.attachments] == ["notes.txt"]
        assert email_server.smtp.recorder.count(email.message_id) == 1
        assert not window.progress.cancel_button.isVisible()

    def test_a_message_for_later_can_be_cancelled_while_queued(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        mailbox: dict[str, Any],
    ) -> None:
        window = open_window(client, ops, qtbot, to="grace@example.org")
        write(window, qtbot, "Later", "Tomorrow, then.")
        window.later_box.setChecked(True)  # an hour from now
        window.send_button.click()
        qtbot.waitUntil(lambda: window.progress.cancel_button.isVisible(), timeout=WAIT_MS)
        assert window.progress.headline.text() == "Queued: it goes in a moment"
        assert "You can still cancel it." in window.progress.detail.text()
        window.progress.cancel_button.click()
        settled_headline(window, qtbot, "Cancelled: it was not sent")
        assert window.progress.edit_button.isVisible()
        window.progress.edit_button.click()
        assert window.form.isEnabled()
        assert window.subject_edit.text() == "Later"  # the message is still there to edit

    def test_a_refused_message_says_why(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        mailbox: dict[str, Any],
    ) -> None:
        email_server.smtp.faults.push("smtp.data", faults.status(554), mailbox=mailbox["email"])
        window = open_window(client, ops, qtbot, to="grace@example.org")
        write(window, qtbot, "Hello", "Hi there")
        qtbot.keyClick(window.body_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        settled_headline(window, qtbot, "Not sent")
        assert window.progress.detail.text().startswith("Not sent: ")
        assert window.progress.edit_button.isVisible()

    def test_a_lost_answer_is_shown_and_its_sender_decides(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        mailbox: dict[str, Any],
    ) -> None:
        email_server.smtp.faults.push(
            "smtp.data", faults.accept_then_drop(), mailbox=mailbox["email"]
        )
        window = open_window(client, ops, qtbot, to="grace@example.org")
        write(window, qtbot, "Hello", "Hi there")
        window.send_button.click()
        settled_headline(window, qtbot, "It may have been sent")
        assert window.progress.detail.text().endswith("It is not sent again unless you say so.")
        assert window.progress.resend_button.isVisible()
        window.progress.went_button.click()
        settled_headline(window, qtbot, "Sent")


class TestCompletion:
    def test_recipients_are_completed_from_the_contacts(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        tenant: Tenant,
        mailbox: dict[str, Any],
    ) -> None:
        tenant.create("contacts", first_name="Grace", last_name="Hopper",
                      email="grace@navy.example")  # fmt: skip
        tenant.create("contacts", first_name="Alan", last_name="Turing")  # no address
        window = open_window(client, ops, qtbot, to="ada@example.org")
        window.to_edit.setFocus()
        window.to_edit.end(False)
        qtbot.keyClicks(window.to_edit, ", Hopp")
        qtbot.waitUntil(lambda: bool(window.to_edit.matches()), timeout=WAIT_MS)
        assert window.to_edit.matches() == ["Grace Hopper <grace@navy.example>"]
        window.to_edit.pick_label(window.to_edit.matches()[0])
        assert window.to_edit.text() == "ada@example.org, Grace Hopper <grace@navy.example>, "
        assert [r.email for r in window.state.recipients()] == [
            "ada@example.org",
            "grace@navy.example",
        ]


class TestBadInput:
    def test_problems_are_marked_beside_their_part_and_nothing_is_sent(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        mailbox: dict[str, Any],
    ) -> None:
        window = open_window(client, ops, qtbot)
        qtbot.keyClicks(window.to_edit, "ada@example.org, not an address")
        qtbot.keyClicks(window.cc_edit, "bob@")
        window.send_button.click()
        assert window.fields["to"].error() == "Not an email address: “not an address”."
        assert window.fields["cc"].error() == "Not an email address: “bob@”."
        window.cc_edit.clear()
        assert window.fields["subject"].error() == "Enter a subject."
        assert not window.progress.isVisible()

        window.to_edit.clear()
        qtbot.keyClicks(window.to_edit, "ada@example.org")
        write(window, qtbot, "Hi", "Hello\n{{ contact.frist_name }}")
        qtbot.waitUntil(lambda: bool(window.fields["body"].error()), timeout=WAIT_MS)
        assert window.fields["body"].error().startswith("Line 2: ")
        assert "frist_name" in window.fields["body"].error()
        window.send_button.click()  # not sent: the preview found it wrong
        assert window.form.isEnabled()
        assert not window.progress.isVisible()
        assert window.email is None
        assert "Line 2" in window.fields["body"].error()
        assert window.banner.text() == "Fix what is marked, then send."

    def test_a_file_over_the_limit_is_refused_before_it_is_read(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        mailbox: dict[str, Any],
        tmp_path: Path,
    ) -> None:
        window = open_window(client, ops, qtbot, to="ada@example.org")
        huge = tmp_path / "recording.mov"
        with huge.open("wb") as sparse:
            sparse.truncate(26 * 1024 * 1024)  # no disk used: it is never read
        window.attach([huge])
        qtbot.waitUntil(lambda: window.attachments_error.isVisible(), timeout=WAIT_MS)
        assert window.attachments_error.text().startswith("recording.mov is too large to attach.")
        assert "at most 25 MB" in window.attachments_error.text()
        assert window.attachment_list.count() == 0
        assert window.state.attachments == []

    def test_without_a_mailbox_it_says_where_to_connect_one(
        self, client: GatewayClient, ops: Operations, qtbot: QtBot
    ) -> None:
        window = open_window(client, ops, qtbot, to="ada@example.org")
        assert "Settings > Mailboxes" in window.fields["mailbox"].error()

"""A contact's emails on their detail panel against the real solo backend, its send worker,
a real SMTP server and the live stream: a message sent from another device appears and
goes from queued to sent by itself; one written here appears at once; "Email" opens the
compose window to the contact."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.emails import Email
from app.api.records import Contact
from app.features.accounts.ops import AccountRecordOps
from app.features.accounts.view import AccountsPage
from app.features.contacts.ops import ContactRecordOps
from app.features.contacts.view import ContactsPage
from app.features.emails.model import EmailsModel, state_word
from app.features.emails.ops import EmailOps
from app.features.emails.view import ContactEmails
from app.features.live.model import LiveChanges
from app.ops import Operations
from app.qt.core import Qt
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.email_support import EmailServer, email_server, signed_in
from tests.fakes import faults

__all__ = ["email_server"]

WAIT_MS = 30_000


@pytest.fixture
def tenant(email_server: EmailServer) -> Tenant:
    return sign_up(email_server.server)


@pytest.fixture
def client(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, email_server: EmailServer, tenant: Tenant
) -> Iterator[GatewayClient]:
    with signed_in(qloop, qtbot, email_server.url, tenant.email) as client:
        yield client


@pytest.fixture
def live(client: GatewayClient, ops: Operations, qtbot: QtBot) -> Iterator[LiveChanges]:
    live = LiveChanges(client, ops)
    with qtbot.waitSignal(live.connected_changed, timeout=WAIT_MS):
        live.start()
    yield live
    live.stop()


def contacts_page(
    client: GatewayClient, ops: Operations, qtbot: QtBot, live: LiveChanges
) -> tuple[ContactsPage, ContactEmails, list[Contact]]:
    page = ContactsPage(ContactRecordOps(client, ops))
    emails = ContactEmails(EmailOps(client, ops), page)
    wanted: list[Contact] = []
    page.offer_email(emails, wanted.append)
    page.follow(live)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    wait_loaded(page.model, qtbot)
    return page, emails, wanted


def send_elsewhere(
    email_server: EmailServer, tenant: Tenant, mailbox: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"mailbox_id": mailbox["id"], "subject": "Hello", "body_text": "Hi"} | fields
    response = email_server.server.call("POST", "/api/v1/emails", tenant.token, json=body)
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


def rows(page: ContactsPage) -> list[tuple[str, str]]:
    shown = page.detail.email_list
    return shown.states() if shown is not None else []


class TestContactEmails:
    def test_emails_sent_elsewhere_appear_and_follow_their_state_live(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
        live: LiveChanges,
    ) -> None:
        mailbox = email_server.connect_smtp(tenant)
        ada = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                            email="ada@example.org")  # fmt: skip
        tenant.create("contacts", first_name="Bob", last_name="Babbage", email="bob@example.org")
        earlier = send_elsewhere(email_server, tenant, mailbox, to=["ada@example.org"],
                                 subject="Earlier")  # fmt: skip
        page, emails, wanted = contacts_page(client, ops, qtbot, live)
        page.open_record_id(ada["id"])
        qtbot.waitUntil(lambda: rows(page) == [("Earlier", "Sent")], timeout=WAIT_MS)
        assert emails.model.contact_id == ada["id"]

        send_elsewhere(email_server, tenant, mailbox, to=["bob@example.org"], subject="To Bob")
        later = send_elsewhere(email_server, tenant, mailbox, to=["ada@example.org"],
                               subject="Following up")  # fmt: skip
        qtbot.waitUntil(
            lambda: rows(page) == [("Following up", "Sent"), ("Earlier", "Sent")],
            timeout=WAIT_MS,
        )  # Bob's is not Ada's
        assert {e.id for e in emails.model.emails()} == {earlier["id"], later["id"]}

        page.detail.email_button.click()
        assert [c.id for c in wanted] == [ada["id"]]

        shown = page.detail.email_list
        assert shown is not None
        qtbot.mouseClick(shown.rows[1], Qt.MouseButton.LeftButton)  # "Earlier"
        dialog = shown.dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: bool(dialog.email.attempt_log), timeout=WAIT_MS)
        assert dialog.subject.text() == "Earlier"
        assert dialog.header_values["To"].text() == "ada@example.org"
        assert dialog.header_values["From"].text() == f"Rita Rep <{mailbox['email']}>"
        assert dialog.body.toPlainText() == "Hi"
        assert dialog.progress.headline.text() == "Sent"
        assert dialog.attempts.text().startswith("Try 1 · ")
        assert "sent" in dialog.attempts.text()
        assert dialog.header_values["Cc"].isHidden()
        dialog.close()

    def test_a_message_queued_here_shows_at_once(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
        live: LiveChanges,
    ) -> None:
        ada = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                            email="ada@example.org", do_not_contact=False)  # fmt: skip
        nobody = tenant.create("contacts", last_name="Nomail")
        page, emails, _ = contacts_page(client, ops, qtbot, live)
        page.open_record_id(nobody["id"])
        qtbot.waitUntil(lambda: page.detail.email_list is not None, timeout=WAIT_MS)
        assert not page.detail.email_button.isEnabled()
        assert page.detail.email_list is not None
        qtbot.waitUntil(
            lambda: (
                page.detail.email_list is not None
                and page.detail.email_list.status.text() == "No email yet."
            ),
            timeout=WAIT_MS,
        )

        page.open_record_id(ada["id"])
        qtbot.waitUntil(
            lambda: emails.model.contact_id == ada["id"] and not emails.loading, timeout=WAIT_MS
        )
        emails.put(Email(id="e-here", contact_id=ada["id"], subject="Written here", version=1))
        qtbot.waitUntil(lambda: rows(page) == [("Written here", "Queued")], timeout=WAIT_MS)


class TestActingOnAnEmail:
    def test_a_queued_one_is_cancelled_and_an_uncertain_one_decided_from_its_row(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
        live: LiveChanges,
    ) -> None:
        mailbox = email_server.connect_smtp(tenant)
        ada = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                            email="ada@example.org")  # fmt: skip
        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        send_elsewhere(email_server, tenant, mailbox, to=["ada@example.org"],
                       subject="Tomorrow", send_at=later)  # fmt: skip
        email_server.smtp.faults.push(
            "smtp.data", faults.accept_then_drop(), mailbox=mailbox["email"]
        )
        send_elsewhere(email_server, tenant, mailbox, to=["ada@example.org"], subject="Lost")
        page, _, _ = contacts_page(client, ops, qtbot, live)
        page.open_record_id(ada["id"])
        qtbot.waitUntil(
            lambda: sorted(rows(page)) == [("Lost", "May have been sent"), ("Tomorrow", "Queued")],
            timeout=WAIT_MS,
        )
        shown = page.detail.email_list
        assert shown is not None
        by_subject = {row.subject.text(): row for row in shown.rows}
        queued, lost = by_subject["Tomorrow"], by_subject["Lost"]
        assert queued.buttons["cancel"].isVisible()
        assert not queued.buttons["resend"].isVisible()
        assert lost.buttons["sent"].isVisible()
        assert lost.buttons["resend"].isVisible()
        assert lost.note.text().endswith("It is not sent again unless you say so.")

        queued.buttons["cancel"].click()
        qtbot.waitUntil(lambda: ("Tomorrow", "Cancelled") in rows(page), timeout=WAIT_MS)
        lost = next(r for r in shown.rows if r.subject.text() == "Lost")
        lost.buttons["sent"].click()
        qtbot.waitUntil(lambda: ("Lost", "Sent") in rows(page), timeout=WAIT_MS)


class TestAccountEmails:
    def test_an_accounts_panel_lists_its_contacts_emails_live(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
        live: LiveChanges,
    ) -> None:
        mailbox = email_server.connect_smtp(tenant)
        acme = tenant.create("accounts", name="Acme")
        tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                      email="ada@acme.example", account_id=acme["id"])  # fmt: skip
        tenant.create("contacts", first_name="Bo", last_name="Elsewhere", email="bo@x.example")
        page = AccountsPage(AccountRecordOps(client, ops))
        emails = ContactEmails(EmailOps(client, ops), page)
        page.offer_emails(emails)
        page.follow(live)
        qtbot.addWidget(page)
        page.show()
        wait_loaded(page.model, qtbot)
        page.open_record_id(acme["id"])
        qtbot.waitUntil(lambda: page.detail.email_list is not None, timeout=WAIT_MS)
        send_elsewhere(email_server, tenant, mailbox, to=["bo@x.example"], subject="Not Acme")
        send_elsewhere(email_server, tenant, mailbox, to=["ada@acme.example"], subject="To Ada")

        def shown() -> list[tuple[str, str]]:
            listed = page.detail.email_list
            return listed.states() if listed is not None else []

        qtbot.waitUntil(lambda: shown() == [("To Ada", "Sent")], timeout=WAIT_MS)


class TestModel:
    def test_the_model_passes_qt_checks_and_keeps_the_newest_copy(self, qtmodeltester: Any) -> None:
        model = EmailsModel()
        model.show_for(contact_id="c1")
        model.set_emails([Email(id="a", contact_id="c1", subject="One", state="sent", version=3)])
        qtmodeltester.check(model)
        model.put(Email(id="b", contact_id="c2", subject="Not theirs"))
        model.put(Email(id="a", contact_id="c1", subject="One", state="scheduled", version=2))
        assert [(e.id, e.state) for e in model.emails()] == [("a", "sent")]
        assert model.index(0, EmailsModel.STATE).data() == state_word("sent") == "Sent"
        assert state_word("uncertain") == "May have been sent"

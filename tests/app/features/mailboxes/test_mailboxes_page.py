"""Settings > Mailboxes against the real solo backend: an SMTP mailbox connected through the
form against a real SMTP server (a wrong password named beside the password field), Gmail
through the browser (the fake Google and a scripted browser), test, reconnect, disconnect,
and the window's banner when a mailbox needs reconnecting."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.mailboxes import Mailbox
from app.features.live.model import LiveChanges
from app.features.mailboxes.banner import ReconnectBanner
from app.features.mailboxes.model import MailboxesModel
from app.features.mailboxes.ops import MailboxOps
from app.features.mailboxes.smtp_dialog import SmtpMailboxDialog
from app.features.mailboxes.view import MailboxesPage
from app.ops import Operations
from app.qt.core import Qt
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import (
    GMAIL_USER,
    OUTLOOK_USER,
    SMTP_PASSWORD,
    EmailServer,
    address,
    email_server,
    signed_in,
)
from tests.fakes.oauth import ScriptedBrowser

__all__ = ["email_server"]

WAIT_MS = 20_000


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
def browser(email_server: EmailServer) -> ScriptedBrowser:
    return ScriptedBrowser(email_server.ca.client_context())


@pytest.fixture
def page(
    client: GatewayClient,
    ops: Operations,
    qtbot: QtBot,
    email_server: EmailServer,
    browser: ScriptedBrowser,
) -> MailboxesPage:
    mailbox_ops = MailboxOps(client, ops, verify=str(email_server.ca.ca_bundle))
    page = MailboxesPage(mailbox_ops, open_browser=browser.open)
    qtbot.addWidget(page)
    page.resize(1000, 800)
    page.show()
    qtbot.waitUntil(lambda: page.providers is not None, timeout=WAIT_MS)
    return page


def open_form(page: MailboxesPage, qtbot: QtBot) -> SmtpMailboxDialog:
    page.connect_panel.buttons["smtp"].click()
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def fill(dialog: SmtpMailboxDialog, qtbot: QtBot, email: str, port: int, password: str) -> None:
    """Type as a person would: the address first (the rest follows it), then the servers."""
    qtbot.keyClicks(dialog.email_edit, email)
    dialog.imap_box.setChecked(False)
    dialog.smtp_host_edit.clear()
    qtbot.keyClicks(dialog.smtp_host_edit, "127.0.0.1")
    dialog.smtp_port_edit.clear()
    qtbot.keyClicks(dialog.smtp_port_edit, str(port))
    qtbot.keyClicks(dialog.password_edit, password)


def card_of(page: MailboxesPage, email: str) -> Mailbox:
    return next(m for m in page.model.mailboxes() if m.email == email)


class TestSmtpForm:
    def test_a_wrong_password_is_named_beside_the_password_then_the_right_one_connects(
        self, page: MailboxesPage, qtbot: QtBot, email_server: EmailServer
    ) -> None:
        email = address()
        email_server.smtp.add_user(email, SMTP_PASSWORD)
        dialog = open_form(page, qtbot)
        fill(dialog, qtbot, email, email_server.smtp.port, "not the password")
        assert dialog.username_edit.text() == email  # it followed the address
        dialog.save_button.click()
        assert dialog.status_label.text() == "Signing in to 127.0.0.1…"
        assert not dialog.save_button.isEnabled()
        qtbot.waitUntil(dialog.save_button.isEnabled, timeout=WAIT_MS)
        assert dialog.field_error("password")
        assert dialog.field_error("smtp_host") == ""
        assert dialog.isVisible()
        assert page.model.rowCount() == 0

        dialog.password_edit.clear()
        qtbot.keyClicks(dialog.password_edit, SMTP_PASSWORD)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        mailbox = card_of(page, email)
        card = page.cards[mailbox.id]
        assert card.status.text() == "Connected"
        assert card.today.text() == "Today: 0 of 500 sent"
        assert "Replies are not detected" in card.limitations.text()
        assert "SMTP 127.0.0.1:" in card.servers.text()
        assert card.limits.text().startswith("Messages up to ")
        assert card.limits.text().endswith(" s apart")
        assert f"{email} is connected." in page.connect_panel.progress.text()

    def test_the_form_checks_as_you_go(self, page: MailboxesPage, qtbot: QtBot) -> None:
        dialog = open_form(page, qtbot)
        qtbot.keyClicks(dialog.email_edit, "rita@acme-mail.com")
        assert dialog.smtp_host_edit.text() == "smtp.acme-mail.com"
        assert dialog.imap_host_edit.text() == "imap.acme-mail.com"
        assert dialog.smtp_port_edit.text() == "587"
        dialog.smtp_security_combo.setCurrentIndex(dialog.smtp_security_combo.findData("tls"))
        assert dialog.smtp_port_edit.text() == "465"  # the usual port followed the security

        dialog.smtp_port_edit.clear()
        qtbot.keyClicks(dialog.smtp_port_edit, "99999")
        dialog.smtp_port_edit.editingFinished.emit()  # the cursor left the field
        assert dialog.field_error("smtp_port") == "A port is between 1 and 65535."
        qtbot.keyClick(dialog.smtp_port_edit, Qt.Key.Key_Backspace)
        assert dialog.field_error("smtp_port") == ""  # fixed: gone at once
        dialog.smtp_security_combo.setCurrentIndex(dialog.smtp_security_combo.findData("starttls"))
        assert dialog.smtp_port_edit.text() == "9999"  # a port typed by hand stays

        dialog.smtp_host_edit.clear()
        qtbot.keyClicks(dialog.smtp_host_edit, "https://smtp.acme-mail.com")
        dialog.smtp_host_edit.editingFinished.emit()
        assert "without http://" in dialog.field_error("smtp_host")

        dialog.save_button.click()  # nothing is sent while a field is wrong
        assert dialog.field_error("password") == "Enter the password or app password."
        assert dialog.status_label.text() == ""

    def test_without_imap_the_form_says_what_is_lost(
        self, page: MailboxesPage, qtbot: QtBot
    ) -> None:
        dialog = open_form(page, qtbot)
        dialog.imap_box.setChecked(False)
        assert dialog.imap_note.isVisible()
        assert "replies are not detected" in dialog.imap_note.text()
        assert not dialog.fields["imap_host"].isEnabled()


class TestAMailboxsActions:
    def test_test_reconnect_with_a_new_password_and_disconnect_after_asking(
        self,
        page: MailboxesPage,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
    ) -> None:
        made = email_server.connect_smtp(tenant)
        page.refresh()
        qtbot.waitUntil(lambda: made["id"] in page.cards, timeout=WAIT_MS)
        card = page.cards[made["id"]]
        assert not card.reconnect_button.isVisible()

        card.test_button.click()
        qtbot.waitUntil(lambda: card.outcome.property("tone") == "success", timeout=WAIT_MS)
        assert card.outcome.text() == "Signed in: it works."

        card.cap_button.click()
        assert card.cap_edit.isVisible()
        assert card.cap_edit.value() == 500
        card.cap_edit.setValue(120)
        card.cap_save.click()
        qtbot.waitUntil(lambda: not card.cap_edit.isVisible(), timeout=WAIT_MS)
        assert card.today.text() == "Today: 0 of 120 sent"
        assert card.outcome.text() == "It sends at most 120 a day."

        email_server.smtp.add_user(made["email"], "changed password 2")
        card.test_button.click()
        qtbot.waitUntil(lambda: card.outcome.property("tone") == "error", timeout=WAIT_MS)
        assert "check the password" in card.outcome.text()
        qtbot.waitUntil(lambda: card.reconnect_button.isVisible(), timeout=WAIT_MS)
        assert card.status.text() == "Needs reconnecting"
        assert card.reason.isVisible()
        assert card.reason.text()

        card.reconnect_button.click()
        dialog = page.dialog
        assert dialog is not None
        assert dialog.email_edit.isReadOnly()
        assert dialog.email_edit.text() == made["email"]
        assert dialog.smtp_port_edit.text() == str(email_server.smtp.port)
        qtbot.keyClicks(dialog.password_edit, "changed password 2")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: page.cards[made["id"]].status.text() == "Connected", timeout=WAIT_MS
        )

        page.cards[made["id"]].disconnect_button.click()
        box = page.confirm_box
        assert box is not None
        assert box.text() == f"Disconnect {made['email']}?"
        next(b for b in box.buttons() if b.text() == "Cancel").click()
        assert made["id"] in page.cards
        page.cards[made["id"]].disconnect_button.click()
        box = page.confirm_box
        next(b for b in box.buttons() if b.text() == "Disconnect").click()
        qtbot.waitUntil(lambda: made["id"] not in page.cards, timeout=WAIT_MS)
        assert page.banner.text() == f"{made['email']} was disconnected."


class TestGmail:
    def test_connect_gmail_signs_in_in_the_browser(
        self, page: MailboxesPage, qtbot: QtBot, browser: ScriptedBrowser
    ) -> None:
        button = page.connect_panel.buttons["gmail"]
        assert button.isEnabled()
        button.click()
        assert "browser" in page.connect_panel.progress.text()
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT_MS)
        mailbox = page.model.mailbox_at(0)
        assert (mailbox.kind, mailbox.email) == ("gmail", GMAIL_USER)
        assert page.cards[mailbox.id].badge.text() == "Gmail"
        assert page.cards[mailbox.id].servers.isHidden()
        assert "Signed in — you can close this tab" in browser.wait().text

        card = page.cards[mailbox.id]
        card.cap_button.click()
        card.cap_edit.setValue(5000)  # over Gmail's 2,000 a day
        card.cap_save.click()
        qtbot.waitUntil(lambda: card.outcome.property("tone") == "error", timeout=WAIT_MS)
        assert card.outcome.text() == "Daily limit: This is at most 2,000 a day for gmail."
        assert card.cap_edit.isVisible()

    def test_a_revoked_grant_needs_reconnecting_and_reconnects_in_the_browser(
        self,
        page: MailboxesPage,
        qtbot: QtBot,
        browser: ScriptedBrowser,
        email_server: EmailServer,
    ) -> None:
        page.connect_panel.buttons["gmail"].click()
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT_MS)
        browser.wait()
        mailbox = page.model.mailbox_at(0)
        email_server.google.revoke(user=GMAIL_USER)
        email_server.google.expire_access_tokens()
        card = page.cards[mailbox.id]
        card.test_button.click()
        qtbot.waitUntil(lambda: card.reconnect_button.isVisible(), timeout=WAIT_MS)
        assert card.status.text() == "Needs reconnecting"

        card.reconnect_button.click()
        assert "browser" in page.connect_panel.progress.text()
        qtbot.waitUntil(
            lambda: page.cards[mailbox.id].status.text() == "Connected", timeout=WAIT_MS
        )
        assert [m.id for m in page.model.mailboxes()] == [mailbox.id]  # the same mailbox
        assert page.connect_panel.progress.text() == f"{GMAIL_USER} is connected."

    def test_connect_outlook_signs_in_in_the_browser(
        self, page: MailboxesPage, qtbot: QtBot, browser: ScriptedBrowser
    ) -> None:
        page.connect_panel.buttons["outlook"].click()
        qtbot.waitUntil(lambda: page.sign_in_task is None, timeout=WAIT_MS)
        assert page.connect_panel.progress.property("tone") == "success", (
            page.connect_panel.progress.text()
        )
        mailbox = page.model.mailbox_at(0)
        assert (mailbox.kind, mailbox.email) == ("outlook", OUTLOOK_USER)

    def test_a_sign_in_can_be_cancelled(
        self, client: GatewayClient, ops: Operations, qtbot: QtBot, email_server: EmailServer
    ) -> None:
        opened: list[str] = []
        page = MailboxesPage(
            MailboxOps(client, ops, verify=str(email_server.ca.ca_bundle)),
            open_browser=opened.append,  # a browser that never comes back
        )
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.providers is not None, timeout=WAIT_MS)
        page.connect_panel.buttons["gmail"].click()
        qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)
        panel = page.connect_panel
        qtbot.waitUntil(panel.cancel_button.isVisible, timeout=WAIT_MS)
        assert panel.copy_button.isVisible()
        assert not panel.buttons["outlook"].isEnabled()
        panel.cancel_button.click()
        assert panel.progress.text() == "The sign-in was cancelled. Nothing was connected."
        assert panel.buttons["gmail"].isEnabled()
        qtbot.waitUntil(lambda: ops.pending == 0, timeout=WAIT_MS)
        assert page.model.rowCount() == 0


class TestReconnectBanner:
    def test_a_mailbox_found_needing_reconnect_elsewhere_is_announced_in_the_window(
        self,
        page: MailboxesPage,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        email_server: EmailServer,
        tenant: Tenant,
    ) -> None:
        made = email_server.connect_smtp(tenant)
        banner = ReconnectBanner(page.model)
        qtbot.addWidget(banner)
        live = LiveChanges(client, ops)
        page.follow(live)
        page.refresh()
        qtbot.waitUntil(lambda: made["id"] in page.cards, timeout=WAIT_MS)
        with qtbot.waitSignal(live.connected_changed, timeout=WAIT_MS):
            live.start()
        assert banner.isHidden()

        email_server.smtp.add_user(made["email"], "changed elsewhere 3")
        answer = email_server.server.call(
            "POST", f"/api/v1/mailboxes/{made['id']}/test", tenant.token
        )  # another device finds out
        assert answer.json()["status"] == "needs_reconnect"
        qtbot.waitUntil(lambda: bool(banner.text_of(made["id"])), timeout=WAIT_MS)
        assert banner.text_of(made["id"]).startswith(
            f"Your mailbox {made['email']} needs reconnecting: "
        )
        wanted: list[Mailbox] = []
        banner.reconnect_wanted.connect(wanted.append)
        banner.buttons[made["id"]].click()
        assert [m.id for m in wanted] == [made["id"]]
        live.stop()


class TestModel:
    def test_the_model_passes_qt_checks(self, qtmodeltester: ModelTester) -> None:
        model = MailboxesModel()
        model.set_mailboxes(
            [
                Mailbox(id="m1", email="a@example.com", kind="gmail", daily_cap=1500),
                Mailbox(id="m2", email="b@example.com", status="needs_reconnect", daily_cap=500),
            ]
        )
        qtmodeltester.check(model)
        assert model.index(1, MailboxesModel.STATUS).data() == "Needs reconnecting"
        assert model.index(0, MailboxesModel.TODAY).data() == "Today: 0 of 1,500 sent"
        model.put(Mailbox(id="m2", email="b@example.com", status="connected", version=2))
        assert model.index(1, MailboxesModel.STATUS).data() == "Connected"
        model.put(Mailbox(id="m2", email="b@example.com", status="needs_reconnect", version=1))
        assert model.index(1, MailboxesModel.STATUS).data() == "Connected"  # an older copy
        model.put(Mailbox(id="m1", email="a@example.com", status="disconnected", version=3))
        assert [m.id for m in model.mailboxes()] == ["m2"]

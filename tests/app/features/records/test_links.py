"""Links that act in the detail panel (issue 11): an email opens the mail client, a
phone the dialer, a website the browser; a related record opens on click. Against the
real solo backend; only the system's URL handler is replaced (it would start programs)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

import app.widgets.links as links
from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.qt.core import QUrl
from app.qt.widgets import QLabel
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.records.support import TIMEOUT_MS, open_page
from tests.app.support import SoloServer


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []

    def open_url(url: QUrl) -> bool:
        urls.append(url.toString())
        return True

    monkeypatch.setattr(links.QDesktopServices, "openUrl", open_url)
    return urls


@pytest.fixture
def company(solo_server: SoloServer) -> Tenant:
    tenant = sign_up(solo_server)
    acme = tenant.create("accounts", name="Acme", domain="acme.example")
    tenant.create(
        "contacts",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@acme.example",
        phone="+1 (412) 555-0141",
        account_id=acme["id"],
    )
    return tenant


def click(qtbot: QtBot, label: QLabel) -> None:
    from app.qt.core import Qt

    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)


class TestLinksThatAct:
    def test_an_accounts_website_opens_the_browser_and_a_contact_opens_on_click(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant, opened: list[str]
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        page.open_index(page.model.index(0, 0))
        qtbot.waitUntil(lambda: bool(page.detail.contact_labels), timeout=TIMEOUT_MS)
        click(qtbot, page.detail.field_labels["Domain"])
        assert opened == ["https://acme.example"]

        click(qtbot, page.detail.contact_labels[0])
        window = team_shell.main_window
        assert window is not None
        contacts = window.pages.currentWidget()
        assert isinstance(contacts, ContactsPage)
        qtbot.waitUntil(
            lambda: (
                contacts.detail.record is not None
                and contacts.detail.record.full_name == "Ada Lovelace"
            ),
            timeout=TIMEOUT_MS,
        )

    def test_a_contacts_email_and_phone_open_the_mail_client_and_the_dialer(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant, opened: list[str]
    ) -> None:
        open_page(team_shell, qtbot, company, "Accounts")
        window = team_shell.main_window
        assert window is not None
        page = window.show_page("Contacts")
        assert isinstance(page, ContactsPage)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT_MS)
        page.open_index(page.model.index(0, 0))
        click(qtbot, page.detail.field_labels["Email"])
        click(qtbot, page.detail.field_labels["Phone"])
        assert opened == ["mailto:ada@acme.example", "tel:+14125550141"]
        click(qtbot, page.detail.field_labels["Mobile"])  # none: "—" does nothing
        assert len(opened) == 2

        qtbot.waitUntil(lambda: page.detail.values()["Account"] == "Acme", timeout=TIMEOUT_MS)
        click(qtbot, page.detail.field_labels["Account"])
        accounts = window.pages.currentWidget()
        assert isinstance(accounts, AccountsPage)
        qtbot.waitUntil(
            lambda: accounts.detail.record is not None and accounts.detail.record.name == "Acme",
            timeout=TIMEOUT_MS,
        )

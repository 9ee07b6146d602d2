"""The palette in the signed-in window, against the real solo backend: Ctrl+K or the
sidebar's "Search" opens it, and a result opens its record on its page."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.deals.area import DealsPage
from app.features.search.view import CommandPalette
from app.main_window import MainWindow
from app.qt.core import Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer, sign_in

FILLERS = 52
"""More accounts than one page (50), all sorting before the one searched for."""
WAIT_MS = SIGN_IN_TIMEOUT_MS


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    return sign_up(solo_server)


@pytest.fixture(scope="module")
def records(tenant: Tenant) -> dict[str, dict[str, Any]]:
    """An account past the first page of the list, its contact and deal, and a deal
    with no account."""
    for number in range(FILLERS):
        tenant.create("accounts", name=f"Filler {number:03d}")
    account = tenant.create("accounts", name="Quillon Maritime", domain="quillon.example")
    contact = tenant.create(
        "contacts", first_name="Ottoline", last_name="Marsh", account_id=account["id"]
    )
    deal = tenant.create(
        "opportunities", name="Quillon harbour cranes", amount="910000.00", account_id=account["id"]
    )
    orphan = tenant.create("opportunities", name="Xylophone orphan deal", amount="10.00")
    return {"account": account, "contact": contact, "deal": deal, "orphan": orphan}


@pytest.fixture
def window(
    team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant, records: dict[str, dict[str, Any]]
) -> MainWindow:
    """The signed-in window, active, on its Accounts list, loaded."""
    sign_in(team_shell, qtbot, tenant.email, STRONG_PASSWORD)
    window = team_shell.main_window
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    page = window.show_page("Accounts")  # Home comes first
    assert isinstance(page, AccountsPage)
    wait_loaded(page.model, qtbot)
    return window


def palette_of(shell: DesktopShell) -> CommandPalette:
    assert shell.palette is not None
    return shell.palette


def find_and_open(palette: CommandPalette, qtbot: QtBot, text: str, kind: str) -> None:
    """Type ``text``, move to the first hit of ``kind`` and press Enter."""
    with qtbot.waitSignal(palette.search.answered, timeout=WAIT_MS):
        qtbot.keyClicks(palette.input, text)
    while palette.results.currentIndex().data(palette.model.KIND_ROLE) != kind:
        row = palette.results.currentIndex().row()
        qtbot.keyClick(palette.input, Qt.Key.Key_Down)
        assert palette.results.currentIndex().row() != row, f"no {kind} among the hits"
    with qtbot.waitSignal(palette.open_requested, timeout=1000):
        qtbot.keyClick(palette.input, Qt.Key.Key_Return)


class TestOpeningFromTheWindow:
    def test_ctrl_k_opens_an_account_not_yet_loaded_beside_the_accounts_list(
        self,
        team_shell: DesktopShell,
        window: MainWindow,
        qtbot: QtBot,
        records: dict[str, dict[str, Any]],
    ) -> None:
        page = window.pages.currentWidget()
        assert isinstance(page, AccountsPage)
        assert page.model.row_of_id(records["account"]["id"]) is None  # past the first page
        window.show_page("Contacts")  # from any page
        palette = palette_of(team_shell)

        qtbot.keyClick(
            window.pages.currentWidget(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
        )
        assert palette.isVisible()
        find_and_open(palette, qtbot, "Quillon Mari", "account")

        assert window.pages.currentWidget() is page
        qtbot.waitUntil(lambda: page.detail.account is not None, timeout=WAIT_MS)
        assert page.detail.account is not None
        assert page.detail.account.id == records["account"]["id"]
        assert page.detail.isVisible()
        assert page.detail.name_label.text() == "Quillon Maritime"

    def test_a_contact_opens_beside_the_contacts_list(
        self,
        team_shell: DesktopShell,
        window: MainWindow,
        qtbot: QtBot,
        records: dict[str, dict[str, Any]],
    ) -> None:
        palette = palette_of(team_shell)
        palette.popup()
        find_and_open(palette, qtbot, "Ottoline", "contact")

        page = window.pages.currentWidget()
        assert isinstance(page, ContactsPage)
        qtbot.waitUntil(lambda: page.detail.contact is not None, timeout=WAIT_MS)
        assert page.detail.contact is not None
        assert page.detail.contact.id == records["contact"]["id"]
        assert page.detail.isVisible()

    def test_an_opportunity_opens_in_the_pipeline_editor(
        self,
        team_shell: DesktopShell,
        window: MainWindow,
        qtbot: QtBot,
        records: dict[str, dict[str, Any]],
    ) -> None:
        palette = palette_of(team_shell)
        palette.popup()
        find_and_open(palette, qtbot, "harbour cranes", "opportunity")

        area = window.pages.currentWidget()
        assert isinstance(area, DealsPage)  # the board is what it shows first
        page = area.board
        qtbot.waitUntil(lambda: page.dialog is not None, timeout=WAIT_MS)
        assert page.dialog is not None
        assert page.dialog.record is not None
        assert page.dialog.record.id == records["deal"]["id"]
        page.dialog.reject()

    def test_an_opportunity_without_account_opens_too(
        self,
        team_shell: DesktopShell,
        window: MainWindow,
        qtbot: QtBot,
        records: dict[str, dict[str, Any]],
    ) -> None:
        palette = palette_of(team_shell)
        palette.popup()
        find_and_open(palette, qtbot, "Xylophone", "opportunity")

        area = window.pages.currentWidget()
        assert isinstance(area, DealsPage)  # the board is what it shows first
        page = area.board
        qtbot.waitUntil(lambda: page.dialog is not None, timeout=WAIT_MS)
        assert page.dialog is not None
        assert page.dialog.record is not None
        assert page.dialog.record.id == records["orphan"]["id"]
        page.dialog.reject()

    def test_the_sidebar_search_shows_its_shortcut_and_opens_the_palette(
        self, team_shell: DesktopShell, window: MainWindow, qtbot: QtBot
    ) -> None:
        entry = window.search_entry
        assert entry.isVisible()
        assert entry.caption.text() == "Search"
        assert entry.key_label.text() == "Ctrl+K"

        entry.click()

        palette = palette_of(team_shell)
        assert palette.isVisible()
        assert palette.input.text() == ""

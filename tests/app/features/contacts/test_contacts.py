"""The Contacts page against the real solo backend: list, sort and filter on the server."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.paging import PAGE_SIZE
from app.features.contacts.model import NAME_PENDING, NAME_UNAVAILABLE, ContactsTableModel
from app.features.contacts.ops import ContactRecordOps
from app.features.contacts.view import ContactsPage
from app.features.records.view import MIN_STRETCH
from app.qt.core import QSize, Qt
from app.qt.widgets import QApplication
from app.shell import DesktopShell
from tests.app.crm_support import sign_up, wait_loaded
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer, sign_in

PAGE = PAGE_SIZE
ACCOUNT = ContactsTableModel.ACCOUNT
TIMEOUT = SIGN_IN_TIMEOUT_MS


def open_contacts(shell: DesktopShell, qtbot: QtBot, email: str) -> ContactsPage:
    sign_in(shell, qtbot, email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.show_page("Contacts")
    assert isinstance(page, ContactsPage)
    wait_loaded(page.model, qtbot)
    return page


def open_contacts_later(shell: DesktopShell, qtbot: QtBot, email: str) -> ContactsPage:
    """The Contacts page of a signed-in window, not shown (so not loaded) yet."""
    sign_in(shell, qtbot, email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.page("Contacts")
    assert isinstance(page, ContactsPage)
    return page


def shown(page: ContactsPage, column: int = ContactsTableModel.NAME) -> list[str]:
    model = page.model
    return [model.index(row, column).data() for row in range(model.rowCount())]


class TestContacts:
    def test_lists_sorts_and_filters_through_the_server(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer, qtmodeltester: object
    ) -> None:
        company = sign_up(solo_server)
        company.create("contacts", first_name="Grace", last_name="Hopper", title="Admiral")
        company.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@ex.com")
        company.create("contacts", last_name="Babbage")

        page = open_contacts(team_shell, qtbot, company.email)
        assert shown(page) == ["Babbage", "Grace Hopper", "Ada Lovelace"]  # by last name
        assert shown(page, ContactsTableModel.EMAIL) == ["—", "—", "ada@ex.com"]
        qtbot.waitUntil(lambda: page.count_label.text() == "3 contacts", timeout=5000)
        qtmodeltester.check(page.model)  # type: ignore[attr-defined]

        with qtbot.waitSignal(page.model.first_page_wanted):
            page.table.horizontalHeader().setSortIndicator(
                ContactsTableModel.NAME, Qt.SortOrder.DescendingOrder
            )
        wait_loaded(page.model, qtbot)
        assert page.model.sort_key == "-last_name"
        assert shown(page) == ["Ada Lovelace", "Grace Hopper", "Babbage"]

        page.search_edit.setText("hop")
        qtbot.waitUntil(lambda: page.model.filter_text == "hop", timeout=5000)
        wait_loaded(page.model, qtbot)
        assert shown(page) == ["Grace Hopper"]

    def test_a_company_without_contacts_says_so(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        page = open_contacts(team_shell, qtbot, sign_up(solo_server).email)
        assert page.empty_label.text() == "No contacts yet"
        assert page.body.currentWidget() is page.empty_label


class TestAccountColumn:
    """Each contact's account by name: asked for once per page, filled in as it arrives."""

    def test_names_fill_in_from_one_call_per_page(
        self,
        team_shell: DesktopShell,
        qtbot: QtBot,
        solo_server: SoloServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        company = sign_up(solo_server)
        acme = company.create("accounts", name="Acme")["id"]
        globex = company.create("accounts", name="Globex")["id"]
        gone = company.create("accounts", name="Gone Co")["id"]
        later = company.create("accounts", name="Initech")["id"]
        first_page = [acme, globex, None, gone]
        for number in range(PAGE):  # by last name, the first page
            account = first_page[number % len(first_page)]
            company.create("contacts", last_name=f"C{number:03d}", account_id=account)
        for number in range(PAGE, PAGE + 3):  # the second page: one more account
            company.create("contacts", last_name=f"C{number:03d}", account_id=later)
        trashed = company.server.call("DELETE", f"/api/v1/accounts/{gone}", company.token)
        assert trashed.status_code == 204, trashed.text

        asked: list[list[str]] = []
        look_up = ContactRecordOps.account_names

        def counted(ops: ContactRecordOps, ids: list[str], *args: Any) -> Any:
            asked.append(list(ids))
            return look_up(ops, ids, *args)

        monkeypatch.setattr(ContactRecordOps, "account_names", counted)
        at_arrival: list[list[str]] = []
        page = open_contacts_later(team_shell, qtbot, company.email)
        # What the rows show the moment the page arrives, before any name has.
        page.loader.loaded.connect(lambda: at_arrival.append(shown(page, ACCOUNT)[:4]))
        page.refresh()
        wait_loaded(page.model, qtbot)
        qtbot.waitUntil(lambda: NAME_PENDING not in shown(page, ACCOUNT), timeout=TIMEOUT)

        assert at_arrival[-1] == [NAME_PENDING, NAME_PENDING, "—", NAME_PENDING]
        assert shown(page, ACCOUNT)[:4] == ["Acme", "Globex", "—", NAME_UNAVAILABLE]
        assert [sorted(ids) for ids in asked] == [sorted([acme, globex, gone])]  # one call
        calls = len(asked)

        page.model.fetchMore()
        qtbot.waitUntil(lambda: page.model.rowCount() == PAGE + 3, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: shown(page, ACCOUNT)[-1] == "Initech", timeout=TIMEOUT)
        assert asked[calls:] == [[later]]  # one call for the next page: only what is new
        assert shown(page, ACCOUNT)[PAGE:] == ["Initech"] * 3
        index = page.model.index(3, ACCOUNT)
        assert "trash" in str(index.data(Qt.ItemDataRole.ToolTipRole))

    def test_the_account_column_is_not_sorted_by_the_server(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        account = company.create("accounts", name="Zeta")["id"]
        company.create("contacts", last_name="Able", account_id=account)
        page = open_contacts(team_shell, qtbot, company.email)
        header = page.table.horizontalHeader()

        with qtbot.assertNotEmitted(page.model.first_page_wanted):
            header.setSortIndicator(ACCOUNT, Qt.SortOrder.DescendingOrder)

        assert page.model.sort_key == "last_name"
        assert header.sortIndicatorSection() == ContactsTableModel.NAME
        assert "account" in page.views_bar.column_actions  # a view can hide or show it

    def test_the_list_fits_the_window_at_1280_pixels(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@ex.com")
        page = open_contacts(team_shell, qtbot, company.email)
        assert page.body.currentWidget() is page.table
        window = team_shell.main_window
        assert window is not None
        window.resize(1280, 800)  # what the window opens at
        qtbot.waitUntil(lambda: window.size() == QSize(1280, 800), timeout=TIMEOUT)
        QApplication.sendPostedEvents()  # the layouts' requests: the table gets its width
        layout = window.layout()
        assert layout is not None
        layout.activate()
        header = page.table.horizontalHeader()
        others = sum(
            header.sectionSize(column)
            for column in range(page.model.columnCount())
            if column != ContactsTableModel.EMAIL
        )
        assert others + MIN_STRETCH <= page.table.viewport().width()

"""The Contacts page against the real solo backend: list, sort and filter on the server."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.contacts.model import ContactsTableModel
from app.features.contacts.view import ContactsPage
from app.qt import Qt
from app.shell import DesktopShell
from tests.app.crm_support import sign_up, wait_loaded
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in


def open_contacts(shell: DesktopShell, qtbot: QtBot, email: str) -> ContactsPage:
    sign_in(shell, qtbot, email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.show_page("Contacts")
    assert isinstance(page, ContactsPage)
    wait_loaded(page.model, qtbot)
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
        assert page.count_label.text() == "3 shown"
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

"""What a rep does with a long list on the Accounts and Contacts pages, against the real
solo backend: its total and its real end (Ctrl+End), the detail panel following the
selection, the filter box over several fields, the filter editor and "My accounts"
(issue 11, defects 4, 9 and 10)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.features.accounts.model import AccountsTableModel
from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.records.conditions import ConditionsDialog
from app.qt.core import Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.records.support import TIMEOUT_MS, open_page
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in

LONG = 130
"""More than two pages of 50: Ctrl+End leaves a gap between the first and the last."""


@pytest.fixture(scope="module")
def long_list(solo_server: SoloServer) -> Tenant:
    tenant = sign_up(solo_server)
    for number in range(LONG):
        tenant.create("accounts", name=f"Acct {number:03d}", size=number)
    return tenant


def names(page: AccountsPage) -> list[str]:
    return [account.name for account in page.model.records()]


class TestTheTotalAndTheEnd:
    def test_the_list_says_how_long_it_is_and_ctrl_end_reaches_the_last_record(
        self, team_shell: DesktopShell, qtbot: QtBot, long_list: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, long_list, "Accounts")
        qtbot.waitUntil(lambda: page.count_label.text() == f"{LONG} accounts", timeout=TIMEOUT_MS)
        assert page.model.rowCount() == 50

        page.table.setFocus()
        page.table.setCurrentIndex(page.model.index(0, 0))
        qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: page.model.has_gap, timeout=TIMEOUT_MS)
        last = page.model.rowCount() - 1
        assert page.model.record_at(last).name == f"Acct {LONG - 1:03d}"
        qtbot.waitUntil(lambda: page.table.currentIndex().row() == last, timeout=TIMEOUT_MS)
        gap = page.model.gap_row()
        assert gap == 50
        assert page.model.index(gap, 0).data().startswith("⋯  30 more accounts between here")
        assert page.detail.record is not None
        assert page.detail.record.name == f"Acct {LONG - 1:03d}"  # the panel follows

        page.table.scrollTo(page.model.index(gap, 0))  # the gap in sight: it fills in
        qtbot.waitUntil(lambda: not page.model.has_gap, timeout=TIMEOUT_MS)
        assert names(page) == [f"Acct {n:03d}" for n in range(LONG)]

        qtbot.keyClick(page.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
        assert page.table.currentIndex().row() == 0

    def test_a_new_order_is_not_counted_again_but_a_reload_is(
        self, team_shell: DesktopShell, qtbot: QtBot, long_list: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, long_list, "Accounts")
        qtbot.waitUntil(lambda: page.count_label.text() == f"{LONG} accounts", timeout=TIMEOUT_MS)
        asked = page.loader.counts_asked
        page.table.horizontalHeader().setSortIndicator(
            AccountsTableModel.EMPLOYEES, Qt.SortOrder.DescendingOrder
        )
        wait_loaded(page.model, qtbot)
        assert page.model.record_at(0).name == f"Acct {LONG - 1:03d}"  # the new order
        assert page.count_label.text() == f"{LONG} accounts"
        assert page.loader.counts_asked == asked  # the same records: the same count

        page.refresh()  # records may have come or gone: counted again
        wait_loaded(page.model, qtbot)
        assert page.loader.counts_asked == asked + 1
        qtbot.waitUntil(lambda: page.count_label.text() == f"{LONG} accounts", timeout=TIMEOUT_MS)


class TestTheDetailFollowsTheSelection:
    def test_a_click_and_the_arrow_keys_show_the_selected_record(
        self, team_shell: DesktopShell, qtbot: QtBot, long_list: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, long_list, "Accounts")
        table = page.table
        rect = table.visualRect(page.model.index(2, AccountsTableModel.NAME))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert page.detail.isVisible()
        assert page.detail.name_label.text() == "Acct 002"
        qtbot.keyClick(table, Qt.Key.Key_Down)
        assert page.detail.name_label.text() == "Acct 003"
        qtbot.keyClick(table, Qt.Key.Key_Up)
        qtbot.keyClick(table, Qt.Key.Key_Up)
        assert page.detail.name_label.text() == "Acct 001"


class TestTheFilterBox:
    def test_accounts_match_by_city_and_domain(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("accounts", name="Acme", domain="acme.com", city="Lyon")
        company.create("accounts", name="Globex", domain="lyon-globex.fr", city="Paris")
        company.create("accounts", name="Initech", city="Austin")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        assert page.search_edit.placeholderText() == "Name, domain or city"
        page.search_edit.setText("lyon")
        page.apply_filter()
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Acme", "Globex"]

    def test_contacts_match_a_whole_name(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("contacts", first_name="Maria", last_name="Gonzalez")
        company.create("contacts", first_name="Mario", last_name="Rossi", phone="+39 06 555 0101")
        company.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@maria.io")
        sign_in(team_shell, qtbot, company.email, STRONG_PASSWORD)
        assert team_shell.main_window is not None
        page = team_shell.main_window.show_page("Contacts")
        assert isinstance(page, ContactsPage)
        wait_loaded(page.model, qtbot)
        for text, expected in (
            ("Maria", ["Maria Gonzalez", "Ada Lovelace"]),
            ("Maria Gonz", ["Maria Gonzalez"]),
            ("06 555", ["Mario Rossi"]),
        ):
            page.search_edit.setText(text)
            page.apply_filter()
            wait_loaded(page.model, qtbot)
            assert [c.full_name for c in page.model.records()] == expected, text


class TestTheFilterEditor:
    def test_conditions_on_any_field_and_the_owner_filter_the_list(
        self, team_shell: DesktopShell, qtbot: QtBot, long_list: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, long_list, "Accounts")
        qtbot.waitUntil(lambda: page.owners.loaded, timeout=TIMEOUT_MS)
        dialog = page.open_conditions()
        assert isinstance(dialog, ConditionsDialog)
        row = dialog.rows[0]
        row.field_combo.setCurrentIndex(row.field_combo.findData("size"))
        row.op_combo.setCurrentIndex(row.op_combo.findData("gte"))
        row.value_edit.setText("125")
        owner = dialog.add_row()
        owner.field_combo.setCurrentIndex(owner.field_combo.findData("owner_id"))
        assert owner.value_combo.currentText() == "Me"
        assert dialog.conditions() == ["size:gte:125", "owner_id:eq:me"]
        with qtbot.waitSignal(page.model.first_page_wanted, timeout=TIMEOUT_MS):
            dialog.apply_button.click()
        wait_loaded(page.model, qtbot)
        assert names(page) == [f"Acct {n:03d}" for n in range(125, LONG)]
        assert page.fixed_label.text() == "Employees is at least 125 · Owner is you"
        assert page.views_bar.filter_button.text() == "Filter (2)…"

    def test_my_accounts_shows_only_the_users_own(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        rep = company.add_user("rep", name="Riley Rep")
        company.create("accounts", name="Admins own")
        company.create("accounts", name="Reps own", owner_id=rep["id"])
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        assert sorted(names(page)) == ["Admins own", "Reps own"]
        combo = page.views_bar.combo
        combo.setCurrentIndex(combo.findText("My accounts"))
        combo.activated.emit(combo.currentIndex())
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Admins own"]
        assert not page.views_bar.delete_action.isVisible()  # built in: nothing to delete

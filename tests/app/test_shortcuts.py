"""Every frequent action has a key, and F1 or ? lists them (issue 11: Ctrl+N and Delete
did nothing; no help of the keys). Against the real solo backend."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.accounts.view import AccountsPage
from app.main_window import MINIMUM_SIZE, MainWindow
from app.qt.core import Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.records.support import TIMEOUT_MS, open_page
from tests.app.support import SoloServer


def active(shell: DesktopShell, qtbot: QtBot) -> MainWindow:
    window = shell.main_window
    assert window is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
    return window


class TestTheWindowsKeys:
    def test_ctrl_n_opens_the_new_record_dialog_of_the_page(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company: Tenant = sign_up(solo_server)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        window = active(team_shell, qtbot)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(
            lambda: page.dialog is not None and page.dialog.isVisible(), timeout=TIMEOUT_MS
        )
        assert page.dialog is not None
        assert page.dialog.record is None  # a new one
        page.dialog.discard()
        assert window.pages.currentWidget() is page

    def test_ctrl_digits_go_to_pages_and_ctrl_f_to_the_filter_box(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        window = active(team_shell, qtbot)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        assert window.page_titles()[window.nav.currentRow()] == "Contacts"
        contacts = window.pages.currentWidget()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert contacts.search_edit.hasFocus()  # type: ignore[attr-defined]

    def test_f1_and_question_mark_list_the_shortcuts_but_a_typed_question_mark_is_text(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        window = active(team_shell, qtbot)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_F1)
        help_box = window.help
        assert help_box is not None
        assert help_box.isVisible()
        listed = help_box.listed()
        for keys, what in (
            ("Ctrl+N", "New record on this page"),
            ("Ctrl+K", "Search everything"),
            ("Ctrl+1", "Home"),
            ("Ctrl+2", "Accounts"),
            ("Delete", "Move the selected records to the trash (asks first)"),
            ("F1", "This list of shortcuts"),
        ):
            assert (keys, what) in listed
        qtbot.keyClick(help_box, Qt.Key.Key_Escape)
        assert window.help is None or not window.help.isVisible()

        qtbot.keyClick(page.table, "?")
        assert window.help is not None
        assert window.help.isVisible()
        window.help.close_button.click()

        page.search_edit.setFocus()
        qtbot.keyClicks(page.search_edit, "who?")
        assert page.search_edit.text() == "who?"
        assert window.help is None or not window.help.isVisible()
        qtbot.waitUntil(lambda: page.model.filter_text == "who?", timeout=TIMEOUT_MS)
        wait_loaded(page.model, qtbot)


class TestTheSmallestWindow:
    def test_it_does_not_shrink_below_where_things_overlap(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        open_page(team_shell, qtbot, company, "Accounts")
        window = team_shell.main_window
        assert window is not None
        window.resize(640, 400)
        assert window.width() >= MINIMUM_SIZE.width() >= 960
        assert window.height() >= MINIMUM_SIZE.height() >= 600

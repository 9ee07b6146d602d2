"""What a rep does to duplicates and to many records at once, against the real solo
backend: the create dialog names a likely duplicate before making it (issue 11, defect
7); the bulk bar assigns, sets a field, deletes with Undo and exports; possible duplicates
are merged side by side."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import app.widgets.files as files
from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.records.duplicates import DuplicatesNote
from app.qt.core import QItemSelectionModel
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.records.support import (
    TIMEOUT_MS,
    click,
    open_dialog,
    open_page,
    save,
    server_record,
    type_into,
)
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in


def names(page: AccountsPage) -> list[str]:
    return [account.name for account in page.model.records()]


def select_rows(page: AccountsPage, rows: list[int]) -> None:
    selection = page.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    for row in rows:
        selection.select(page.model.index(row, 0), flags)


def duplicates_note(dialog: object) -> DuplicatesNote:
    note = getattr(dialog, "duplicates_note", None)
    assert isinstance(note, DuplicatesNote)
    return note


class TestALikelyDuplicateIsNamedBeforeItIsMade:
    def test_an_account_with_a_known_domain_waits_for_the_user(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        acme = company.create("accounts", name="Acme Robotics", domain="acmerobotics.com")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Acme Robotics Inc")
        type_into(dialog, "domain", "acmerobotics.com")
        dialog.save_button.click()
        qtbot.waitUntil(
            lambda: dialog.duplicates_note is not None and dialog.duplicates_note.isVisible(),
            timeout=TIMEOUT_MS,
        )
        note = duplicates_note(dialog)
        assert dialog.isVisible()  # nothing was made yet
        assert [m.id for m in note.matches] == [acme["id"]]
        assert "has the same domain" in note.findChild(type(note.title), "duplicateMatch").text()
        assert company.names("accounts") == ["Acme Robotics"]

        note.open_buttons[0].click()  # open the one that exists instead
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
        qtbot.waitUntil(
            lambda: page.detail.record is not None and page.detail.record.id == acme["id"],
            timeout=TIMEOUT_MS,
        )
        assert company.names("accounts") == ["Acme Robotics"]

    def test_create_anyway_makes_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("accounts", name="Globex", domain="globex.com")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Globex EU")
        type_into(dialog, "domain", "globex.com")
        dialog.save_button.click()
        qtbot.waitUntil(
            lambda: dialog.duplicates_note is not None and dialog.duplicates_note.isVisible(),
            timeout=TIMEOUT_MS,
        )
        with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
            duplicates_note(dialog).create_button.click()
        assert sorted(company.names("accounts")) == ["Globex", "Globex EU"]

    def test_a_rep_learns_of_a_colleagues_account_without_seeing_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        rep = company.add_user("rep", name="Riley Rep")
        company.create("accounts", name="Initech", domain="initech.com")  # the admin's
        sign_in(team_shell, qtbot, rep["email"], STRONG_PASSWORD)
        assert team_shell.main_window is not None
        page = team_shell.main_window.show_page("Accounts")
        assert isinstance(page, AccountsPage)
        wait_loaded(page.model, qtbot)
        qtbot.waitUntil(lambda: page.custom_fields is not None, timeout=TIMEOUT_MS)
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Initech")
        dialog.save_button.click()
        qtbot.waitUntil(
            lambda: dialog.duplicates_note is not None and dialog.duplicates_note.isVisible(),
            timeout=TIMEOUT_MS,
        )
        note = duplicates_note(dialog)
        assert not note.open_buttons  # theirs: named, not opened
        assert "owned by Olive Owner" in " ".join(
            label.text() for label in note.findChildren(type(note.title), "duplicateMatch")
        )

    def test_a_contact_with_a_known_email_is_named(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@ex.com")
        sign_in(team_shell, qtbot, company.email, STRONG_PASSWORD)
        assert team_shell.main_window is not None
        page = team_shell.main_window.show_page("Contacts")
        assert isinstance(page, ContactsPage)
        wait_loaded(page.model, qtbot)
        qtbot.waitUntil(lambda: page.custom_fields is not None, timeout=TIMEOUT_MS)
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "first_name", "Augusta")
        type_into(dialog, "last_name", "King")
        type_into(dialog, "email", "ada@ex.com")
        dialog.save_button.click()
        qtbot.waitUntil(
            lambda: dialog.duplicates_note is not None and dialog.duplicates_note.isVisible(),
            timeout=TIMEOUT_MS,
        )
        assert "has the same email" in " ".join(
            label.text()
            for label in duplicates_note(dialog).findChildren(
                type(duplicates_note(dialog).title), "duplicateMatch"
            )
        )

    def test_a_new_account_like_no_other_is_made_at_once(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("accounts", name="Umbrella", domain="umbrella.com")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Soylent")
        save(dialog, qtbot)
        assert sorted(company.names("accounts")) == ["Soylent", "Umbrella"]


@pytest.fixture
def company(solo_server: SoloServer) -> Tenant:
    tenant = sign_up(solo_server)
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        tenant.create("accounts", name=name, industry="Retail")
    return tenant


class TestTheBulkBar:
    def test_it_shows_for_two_or_more_and_assigns_them(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        rep = company.add_user("rep", name="Riley Rep")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        qtbot.waitUntil(lambda: page.owners.loaded, timeout=TIMEOUT_MS)
        bar = page.selection.bar
        select_rows(page, [0])
        assert not bar.isVisible()
        select_rows(page, [0, 2])
        assert bar.isVisible()
        assert bar.label.text() == "2 accounts selected"
        assert "Riley Rep" in [name for name, _id in bar.people()]

        action = next(a for a in bar.assign_menu.actions() if a.text() == "Riley Rep")
        action.trigger()
        qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=TIMEOUT_MS)
        assert page.banner.text() == "Gave 2 accounts to Riley Rep."
        wait_loaded(page.model, qtbot)
        owners = {a.name: a.owner_id for a in page.model.records()}
        assert owners["Alpha"] == owners["Charlie"] == rep["id"]
        assert owners["Bravo"] != rep["id"]
        column = page.model.OWNER_COLUMN
        assert page.model.index(0, column).data() == "Riley Rep"

    def test_set_a_field_of_all_of_them(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        select_rows(page, [1, 3])
        dialog = page.selection.open_set_field()
        assert dialog is not None
        item = dialog.choose("industry")
        assert "name" not in [e.key for e in dialog.entries]  # never one name for many
        editor = item.field.editor
        line = editor.lineEdit() if hasattr(editor, "lineEdit") else editor
        line.setText("Aerospace")
        with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
            dialog.save_button.click()
        wait_loaded(page.model, qtbot)
        industries = {a.name: a.industry for a in page.model.records()}
        assert industries == {
            "Alpha": "Retail",
            "Bravo": "Aerospace",
            "Charlie": "Retail",
            "Delta": "Aerospace",
        }

    def test_delete_asks_and_undo_brings_them_back(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        select_rows(page, [0, 1])
        page.selection.bar.delete_button.click()
        click(page.confirm_box, "Delete")
        qtbot.waitUntil(lambda: names(page) == ["Charlie", "Delta"], timeout=TIMEOUT_MS)
        assert page.banner.text() == "Moved 2 accounts to the trash."
        assert sorted(company.names("accounts")) == ["Charlie", "Delta"]

        page.banner.button.click()  # Undo
        qtbot.waitUntil(lambda: len(names(page)) == 4, timeout=TIMEOUT_MS)
        assert sorted(company.names("accounts")) == ["Alpha", "Bravo", "Charlie", "Delta"]

    def test_the_delete_key_deletes_the_selection(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        from app.qt.core import Qt

        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        page.table.setFocus()
        select_rows(page, [2, 3])
        qtbot.keyClick(page.table, Qt.Key.Key_Delete)
        click(page.confirm_box, "Delete")
        qtbot.waitUntil(lambda: names(page) == ["Alpha", "Bravo"], timeout=TIMEOUT_MS)

    def test_export_the_selection_and_the_view(
        self,
        team_shell: DesktopShell,
        qtbot: QtBot,
        company: Tenant,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        targets = iter([tmp_path / "picked", tmp_path / "view.csv"])

        def save_dialog(*_args: object) -> tuple[str, str]:
            return str(next(targets)), "CSV files (*.csv)"

        monkeypatch.setattr(files.QFileDialog, "getSaveFileName", save_dialog)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        select_rows(page, [0, 3])
        page.selection.bar.export_button.click()
        picked = tmp_path / "picked.csv"  # the ending is added
        qtbot.waitUntil(picked.exists, timeout=TIMEOUT_MS)
        with picked.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [row["name"] for row in rows] == ["Alpha", "Delta"]

        page.search_edit.setText("a")  # Alpha, Bravo, Charlie, Delta all have an a
        page.apply_filter()
        wait_loaded(page.model, qtbot)
        page.export_action.trigger()
        qtbot.waitUntil((tmp_path / "view.csv").exists, timeout=TIMEOUT_MS)
        with (tmp_path / "view.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [row["name"] for row in rows] == ["Alpha", "Bravo", "Charlie", "Delta"]


class TestMergingPossibleDuplicates:
    def test_two_accounts_with_one_domain_merge_into_one_with_the_values_chosen(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        old = company.create("accounts", name="Hooli", domain="hooli.com", city="Palo Alto")
        new = company.create("accounts", name="Hooli Inc", domain="hooli.com", industry="Tech")
        company.create("accounts", name="Pied Piper", domain="piedpiper.com")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        groups = page.find_duplicates()
        qtbot.waitUntil(lambda: groups.list.count() == 1, timeout=TIMEOUT_MS)
        assert groups.list.item(0).text() == "2 with the same domain: hooli.com"
        groups.merge_button.click()
        qtbot.waitUntil(lambda: page.selection.dialog is not groups, timeout=TIMEOUT_MS)
        merge = page.selection.dialog
        from app.features.records.merging import MergeDialog

        assert isinstance(merge, MergeDialog)
        assert [r.id for r in merge.records] == [old["id"], new["id"]]
        assert merge.winner().id == old["id"]
        assert not merge.cells["domain"][0].isEnabled()  # the same: nothing to choose
        merge.choose("name", 1)  # "Hooli Inc"
        merge.choose("industry", 1)
        with qtbot.waitSignal(merge.accepted, timeout=TIMEOUT_MS):
            merge.merge_button.click()
        kept = server_record(company, "accounts", old["id"])
        assert (kept["name"], kept["city"], kept["industry"]) == ("Hooli Inc", "Palo Alto", "Tech")
        gone = company.server.call("GET", f"/api/v1/accounts/{new['id']}", company.token)
        assert gone.status_code == 404
        qtbot.waitUntil(
            lambda: sorted(names(page)) == ["Hooli Inc", "Pied Piper"], timeout=TIMEOUT_MS
        )

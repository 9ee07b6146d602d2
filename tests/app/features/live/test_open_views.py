"""Open lists follow changes made elsewhere, through the real solo backend's live stream:
a changed account's row is replaced where it is, a deleted one's row goes, added ones
are announced ("1 new account — Show"), an open account's panel lists its contacts and
deals again when they change, and this window's own changes do no harm.

"Elsewhere" is another session of the same company, calling the API over HTTP.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.live import Change
from app.features.accounts.model import AccountsTableModel
from app.features.accounts.view import AccountsPage
from app.features.contacts.model import ContactsTableModel
from app.features.contacts.view import ContactsPage
from app.features.imports.view import ImportWizard
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.records.support import (
    TIMEOUT_MS,
    click,
    open_dialog,
    open_page,
    save,
    type_into,
)
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in

FILLERS = 52
"""More accounts than one page (50), so some are not loaded until scrolled to."""


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    """A company of this module: a few named accounts (first by name), then fillers."""
    tenant = sign_up(solo_server)
    for number in range(FILLERS):
        tenant.create("accounts", name=f"Filler {number:03d}")
    return tenant


def made_elsewhere(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """An account the other session adds before the page loads (named to sort first)."""
    return tenant.create("accounts", **fields)


def change(tenant: Tenant, kind: str, record_id: str, **fields: Any) -> None:
    """Change a record in the other session."""
    response = tenant.server.call("PATCH", f"/api/v1/{kind}/{record_id}", tenant.token, json=fields)
    assert response.status_code == 200, response.text


def delete(tenant: Tenant, kind: str, record_id: str) -> None:
    """Move a record to the trash in the other session."""
    response = tenant.server.call("DELETE", f"/api/v1/{kind}/{record_id}", tenant.token)
    assert response.status_code == 204, response.text


def following(shell: DesktopShell, qtbot: QtBot) -> list[Change]:
    """Wait until the window's live stream is open; the changes it hears from then on."""
    live = shell.live
    assert live is not None
    qtbot.waitUntil(lambda: live.connected, timeout=TIMEOUT_MS)
    heard: list[Change] = []
    live.changed.connect(heard.append)
    return heard


def live_echo(shell: DesktopShell, heard: list[Change], record_id: str) -> bool:
    """Whether the stream brought ``record_id``'s change back as this window's own."""
    client = shell.client
    assert client is not None
    return any(c.id == record_id and client.made(c.origin) for c in heard)


def resets_of(page: AccountsPage | ContactsPage) -> list[int]:
    """Counts the list's model resets (a reload) from now on."""
    resets: list[int] = []
    page.model.modelReset.connect(lambda: resets.append(1))
    return resets


def row_text(page: AccountsPage, record_id: str, column: int) -> str:
    row = page.model.row_of_id(record_id)
    assert row is not None, f"{record_id} is not listed"
    return str(page.model.index(row, column).data())


def selected_ids(page: AccountsPage) -> list[str]:
    rows = sorted({index.row() for index in page.table.selectionModel().selectedRows()})
    return [page.model.record_at(row).id for row in rows]


class TestAccountsListFollowsChanges:
    def test_a_change_elsewhere_replaces_the_row_in_place_and_refreshes_the_detail(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        cedar = made_elsewhere(tenant, name=f"Cedar {tag}", city="Oslo")
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        row = page.model.row_of_id(cedar["id"])
        assert row is not None
        page.table.selectRow(row)
        page.open_index(page.model.index(row, 0))
        assert page.detail.values()["Address"] == "Oslo"
        resets = resets_of(page)
        rows_before = page.model.rowCount()

        change(tenant, "accounts", cedar["id"], city="Bergen", industry="Timber")

        qtbot.waitUntil(
            lambda: row_text(page, cedar["id"], AccountsTableModel.CITY) == "Bergen",
            timeout=TIMEOUT_MS,
        )
        assert resets == []  # replaced in place: no reload
        assert page.model.row_of_id(cedar["id"]) == row
        assert page.model.rowCount() == rows_before
        assert row_text(page, cedar["id"], AccountsTableModel.INDUSTRY) == "Timber"
        assert selected_ids(page) == [cedar["id"]]
        assert page.detail.values()["Address"] == "Bergen"
        assert page.detail.values()["Industry"] == "Timber"
        assert not page.new_notice.isVisible()

    def test_a_deletion_elsewhere_removes_the_row_and_closes_its_detail(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        elm = made_elsewhere(tenant, name=f"Elm {tag}")
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        row = page.model.row_of_id(elm["id"])
        assert row is not None
        page.open_index(page.model.index(row, 0))
        resets = resets_of(page)
        rows_before = page.model.rowCount()

        delete(tenant, "accounts", elm["id"])

        qtbot.waitUntil(lambda: page.model.row_of_id(elm["id"]) is None, timeout=TIMEOUT_MS)
        assert resets == []
        assert page.model.rowCount() == rows_before - 1
        assert page.detail.isHidden()
        assert page.banner.text() == f"Elm {tag} was moved to the trash elsewhere."

    def test_an_account_added_elsewhere_is_announced_and_show_lists_it(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        resets = resets_of(page)
        rows_before = page.model.rowCount()
        assert not page.new_notice.isVisible()

        tag = uuid.uuid4().hex[:6]
        added = made_elsewhere(tenant, name=f"Aardvark {tag}")  # sorts first

        qtbot.waitUntil(page.new_notice.isVisible, timeout=TIMEOUT_MS)
        assert page.new_notice.label.text() == "1 new account"
        assert resets == []  # announced, not inserted: the list does not move
        assert page.model.rowCount() == rows_before
        assert page.model.row_of_id(added["id"]) is None

        page.new_notice.show_button.click()
        wait_loaded(page.model, qtbot)
        assert page.model.row_of_id(added["id"]) == 0
        assert not page.new_notice.isVisible()

    def test_a_resync_reloads_the_list_quietly(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        live = team_shell.live
        assert live is not None
        added = made_elsewhere(tenant, name=f"Aspen {uuid.uuid4().hex[:6]}")  # before it listens

        with qtbot.waitSignal(page.model.modelReset, timeout=TIMEOUT_MS):
            live.resync.emit()  # what the stream says when the server dropped changes

        wait_loaded(page.model, qtbot)
        assert page.model.row_of_id(added["id"]) is not None
        assert not page.banner.isVisible()


class TestTheNewRecordsNotice:
    """Issue 11, defect 5: it counts only records the list does not show, that the user
    may read and that the list would show."""

    def test_a_record_out_of_the_users_reach_is_not_counted(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        manager = company.add_user("manager")
        rep = company.add_user("rep")
        company.create("accounts", name="Mine already", owner_id=rep["id"])
        sign_in(team_shell, qtbot, rep["email"], STRONG_PASSWORD)
        assert team_shell.main_window is not None
        page = team_shell.main_window.show_page("Accounts")
        assert isinstance(page, AccountsPage)
        wait_loaded(page.model, qtbot)
        heard = following(team_shell, qtbot)

        # Made as the rep's, then given to the manager: the rep hears of it, cannot read it.
        passing = company.create("accounts", name="Passing through", owner_id=rep["id"])
        company.change("accounts", passing["id"], owner_id=manager["id"])
        qtbot.waitUntil(
            lambda: any(c.id == passing["id"] and c.created for c in heard), timeout=TIMEOUT_MS
        )
        staying = company.create("accounts", name="Staying", owner_id=rep["id"])
        qtbot.waitUntil(lambda: any(c.id == staying["id"] for c in heard), timeout=TIMEOUT_MS)

        qtbot.waitUntil(page.new_notice.isVisible, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not page.live_rows.reading, timeout=TIMEOUT_MS)
        assert page.new_notice.label.text() == "1 new account"
        page.new_notice.show_button.click()
        wait_loaded(page.model, qtbot)
        assert [a.name for a in page.model.records()] == ["Mine already", "Staying"]
        assert staying["id"] in {a.id for a in page.model.records()}

    def test_a_record_the_filtered_list_would_not_show_is_not_counted(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        heard = following(team_shell, qtbot)
        tag = uuid.uuid4().hex[:6]
        page.search_edit.setText(f"Oak {tag}")
        page.apply_filter()
        wait_loaded(page.model, qtbot)

        other = made_elsewhere(tenant, name=f"Birch {tag}")
        qtbot.waitUntil(lambda: any(c.id == other["id"] for c in heard), timeout=TIMEOUT_MS)
        oak = made_elsewhere(tenant, name=f"Oak {tag} Ltd")
        qtbot.waitUntil(lambda: any(c.id == oak["id"] for c in heard), timeout=TIMEOUT_MS)

        qtbot.waitUntil(page.new_notice.isVisible, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not page.live_rows.reading, timeout=TIMEOUT_MS)
        assert page.new_notice.label.text() == "1 new account"


class TestThisWindowsOwnChanges:
    def test_an_account_created_here_is_not_announced_as_new(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        heard = following(team_shell, qtbot)
        dialog = open_dialog(page, qtbot)
        name = f"Zz Own {uuid.uuid4().hex[:6]}"  # sorts after the first page of fillers
        type_into(dialog, "name", name)
        save(dialog, qtbot)
        created = page.detail.record
        assert created is not None
        assert created.name == name

        qtbot.waitUntil(
            lambda: any(c.id == created.id and c.created for c in heard), timeout=TIMEOUT_MS
        )
        assert live_echo(team_shell, heard, created.id)
        assert page.model.row_of_id(created.id) is None  # not on the first page
        assert not page.new_notice.isVisible()

    def test_an_edit_made_here_leaves_the_row_and_detail_as_saved(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        birch = made_elsewhere(tenant, name=f"Birch {uuid.uuid4().hex[:6]}")
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        echoes: list[Change] = []
        page.live_rows.ignored.connect(echoes.append)
        row = page.model.row_of_id(birch["id"])
        assert row is not None
        page.open_index(page.model.index(row, 0))
        dialog = open_dialog(page, qtbot, page.detail.record)
        type_into(dialog, "city", "Trondheim")
        save(dialog, qtbot)
        wait_loaded(page.model, qtbot)

        qtbot.waitUntil(lambda: any(c.id == birch["id"] for c in echoes), timeout=TIMEOUT_MS)
        assert not page.live_rows.reading  # its own change: not read again
        assert row_text(page, birch["id"], AccountsTableModel.CITY) == "Trondheim"
        assert page.detail.values()["Address"] == "Trondheim"
        assert not page.new_notice.isVisible()
        assert not page.banner.text().endswith("elsewhere.")

    def test_a_deletion_here_says_undo_not_elsewhere(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        oak = made_elsewhere(tenant, name=f"Bay Oak {uuid.uuid4().hex[:6]}")
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        echoes: list[Change] = []
        page.live_rows.ignored.connect(echoes.append)
        row = page.model.row_of_id(oak["id"])
        assert row is not None
        page.open_index(page.model.index(row, 0))
        page.detail.delete_button.click()
        click(page.confirm_box, "Delete")

        qtbot.waitUntil(
            lambda: any(c.id == oak["id"] and c.deleted for c in echoes), timeout=TIMEOUT_MS
        )
        qtbot.waitUntil(lambda: page.banner.button.text() == "Undo", timeout=TIMEOUT_MS)
        wait_loaded(page.model, qtbot)
        assert page.model.row_of_id(oak["id"]) is None
        assert page.banner.text() == f"Moved {oak['name']} to the trash."


class TestContactsListFollowsChanges:
    def test_a_contact_changed_elsewhere_is_replaced_in_place(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        ada = tenant.create("contacts", first_name="Ada", last_name=f"Aalto {tag}")
        page: ContactsPage = open_page(team_shell, qtbot, tenant, "Contacts")
        following(team_shell, qtbot)
        resets = resets_of(page)

        change(tenant, "contacts", ada["id"], title="Chief Engineer")
        other = tenant.create("accounts", name=f"Not a contact {tag}")  # another kind

        def title() -> str:
            row = page.model.row_of_id(ada["id"])
            assert row is not None
            return str(page.model.index(row, ContactsTableModel.TITLE).data())

        qtbot.waitUntil(lambda: title() == "Chief Engineer", timeout=TIMEOUT_MS)
        assert resets == []
        assert page.model.row_of_id(other["id"]) is None
        assert not page.new_notice.isVisible()


class TestImportButton:
    def test_import_csv_opens_the_wizard_and_its_records_are_not_announced(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant, tmp_path: Path
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        heard = following(team_shell, qtbot)
        assert page.import_button.isVisible()
        assert page.import_button.text() == "Import CSV…"

        page.import_button.click()

        wizard = page.import_dialog
        assert isinstance(wizard, ImportWizard)
        assert wizard.isVisible()
        assert wizard.file_step.kind() == "account"
        tag = uuid.uuid4().hex[:6]
        path = tmp_path / "accounts.csv"
        path.write_text(f"Name,City\nZz Imported {tag},Tromsø\n", encoding="utf-8")
        assert wizard.set_file(path)
        wizard.next_button.click()
        qtbot.waitUntil(lambda: wizard.current_step() == wizard.MAPPING, timeout=TIMEOUT_MS)
        with qtbot.waitSignal(page.model.modelReset, timeout=TIMEOUT_MS):  # the list reloads
            wizard.next_button.click()
            qtbot.waitUntil(lambda: wizard.current_step() == wizard.SUMMARY, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: any(c.created for c in heard), timeout=TIMEOUT_MS)
        wizard.next_button.click()  # Done
        qtbot.waitUntil(lambda: page.import_dialog is None, timeout=TIMEOUT_MS)

        assert not page.new_notice.isVisible()

    def test_contacts_open_the_wizard_on_contacts(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: ContactsPage = open_page(team_shell, qtbot, tenant, "Contacts")
        page.import_button.click()
        wizard = page.import_dialog
        assert isinstance(wizard, ImportWizard)
        assert wizard.file_step.kind() == "contact"
        wizard.cancel_button.click()
        qtbot.waitUntil(lambda: page.import_dialog is None, timeout=TIMEOUT_MS)


class TestTheWindowsStream:
    def test_it_runs_while_signed_in_and_stops_at_sign_out(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        open_page(team_shell, qtbot, tenant, "Accounts")
        live = team_shell.live
        assert live is not None
        qtbot.waitUntil(lambda: live.connected, timeout=TIMEOUT_MS)

        with qtbot.waitSignal(team_shell.login_shown, timeout=TIMEOUT_MS):
            team_shell.sign_out()

        assert not live.connected
        assert team_shell.live is None


def contact_names(page: AccountsPage) -> list[str]:
    """The names of the contacts the account's panel lists."""
    return [label.text().split("\n")[0] for label in page.detail.contact_labels]


def open_account(page: AccountsPage, qtbot: QtBot, account: dict[str, Any]) -> None:
    """Show ``account`` beside the list and wait for its contacts and deals."""
    row = page.model.row_of_id(account["id"])
    assert row is not None
    page.open_index(page.model.index(row, 0))
    qtbot.waitUntil(lambda: "Loading" not in page.detail.status_label.text(), timeout=TIMEOUT_MS)


class TestAccountPanelFollowsItsContactsAndDeals:
    def test_a_contact_added_and_a_deal_changed_elsewhere_show_in_the_open_panel(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        account = made_elsewhere(tenant, name=f"Aalborg {tag}")
        tenant.create("contacts", first_name="Ada", last_name="Aalto", account_id=account["id"])
        deal = tenant.create(
            "opportunities", name="Renewal", account_id=account["id"], amount="100.00"
        )
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        open_account(page, qtbot, account)
        assert contact_names(page) == ["Ada Aalto"]
        assert page.detail.amounts() == {"Renewal": "$100.00"}
        resets = resets_of(page)

        tenant.create("contacts", first_name="Bo", last_name="Berg", account_id=account["id"])
        change(tenant, "opportunities", deal["id"], amount="2500.00")

        qtbot.waitUntil(lambda: contact_names(page) == ["Ada Aalto", "Bo Berg"], timeout=TIMEOUT_MS)
        qtbot.waitUntil(
            lambda: page.detail.amounts() == {"Renewal": "$2,500.00"}, timeout=TIMEOUT_MS
        )
        assert resets == []  # the list beside it stays as it is
        assert page.detail.isVisible()
        assert page.detail.name_label.text() == account["name"]
        assert not page.banner.isVisible()

    def test_a_contact_deleted_elsewhere_leaves_the_panel(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        account = made_elsewhere(tenant, name=f"Aarhus {uuid.uuid4().hex[:6]}")
        leaving = tenant.create("contacts", last_name="Leaving", account_id=account["id"])
        tenant.create("contacts", last_name="Staying", account_id=account["id"])
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        following(team_shell, qtbot)
        open_account(page, qtbot, account)
        assert contact_names(page) == ["Leaving", "Staying"]

        delete(tenant, "contacts", leaving["id"])

        qtbot.waitUntil(lambda: contact_names(page) == ["Staying"], timeout=TIMEOUT_MS)

    def test_a_burst_of_changes_reloads_the_panel_once(
        self,
        team_shell: DesktopShell,
        qtbot: QtBot,
        tenant: Tenant,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        account = made_elsewhere(tenant, name=f"Aachen {uuid.uuid4().hex[:6]}")
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        live = team_shell.live
        assert live is not None
        open_account(page, qtbot, account)
        reloads: list[str] = []
        load = page.load_relations

        def counted(record: Any) -> None:
            reloads.append(record.id)
            load(record)

        monkeypatch.setattr(page, "load_relations", counted)

        for number in range(5):  # what the stream says of an import of five contacts
            live.changed.emit(Change("crm.contact.created", "contact", f"c{number}"))
        live.changed.emit(Change("crm.opportunity.updated", "opportunity", "o1"))
        live.changed.emit(Change("crm.account.updated", "account", "elsewhere"))
        live.changed.emit(Change("crm.contact.deleted", "contact", "not-listed"))

        qtbot.waitUntil(lambda: bool(reloads), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not page.related_reload_pending, timeout=TIMEOUT_MS)
        assert reloads == [account["id"]]

    def test_a_closed_panel_is_not_reloaded(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        live = team_shell.live
        assert live is not None
        assert page.detail.isHidden()

        live.changed.emit(Change("crm.contact.created", "contact", "someone"))

        assert not page.related_reload_pending

    def test_a_contact_edited_in_this_window_does_no_harm(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        account = made_elsewhere(tenant, name=f"Aabenraa {uuid.uuid4().hex[:6]}")
        tenant.create("contacts", last_name="Own", account_id=account["id"])
        page: AccountsPage = open_page(team_shell, qtbot, tenant, "Accounts")
        heard = following(team_shell, qtbot)
        window = team_shell.main_window
        assert window is not None
        contacts = window.show_page("Contacts")
        assert isinstance(contacts, ContactsPage)
        wait_loaded(contacts.model, qtbot)
        window.show_page("Accounts")
        open_account(page, qtbot, account)
        resets = resets_of(page)
        assert contact_names(page) == ["Own"]

        row = next(
            r for r, c in enumerate(contacts.model.records()) if c.account_id == account["id"]
        )
        contacts.open_index(contacts.model.index(row, 0))
        contact = contacts.detail.record
        dialog = open_dialog(contacts, qtbot, contact)
        type_into(dialog, "last_name", "Ownsworth")
        save(dialog, qtbot)

        qtbot.waitUntil(lambda: any(c.id == contact.id for c in heard), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: contact_names(page) == ["Ownsworth"], timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not page.related_reload_pending, timeout=TIMEOUT_MS)
        assert resets == []
        assert page.detail.name_label.text() == account["name"]
        assert not page.banner.isVisible()
        assert page.detail.status_label.isHidden()


class TestContactsAccountColumnFollowsChanges:
    def test_a_contact_moved_to_another_account_elsewhere_shows_its_new_account(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        first = tenant.create("accounts", name=f"First {tag}")
        second = tenant.create("accounts", name=f"Second {tag}")
        ada = tenant.create(
            "contacts", first_name="Ada", last_name=f"Aaberg {tag}", account_id=first["id"]
        )
        page: ContactsPage = open_page(team_shell, qtbot, tenant, "Contacts")
        following(team_shell, qtbot)

        def account_shown() -> str:
            row = page.model.row_of_id(ada["id"])
            assert row is not None
            return str(page.model.index(row, ContactsTableModel.ACCOUNT).data())

        qtbot.waitUntil(lambda: account_shown() == first["name"], timeout=TIMEOUT_MS)

        change(tenant, "contacts", ada["id"], account_id=second["id"])

        qtbot.waitUntil(lambda: account_shown() == second["name"], timeout=TIMEOUT_MS)

    def test_an_account_renamed_elsewhere_is_renamed_in_the_column(
        self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        account = tenant.create("accounts", name=f"Old name {tag}")
        ada = tenant.create(
            "contacts", first_name="Ada", last_name=f"Aabye {tag}", account_id=account["id"]
        )
        page: ContactsPage = open_page(team_shell, qtbot, tenant, "Contacts")
        following(team_shell, qtbot)
        row = page.model.row_of_id(ada["id"])
        assert row is not None
        cell = page.model.index(row, ContactsTableModel.ACCOUNT)
        qtbot.waitUntil(lambda: cell.data() == f"Old name {tag}", timeout=TIMEOUT_MS)
        resets = resets_of(page)

        change(tenant, "accounts", account["id"], name=f"New name {tag}")

        qtbot.waitUntil(lambda: cell.data() == f"New name {tag}", timeout=TIMEOUT_MS)
        assert resets == []

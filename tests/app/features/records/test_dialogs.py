"""How the record dialogs behave under the keyboard and the mouse: the first field has
the cursor, nothing typed is lost by a key press or a close, the form does not move when
an error comes or goes (issue 11, defects 1 to 3)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.records.form import RecordDialog
from app.qt.core import Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.records.support import (
    TIMEOUT_MS,
    open_dialog,
    open_page,
    server_record,
    type_into,
    wait_idle,
)
from tests.app.support import SoloServer


@pytest.fixture
def company(solo_server: SoloServer) -> Tenant:
    tenant = sign_up(solo_server)
    tenant.create("accounts", name="Acme", domain="acme.example")
    return tenant


@pytest.fixture
def page(team_shell: DesktopShell, qtbot: QtBot, company: Tenant) -> AccountsPage:
    opened: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
    return opened


def edit_acme(page: AccountsPage, qtbot: QtBot) -> RecordDialog:
    page.open_index(page.model.index(0, 0))
    return open_dialog(page, qtbot, page.detail.record)


class TestAfterAConflict:
    def test_reload_leaves_the_cursor_where_enter_saves_the_edit(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        dialog = edit_acme(page, qtbot)
        acme = dialog.record
        assert acme is not None
        elsewhere = company.server.call(
            "PATCH", f"/api/v1/accounts/{acme.id}", company.token, json={"industry": "Chemicals"}
        )
        assert elsewhere.status_code == 200, elsewhere.text
        type_into(dialog, "city", "Lyon")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.banner.button.isVisible(), timeout=TIMEOUT_MS)
        dialog.banner.button.click()  # Reload
        qtbot.waitUntil(lambda: dialog.values()["industry"] == "Chemicals", timeout=TIMEOUT_MS)

        focused = dialog.focusWidget()
        assert focused is dialog.field("city").editor  # the field the user changed
        with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
            qtbot.keyClick(focused, Qt.Key.Key_Return)
        assert server_record(company, "accounts", acme.id)["city"] == "Lyon"


class TestClosingWithUnsavedChanges:
    @pytest.mark.parametrize("how", ["escape", "cancel", "close"])
    def test_it_asks_before_throwing_the_edit_away(
        self, page: AccountsPage, qtbot: QtBot, how: str
    ) -> None:
        dialog = edit_acme(page, qtbot)
        type_into(dialog, "city", "Lyon")
        if how == "escape":
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        elif how == "cancel":
            dialog.cancel_button.click()
        else:
            dialog.close()
        box = dialog.discard_box
        assert box is not None
        assert box.isVisible()
        assert dialog.isVisible()
        box.cancel_button.click()  # "Keep editing"
        assert box.cancel_button.text() == "Keep editing"
        assert dialog.isVisible()
        assert dialog.values()["city"] == "Lyon"

        dialog.reject()
        assert dialog.discard_box is not None
        with qtbot.waitSignal(dialog.rejected, timeout=TIMEOUT_MS):
            dialog.discard_box.confirm_button.click()  # "Discard changes"
        assert not dialog.isVisible()

    def test_without_changes_it_closes_at_once(self, page: AccountsPage, qtbot: QtBot) -> None:
        dialog = edit_acme(page, qtbot)
        with qtbot.waitSignal(dialog.rejected, timeout=TIMEOUT_MS):
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.discard_box is None


class TestTheFirstField:
    def test_typing_at_once_fills_the_name_and_tab_goes_to_the_domain(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        dialog = open_dialog(page, qtbot)
        focused = dialog.focusWidget()
        assert focused is dialog.field("name").editor
        qtbot.keyClicks(focused, "Acme Robotics")
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "acmerobotics.com")
        values = dialog.values()
        assert (values["name"], values["domain"]) == ("Acme Robotics", "acmerobotics.com")

    def test_the_contact_form_starts_at_the_first_name(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant, page: AccountsPage
    ) -> None:
        assert team_shell.main_window is not None
        contacts = team_shell.main_window.show_page("Contacts")
        assert isinstance(contacts, ContactsPage)
        qtbot.waitUntil(lambda: contacts.custom_fields is not None, timeout=TIMEOUT_MS)
        dialog = open_dialog(contacts, qtbot)
        assert dialog.focusWidget() is dialog.field("first_name").editor


class TestErrorsDoNotMoveTheForm:
    def test_an_error_appearing_and_going_leaves_every_field_in_place(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        dialog = open_dialog(page, qtbot)
        fields = [dialog.field(key) for key in ("name", "domain", "industry", "street")]

        def places() -> list[tuple[int, int]]:
            return [(f.mapTo(dialog, f.rect().topLeft()).y(), f.height()) for f in fields]

        before, height = places(), dialog.height()
        type_into(dialog, "domain", "not a domain")
        dialog.save_button.click()  # the name is missing: said at once
        assert dialog.field("name").error() == "Enter the account's name."
        assert places() == before
        assert dialog.height() == height

        type_into(dialog, "name", "Umbrella")  # typing clears its error
        assert dialog.field("name").error() == ""
        dialog.save_button.click()  # now the server objects to the domain
        wait_idle(dialog, qtbot)
        assert dialog.field("domain").error() != ""
        assert places() == before
        assert dialog.height() == height

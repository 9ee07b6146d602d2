"""Creating and editing accounts on the Accounts page, against the real solo backend."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.accounts.view import AccountsPage
from app.shell import DesktopShell
from tests.app.crm_support import sign_up, wait_loaded
from tests.app.features.records.support import (
    TIMEOUT_MS,
    add_custom_field,
    open_dialog,
    open_page,
    save,
    server_record,
    type_into,
)
from tests.app.support import SoloServer


def names(page: AccountsPage) -> list[str]:
    return [account.name for account in page.model.records()]


class TestNewAccount:
    def test_a_created_account_appears_in_the_list_and_the_detail(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        company.create("accounts", name="Zenith")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        assert page.new_button.text() == "New account"

        dialog = open_dialog(page, qtbot)
        assert dialog.windowTitle() == "New account"
        type_into(dialog, "name", "Acme Rockets")
        type_into(dialog, "domain", "https://www.Acme-Rockets.example/about")
        type_into(dialog, "size", "1,200")
        type_into(dialog, "country", "France")
        save(dialog, qtbot)

        assert page.banner.text() == "Created Acme Rockets."
        qtbot.waitUntil(lambda: "Acme Rockets" in names(page), timeout=TIMEOUT_MS)
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Acme Rockets", "Zenith"]
        assert page.table.selectionModel().selectedRows()[0].row() == 0
        assert page.detail.isVisible()
        assert page.detail.name_label.text() == "Acme Rockets"
        shown = page.detail.values()
        assert shown["Domain"] == "acme-rockets.example"  # as the server keeps it
        assert shown["Employees"] == "1,200"
        assert shown["Country"] == "France"


class TestEditAccount:
    def test_only_what_changed_is_sent_and_the_list_shows_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        made = company.create("accounts", name="Acme", industry="Rockets", city="Lyon")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        page.open_index(page.model.index(0, 0))
        page.detail.edit_button.click()
        qtbot.waitUntil(lambda: page.dialog is not None, timeout=TIMEOUT_MS)
        dialog = page.dialog
        assert dialog is not None
        assert dialog.values()["industry"] == "Rockets"
        assert dialog.changes() == {}

        type_into(dialog, "industry", "")
        type_into(dialog, "name", "Acme Corp")
        assert dialog.changes() == {"name": "Acme Corp", "industry": None}
        save(dialog, qtbot)

        saved = server_record(company, "accounts", made["id"])
        assert (saved["name"], saved["industry"], saved["city"]) == ("Acme Corp", None, "Lyon")
        assert saved["version"] == made["version"] + 1
        qtbot.waitUntil(lambda: names(page) == ["Acme Corp"], timeout=TIMEOUT_MS)
        assert page.detail.values()["Industry"] == "—"

    def test_nothing_changed_is_said_and_nothing_sent(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        made = company.create("accounts", name="Acme")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        page.open_index(page.model.index(0, 0))
        dialog = open_dialog(page, qtbot, page.detail.record)
        dialog.save_button.click()
        assert dialog.banner.text() == "Nothing has changed."
        assert dialog.save_button.isEnabled()
        assert server_record(company, "accounts", made["id"])["version"] == made["version"]


class TestAccountDetailCustomFields:
    def test_the_detail_shows_the_custom_fields_in_their_order(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        add_custom_field(company, "account", "tier", "Tier", "select", options=("Gold",))
        add_custom_field(company, "account", "partner", "Partner", "boolean", position=2)
        add_custom_field(
            company,
            "account",
            "regions",
            "Regions",
            "multi_select",
            options=("EMEA", "APAC"),
            position=1,
        )
        company.create(
            "accounts",
            name="Acme",
            custom_fields={"tier": "Gold", "partner": False, "regions": ["EMEA", "APAC"]},
        )
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        page.open_index(page.model.index(0, 0))
        detail = page.detail
        qtbot.waitUntil(lambda: not detail.status_label.isVisible(), timeout=TIMEOUT_MS)
        shown = list(detail.values().items())
        assert shown[5:] == [
            ("Tier", "Gold"),
            ("Regions", "EMEA, APAC"),
            ("Partner", "No"),
            ("Updated", shown[-1][1]),
        ]

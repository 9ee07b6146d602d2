"""Editing records on the Accounts page against the real solo backend: the server's
objections beside their fields, a stale version, the trash with Undo, custom fields of
every type, and saved views."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.records import ACCOUNTS, STALE_WRITE, RecordsApi
from app.errors import UserMessage
from app.features.accounts.ops import AccountRecordOps
from app.features.accounts.view import AccountsPage
from app.features.records.form import CONFLICT_TEXT
from app.features.records.views import describe_condition
from app.ops import Operations
from app.shell import DesktopShell
from app.widgets.record_form import CheckInput, ChoiceInput, MultiChoiceInput, OptionalDateInput
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.records.support import (
    TIMEOUT_MS,
    add_custom_field,
    click,
    open_dialog,
    open_page,
    save,
    server_record,
    type_into,
    wait_idle,
)
from tests.app.support import STRONG_PASSWORD, SoloServer


def names(page: AccountsPage) -> list[str]:
    return [account.name for account in page.model.records()]


def select(page: AccountsPage, name: str) -> None:
    row = names(page).index(name)
    page.open_index(page.model.index(row, 0))


@pytest.fixture
def company(solo_server: SoloServer) -> Tenant:
    """A company of its own per test, with two accounts."""
    tenant = sign_up(solo_server)
    tenant.create("accounts", name="Acme", domain="acme.example", size=1200, postal_code="10001")
    tenant.create("accounts", name="Globex", city="Springfield")
    return tenant


@pytest.fixture
def page(team_shell: DesktopShell, qtbot: QtBot, company: Tenant) -> AccountsPage:
    opened: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
    return opened


class TestServerObjectionsBesideTheField:
    def test_an_invalid_domain_shows_beside_domain_and_nothing_typed_is_lost(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Umbrella")
        type_into(dialog, "domain", "not a domain")
        type_into(dialog, "city", "Raccoon City")

        dialog.save_button.click()
        assert dialog.save_button.text() == "Saving…"  # until the server answers
        assert not dialog.save_button.isEnabled()
        wait_idle(dialog, qtbot)

        assert dialog.field("domain").error() == "This is not a domain name such as acme.com."
        assert dialog.field("name").error() == ""
        assert dialog.field("city").error() == ""
        assert dialog.isVisible()
        assert dialog.save_button.text() == "Create account"
        values = dialog.values()
        assert (values["name"], values["domain"], values["city"]) == (
            "Umbrella",
            "not a domain",
            "Raccoon City",
        )
        assert "Umbrella" not in names(page)

    def test_a_name_too_long_shows_beside_name(self, page: AccountsPage, qtbot: QtBot) -> None:
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "N" * 201)
        dialog.save_button.click()
        wait_idle(dialog, qtbot)
        assert dialog.field("name").error() == "Must have at most 200 characters."
        assert dialog.values()["name"] == "N" * 201

    def test_a_missing_name_is_said_before_asking_the_server(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "domain", "acme.example")
        dialog.save_button.click()
        assert dialog.field("name").error() == "Enter the account's name."
        assert dialog.save_button.isEnabled()


class TestStaleVersion:
    def test_a_change_made_meanwhile_is_reported_and_reload_keeps_what_was_typed(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        select(page, "Acme")
        dialog = open_dialog(page, qtbot, page.detail.record)
        acme = page.detail.record
        assert acme is not None
        elsewhere = company.server.call(
            "PATCH",
            f"/api/v1/accounts/{acme.id}",
            company.token,
            json={"industry": "Chemicals"},
        )
        assert elsewhere.status_code == 200, elsewhere.text

        type_into(dialog, "city", "Lyon")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=TIMEOUT_MS)
        assert dialog.banner.text() == CONFLICT_TEXT
        assert dialog.banner.button.text() == "Reload"
        assert dialog.values()["city"] == "Lyon"
        assert server_record(company, "accounts", acme.id)["city"] is None

        dialog.banner.button.click()
        qtbot.waitUntil(lambda: dialog.values()["industry"] == "Chemicals", timeout=TIMEOUT_MS)
        assert dialog.values()["city"] == "Lyon"  # the user's change stays

        save(dialog, qtbot)
        saved = server_record(company, "accounts", acme.id)
        assert (saved["city"], saved["industry"]) == ("Lyon", "Chemicals")
        assert page.banner.text() == "Saved the changes to Acme."


class TestTrashAndUndo:
    def test_delete_asks_moves_to_the_trash_and_undo_brings_it_back(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        select(page, "Globex")
        globex = page.detail.record
        assert globex is not None
        page.detail.delete_button.click()
        assert page.confirm_box is not None
        assert page.confirm_box.text() == "Delete Globex?"
        click(page.confirm_box, "Delete")

        qtbot.waitUntil(lambda: "trash" in page.banner.text(), timeout=TIMEOUT_MS)
        assert page.banner.text() == "Moved Globex to the trash."
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Acme"]
        assert not page.detail.isVisible()
        assert company.names("accounts", trash="true") == ["Globex"]

        assert page.banner.button.text() == "Undo"
        page.banner.button.click()
        qtbot.waitUntil(lambda: page.banner.text() == "Restored Globex.", timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: names(page) == ["Acme", "Globex"], timeout=TIMEOUT_MS)
        assert page.detail.isVisible()
        assert page.detail.name_label.text() == "Globex"
        assert company.names("accounts", trash="true") == []

    def test_a_record_changed_meanwhile_is_not_deleted_and_reload_shows_the_change(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        select(page, "Globex")
        globex = page.detail.record
        assert globex is not None
        elsewhere = company.server.call(
            "PATCH", f"/api/v1/accounts/{globex.id}", company.token, json={"city": "Shelbyville"}
        )
        assert elsewhere.status_code == 200, elsewhere.text
        page.detail.delete_button.click()
        click(page.confirm_box, "Delete")

        qtbot.waitUntil(lambda: page.banner.button.text() == "Reload", timeout=TIMEOUT_MS)
        assert page.banner.text().startswith("Someone else changed Globex")
        assert company.names("accounts") == ["Acme", "Globex"]
        page.banner.button.click()
        # (The open detail may show the change before: the live stream brings it too.)
        qtbot.waitUntil(lambda: not page.banner.isVisible(), timeout=TIMEOUT_MS)
        assert page.detail.values().get("Address") == "Shelbyville"

    def test_cancel_keeps_the_record(self, page: AccountsPage, qtbot: QtBot) -> None:
        select(page, "Globex")
        page.detail.delete_button.click()
        click(page.confirm_box, "Cancel")
        assert names(page) == ["Acme", "Globex"]
        assert not page.banner.isVisible()


class TestCustomFields:
    def test_every_type_of_custom_field_is_edited_saved_and_shown(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        add_custom_field(company, "account", "tier", "Tier", "select", options=("Gold", "Silver"))
        add_custom_field(company, "account", "seats", "Seats", "number", position=1)
        add_custom_field(company, "account", "renewal", "Renewal", "date", position=2)
        add_custom_field(company, "account", "strategic", "Strategic", "boolean", position=3)
        add_custom_field(
            company, "account", "regions", "Regions", "multi_select", options=("EMEA", "APAC")
        )
        add_custom_field(company, "account", "note", "Note", "text", position=5)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")

        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Initech")
        tier = dialog.field("custom_fields.tier").editor
        assert isinstance(tier, ChoiceInput)
        tier.setCurrentIndex(tier.findData("Silver"))
        type_into(dialog, "custom_fields.seats", "12.50")
        renewal = dialog.field("custom_fields.renewal").editor
        assert isinstance(renewal, OptionalDateInput)
        renewal.set_value("2027-01-31")
        strategic = dialog.field("custom_fields.strategic").editor
        assert isinstance(strategic, CheckInput)
        strategic.setChecked(True)
        regions = dialog.field("custom_fields.regions").editor
        assert isinstance(regions, MultiChoiceInput)
        regions.set_value(["APAC"])
        type_into(dialog, "custom_fields.note", "Met at the fair")
        save(dialog, qtbot)

        wait_loaded(page.model, qtbot)
        initech = page.model.records()[0]
        assert initech.custom_fields == {
            "tier": "Silver",
            "seats": "12.50",
            "renewal": "2027-01-31",
            "strategic": True,
            "regions": ["APAC"],
            "note": "Met at the fair",
        }
        shown = page.detail.values()
        assert shown["Tier"] == "Silver"
        assert shown["Seats"] == "12.50"
        assert shown["Renewal"] == "2027-01-31"
        assert shown["Strategic"] == "Yes"
        assert shown["Regions"] == "APAC"
        assert shown["Note"] == "Met at the fair"

    def test_a_number_that_is_not_one_is_said_beside_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        add_custom_field(company, "account", "seats", "Seats", "number")
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Initech")
        type_into(dialog, "custom_fields.seats", "a dozen")
        dialog.save_button.click()
        assert dialog.field("custom_fields.seats").error() == "Enter a number such as 12.5."

    def test_a_required_select_left_empty_is_refused_by_the_server_beside_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        add_custom_field(company, "account", "tier", "Tier", "select", options=("Gold",))
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        # Made required after the page read the definitions: only the server knows.
        field_id = company.server.call(
            "GET", "/api/v1/custom-fields", company.token, params={"object_type": "account"}
        ).json()["items"][0]["id"]
        company.server.call(
            "PATCH", f"/api/v1/custom-fields/{field_id}", company.token, json={"required": True}
        )
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "name", "Initech")
        dialog.save_button.click()
        wait_idle(dialog, qtbot)
        assert dialog.field("custom_fields.tier").error() == "This is required."


class TestSavedViews:
    def test_save_reload_choose_and_delete_a_view(
        self, page: AccountsPage, qtbot: QtBot, team_shell: DesktopShell, company: Tenant
    ) -> None:
        page.search_edit.setText("acm")
        page.apply_filter()
        wait_loaded(page.model, qtbot)
        page.views_bar.column_actions["industry"].setChecked(False)
        assert page.table.isColumnHidden(page.model.INDUSTRY)

        view_dialog = page.open_save_view_dialog()
        assert view_dialog is not None
        assert view_dialog.summary_labels["Filters"].text() == 'Name, domain or city contains "acm"'
        view_dialog.name_edit.setText("Acme-ish")
        view_dialog.save_button.click()
        qtbot.waitUntil(lambda: len(page.views_bar.views()) == 1, timeout=TIMEOUT_MS)
        assert page.views_bar.current_view() is not None
        assert page.views_bar.combo.currentText() == "Acme-ish"

        # A page opened afresh (as after signing in again) lists the view.
        assert team_shell.signed_in is not None
        assert team_shell.main_window is not None
        assert page.records is not None
        fresh = AccountsPage(AccountRecordOps(team_shell.signed_in.client, page.records.ops))
        team_shell.main_window.add_page("Accounts again", "accounts", fresh)
        team_shell.main_window.show_page("Accounts again")
        wait_loaded(fresh.model, qtbot)
        qtbot.waitUntil(lambda: fresh.views_bar.combo.count() == 3, timeout=TIMEOUT_MS)
        assert names(fresh) == ["Acme", "Globex"]
        assert fresh.views_bar.combo.itemText(0) == "All accounts"

        saved = fresh.views_bar.combo.count() - 1  # after "All" and "My accounts"
        fresh.views_bar.combo.setCurrentIndex(saved)
        with qtbot.waitSignal(fresh.model.first_page_wanted):
            fresh.views_bar.combo.activated.emit(saved)
        wait_loaded(fresh.model, qtbot)
        assert names(fresh) == ["Acme"]
        assert fresh.search_edit.text() == "acm"
        assert fresh.table.isColumnHidden(fresh.model.INDUSTRY)
        assert not fresh.table.isColumnHidden(fresh.model.DOMAIN)

        fresh.views_bar.delete_action.trigger()
        click(fresh.confirm_box, "Delete view")
        qtbot.waitUntil(lambda: fresh.views_bar.combo.count() == 2, timeout=TIMEOUT_MS)
        wait_loaded(fresh.model, qtbot)
        assert names(fresh) == ["Acme", "Globex"]
        assert not fresh.table.isColumnHidden(fresh.model.INDUSTRY)
        views = company.server.call(
            "GET", "/api/v1/views", company.token, params={"object_type": "account"}
        )
        assert views.json()["items"] == []

    def test_a_view_made_elsewhere_with_other_conditions_filters_on_the_server(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        made = company.server.call(
            "POST",
            "/api/v1/views",
            company.token,
            json={
                "object_type": "account",
                "name": "Big ones",
                "filters": ["size:gte:1000", "postal_code:eq:10001"],
                "sort": "-name",
            },
        )
        assert made.status_code == 201, made.text
        page.load_views()
        qtbot.waitUntil(lambda: page.views_bar.combo.count() == 3, timeout=TIMEOUT_MS)
        page.views_bar.choose(made.json()["id"])
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Acme"]
        assert page.model.sort_key == "-name"
        # A number reads as people write it; text that looks like one stays quoted text.
        assert page.fixed_label.text() == 'Employees is at least 1,000 · Postal code is "10001"'

        page.views_bar.choose(None)
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Acme", "Globex"]
        assert page.fixed_label.isHidden()

    def test_a_view_needs_a_name(self, page: AccountsPage, qtbot: QtBot) -> None:
        view_dialog = page.open_save_view_dialog()
        assert view_dialog is not None
        view_dialog.save_button.click()
        assert view_dialog.name_field.error() == "Give the view a name."

    def test_a_name_too_long_is_refused_beside_it(self, page: AccountsPage, qtbot: QtBot) -> None:
        view_dialog = page.open_save_view_dialog()
        assert view_dialog is not None
        view_dialog.name_edit.setText("v" * 201)
        view_dialog.save_button.click()
        qtbot.waitUntil(lambda: bool(view_dialog.name_field.error()), timeout=TIMEOUT_MS)
        assert view_dialog.name_field.error() == "Must have at most 200 characters."
        assert view_dialog.isVisible()


class TestStaleWriteWording:
    def test_a_change_refused_with_412_reads_as_someone_else_changed_it(
        self, company: Tenant, ops: Operations, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        client = GatewayClient(solo_server.url)
        signing_in = ops.run(AuthApi(client).sign_in(company.email, STRONG_PASSWORD))
        qtbot.waitUntil(signing_in.done, timeout=TIMEOUT_MS)
        account = company.create("accounts", name="Initech")
        change = {"city": "Austin"}
        elsewhere = company.server.call(
            "PATCH", f"/api/v1/accounts/{account['id']}", company.token, json=change
        )
        assert elsewhere.status_code == 200, elsewhere.text
        failures: list[UserMessage] = []

        stale = RecordsApi(client).update(ACCOUNTS, account["id"], change, account["version"])
        ops.run(stale, on_failure=failures.append)
        qtbot.waitUntil(lambda: bool(failures), timeout=TIMEOUT_MS)
        closing = ops.run(client.aclose())
        qtbot.waitUntil(closing.done, timeout=TIMEOUT_MS)

        message = failures[0]
        assert message.code == STALE_WRITE
        assert message.title == "Someone else changed this record since you opened it."
        assert message.text == "Reload it and try again."
        assert message.fields == {}  # not "A field needs attention" (the If-Match header)
        assert "HTTP 412" in message.details


class TestConditionWording:
    """How a view's conditions read (pure wording; the server filters on them above)."""

    def test_numbers_are_bare_with_thousands_and_text_is_quoted(self) -> None:
        labels = {"size": "Employees", "cf.seats": "Seats"}
        numbers = {"size", "cf.seats"}
        assert describe_condition("size:lt:25000", labels, numbers) == (
            "Employees is less than 25,000"
        )
        assert describe_condition("cf.seats:gt:2500.5", labels, numbers) == (
            "Seats is more than 2,500.5"
        )
        assert describe_condition("size:in:10,2000", labels, numbers) == (
            "Employees is one of 10, 2,000"
        )
        assert describe_condition("industry:in:Retail,Energy", labels, numbers) == (
            'Industry is one of "Retail", "Energy"'
        )
        assert describe_condition("size:gte:lots", labels, numbers) == (
            'Employees is at least "lots"'
        )
        assert describe_condition("phone:starts:555", labels, numbers) == 'Phone starts with "555"'
        assert describe_condition("size:empty:", labels, numbers) == "Employees is empty"

    def test_a_custom_number_field_reads_as_a_number_under_its_label(
        self, page: AccountsPage, qtbot: QtBot, company: Tenant
    ) -> None:
        add_custom_field(company, "account", "seats", "Licensed seats", "number")
        add_custom_field(company, "account", "code", "Branch code", "text")
        page.custom_fields = None
        page.load_custom_fields()
        qtbot.waitUntil(lambda: page.custom_fields is not None, timeout=TIMEOUT_MS)

        assert page.describe(["cf.seats:gte:1500", "cf.code:eq:1500"]) == [
            "Licensed seats is at least 1,500",
            'Branch code is "1500"',
        ]

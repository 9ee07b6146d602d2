"""Creating and editing contacts, and the contact's detail, against the real solo backend."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.contacts.view import ContactsPage
from app.shell import DesktopShell
from app.widgets.record_form import ChoiceInput, SearchPicker
from tests.app.crm_support import sign_up, wait_loaded
from tests.app.features.records.support import (
    TIMEOUT_MS,
    add_custom_field,
    open_dialog,
    open_page,
    save,
    server_record,
    type_into,
    wait_idle,
)
from tests.app.support import SoloServer


def shown(page: ContactsPage) -> list[str]:
    return [contact.full_name for contact in page.model.records()]


class TestContactForm:
    def test_an_invalid_email_shows_beside_email(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        page: ContactsPage = open_page(team_shell, qtbot, company, "Contacts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "first_name", "Ada")
        type_into(dialog, "last_name", "Lovelace")
        type_into(dialog, "email", "ada-at-example")
        type_into(dialog, "phone", "call me")
        dialog.save_button.click()
        wait_idle(dialog, qtbot)
        assert dialog.field("email").error() == (
            "This is not an email address such as name@company.com."
        )
        assert dialog.field("phone").error() == "Use only digits, spaces and + ( ) - . / x."
        assert dialog.field("last_name").error() == ""
        assert dialog.banner.text() == "Some fields need attention."
        assert dialog.values()["email"] == "ada-at-example"

    def test_a_contact_is_created_at_an_account_picked_by_typing_its_name(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        northwind = company.create("accounts", name="Northwind Traders")
        company.create("accounts", name="Southwind Foods")
        company.create("accounts", name="Contoso")
        page: ContactsPage = open_page(team_shell, qtbot, company, "Contacts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "first_name", "Grace")
        type_into(dialog, "last_name", "Hopper")
        # Chosen, not typed: typing pops up the zones that match, and Qt's offscreen
        # platform warns that a popup cannot grab the keyboard.
        time_zone = dialog.field("time_zone").editor
        assert isinstance(time_zone, ChoiceInput)
        time_zone.setCurrentIndex(time_zone.findData("Europe/Paris"))
        dialog.field("do_not_contact").editor.click()
        picker = dialog.field("account_id").editor
        assert isinstance(picker, SearchPicker)
        # Typed without focus: the suggestions are offered, not popped up.
        type_into(dialog, "account_id", "wind")
        qtbot.waitUntil(lambda: len(picker.choices()) == 2, timeout=TIMEOUT_MS)
        assert picker.choices() == ["Northwind Traders", "Southwind Foods"]
        picker.pick("Northwind Traders")
        assert dialog.values()["account_id"] == northwind["id"]
        save(dialog, qtbot)

        qtbot.waitUntil(lambda: shown(page) == ["Grace Hopper"], timeout=TIMEOUT_MS)
        contact = page.model.records()[0]
        stored = server_record(company, "contacts", contact.id)
        assert stored["account_id"] == northwind["id"]
        assert stored["time_zone"] == "Europe/Paris"
        assert stored["do_not_contact"] is True
        detail = page.detail
        qtbot.waitUntil(
            lambda: detail.values().get("Account") == "Northwind Traders", timeout=TIMEOUT_MS
        )
        assert detail.values()["Do not contact"] == "Yes"

    def test_text_that_names_no_account_is_said_before_saving(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        page: ContactsPage = open_page(team_shell, qtbot, company, "Contacts")
        dialog = open_dialog(page, qtbot)
        type_into(dialog, "last_name", "Hopper")
        type_into(dialog, "account_id", "Nobody Inc")
        dialog.save_button.click()
        assert dialog.field("account_id").error() == (
            "Pick one of the suggestions, or leave it empty."
        )

    def test_editing_shows_the_account_by_name_and_keeps_it(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        account = company.create("accounts", name="Initech")
        made = company.create("contacts", last_name="Lumbergh", account_id=account["id"])
        page: ContactsPage = open_page(team_shell, qtbot, company, "Contacts")
        page.open_index(page.model.index(0, 0))
        dialog = open_dialog(page, qtbot, page.detail.record)
        picker = dialog.field("account_id").editor
        assert isinstance(picker, SearchPicker)
        qtbot.waitUntil(lambda: picker.text() == "Initech", timeout=TIMEOUT_MS)
        type_into(dialog, "title", "Division VP")
        assert dialog.changes() == {"title": "Division VP"}
        save(dialog, qtbot)
        stored = server_record(company, "contacts", made["id"])
        assert (stored["title"], stored["account_id"]) == ("Division VP", account["id"])


class TestContactDetail:
    def test_the_detail_shows_fields_custom_fields_account_and_opportunities(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        add_custom_field(company, "contact", "language", "Language", "text")
        account = company.create("accounts", name="Northwind")
        ada = company.create(
            "contacts",
            first_name="Ada",
            last_name="Lovelace",
            email="ada@northwind.example",
            phone="+33 4 72 10 20 30",
            title="Head of Purchasing",
            account_id=account["id"],
            time_zone="Europe/Paris",
            custom_fields={"language": "French"},
        )
        company.create("contacts", first_name="Grace", last_name="Hopper")
        for name, amount, currency in (
            ("Fleet renewal", "184500.00", "EUR"),
            ("Sensors", "12345.67", "USD"),
            ("Unsized", None, "USD"),
        ):
            company.create(
                "opportunities",
                name=name,
                account_id=account["id"],
                primary_contact_id=ada["id"],
                amount=amount,
                currency=currency,
            )
        company.create("opportunities", name="Not hers", account_id=account["id"])
        page: ContactsPage = open_page(team_shell, qtbot, company, "Contacts")
        assert shown(page) == ["Grace Hopper", "Ada Lovelace"]

        page.open_index(page.model.index(1, 0))
        detail = page.detail
        qtbot.waitUntil(lambda: len(detail.opportunity_rows) == 3, timeout=TIMEOUT_MS)
        assert detail.isVisible()
        assert detail.name_label.text() == "Ada Lovelace"
        assert detail.amounts() == {
            "Fleet renewal": "€184,500.00",
            "Sensors": "$12,345.67",
            "Unsized": "—",
        }
        values = detail.values()
        assert values["Email"] == "ada@northwind.example"
        assert values["Title"] == "Head of Purchasing"
        assert values["Account"] == "Northwind"
        assert values["Time zone"] == "Europe/Paris"
        assert values["Language"] == "French"

        page.open_index(page.model.index(0, 0))
        qtbot.waitUntil(lambda: detail.name_label.text() == "Grace Hopper", timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not detail.status_label.isVisible(), timeout=TIMEOUT_MS)
        assert detail.values()["Account"] == "—"
        assert detail.opportunity_rows == []
        wait_loaded(page.model, qtbot)

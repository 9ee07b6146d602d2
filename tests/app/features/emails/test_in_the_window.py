"""The email screens in the signed-in window: Settings has Mailboxes and Templates beside
Account; a contact's panel has "Email", which opens the compose window to them, and their
emails."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.contacts.view import ContactsPage
from app.features.mailboxes.view import MailboxesPage
from app.features.settings.view import SettingsPage
from app.features.templates.view import TemplatesPage
from app.shell import DesktopShell
from tests.app.crm_support import sign_up, wait_loaded
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer, sign_in


def test_settings_has_mailboxes_and_templates_and_a_contact_can_be_emailed(
    team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
) -> None:
    company = sign_up(solo_server)
    ada = company.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@ex.com")
    sign_in(team_shell, qtbot, company.email, STRONG_PASSWORD)
    window = team_shell.main_window
    assert window is not None

    settings = window.show_page("Settings")
    assert isinstance(settings, SettingsPage)
    assert settings.sections is not None
    tabs = [settings.sections.tabText(i) for i in range(settings.sections.count())]
    assert tabs == ["Account", "Mailboxes", "Templates", "Company"]  # an admin: Company
    mailboxes = settings.show_section("Mailboxes")
    assert isinstance(mailboxes, MailboxesPage)
    qtbot.waitUntil(lambda: mailboxes.providers is not None, timeout=SIGN_IN_TIMEOUT_MS)
    assert mailboxes.empty_label.isVisible()
    assert isinstance(settings.show_section("Templates"), TemplatesPage)

    contacts = window.show_page("Contacts")
    assert isinstance(contacts, ContactsPage)
    wait_loaded(contacts.model, qtbot)
    contacts.open_record_id(ada["id"])
    detail = contacts.detail
    qtbot.waitUntil(lambda: detail.email_list is not None, timeout=SIGN_IN_TIMEOUT_MS)
    assert detail.email_button.isVisible()
    assert detail.email_button.isEnabled()
    detail.email_button.click()
    composer = team_shell.composer
    assert composer is not None
    assert composer.isVisible()
    assert composer.to_edit.text() == "Ada Lovelace <ada@ex.com>"
    assert composer.state.first_contact_id() == ada["id"]
    qtbot.waitUntil(lambda: composer.setup is not None, timeout=SIGN_IN_TIMEOUT_MS)
    assert "Settings > Mailboxes" in composer.fields["mailbox"].error()
    composer.close()

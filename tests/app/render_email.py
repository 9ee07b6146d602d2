"""Render the email screens of a real session to PNG files, to look at them without a
display.

Usage: ``python tests/app/render_email.py OUT_DIR``

Starts the real solo backend with the fake Google and Microsoft and a real SMTP server
(``tests/app/email_support.py``), signs a new company's admin in through the login
window, and writes each screen at 1280 by 800 and at 1024 by 768 (``-1024`` in the
name):

* ``email-mailboxes``: Settings > Mailboxes with an SMTP mailbox, a Gmail one (connected
  in the scripted browser) and one that needs reconnecting, the window's notice above;
* ``email-outlook-error``: what connecting Outlook said;
* ``email-smtp-error``: the SMTP/IMAP form, a wrong password named beside it;
* ``email-templates``: Settings > Templates with an unknown field marked on its line;
* ``email-template-preview``: that template fixed, as Ada gets it;
* ``email-compose``: the compose window to a contact from a template, previewed for
  them, with a file attached; ``email-compose-sent`` once it went;
* ``email-compose-uncertain``: a message whose answer was lost;
* ``email-detail``: one that may have been sent, opened from the contact's list;
* ``email-compose-error``: a malformed address and an unknown merge field, marked;
* ``email-mailboxes-scrolled``: the Mailboxes page scrolled to the Gmail mailbox;
* ``email-contact``: the contact's emails on their panel (sent, failed, may have been
  sent).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.qt.widgets import QApplication, QScrollArea, QWidget
from app.theme import apply_theme
from tests.app.render_support import over, settle, until

SIZES = ((1280, 800, ""), (1024, 768, "-1024"))


def main(out: Path) -> None:
    import keyring
    import qasync

    from app.features.compose.view import ComposeWindow
    from app.features.contacts.view import ContactsPage
    from app.features.login.model import Server, SignInPreferences
    from app.features.mailboxes.view import MailboxesPage
    from app.features.settings.view import SettingsPage
    from app.features.templates.view import TemplatesPage
    from app.keychain import Keychain
    from app.ops import Operations
    from app.qt.core import QSettings
    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner
    from tests.app.crm_support import sign_up
    from tests.app.email_support import email_backend
    from tests.app.support import STRONG_PASSWORD, MemoryKeyring
    from tests.fakes import faults
    from tests.fakes.oauth import ScriptedBrowser

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    home = Path(tempfile.mkdtemp(prefix="salesos-email-shots-"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    keyring.set_keyring(MemoryKeyring())

    def grab(widget: QWidget, name: str) -> None:
        for width, height, suffix in SIZES:
            widget.resize(width, height)
            app.processEvents()
            app.processEvents()
            path = out / f"{name}{suffix}.png"
            widget.grab().save(str(path))
            print(path)

    def grab_over(window: QWidget, popup: QWidget, name: str) -> None:
        for width, height, suffix in SIZES:
            window.resize(width, height)
            app.processEvents()
            path = out / f"{name}{suffix}.png"
            over(window, popup, centred=True).save(str(path))
            print(path)

    with email_backend(home / "backend") as world:
        tenant = sign_up(world.server, "Analytical Engines Ltd")
        account = tenant.create("accounts", name="Difference Engines", domain="difference.example")
        ada = tenant.create("contacts", first_name="Ada", last_name="Lovelace", title="Analyst",
                            email="ada@difference.example", account_id=account["id"])  # fmt: skip
        tenant.create("contacts", first_name="Charles", last_name="Babbage",
                      email="charles@difference.example", account_id=account["id"])  # fmt: skip
        smtp = world.connect_smtp(tenant, "rita@analytical.example", display_name="Rita Rep")
        stale = world.connect_smtp(tenant, "old-box@analytical.example", display_name="Rita Rep")
        world.smtp.add_user(stale["email"], "changed since")
        world.server.call("POST", f"/api/v1/mailboxes/{stale['id']}/test", tenant.token)
        world.server.call("POST", "/api/v1/email-templates", tenant.token, json={
            "name": "First touch", "shared": True,
            "subject": "{{ contact.first_name }}, a question about {{ account.name }}",
            "body_text": "Hi {{ contact.first_name | default('there') }},\n\nWould a short "
                         "call next week help {{ account.name | default('your team') }}?\n\n"
                         "Best,\n{{ sender.name }}",
        })  # fmt: skip
        for subject, fault in (
            ("Pricing sheet", None),
            ("Quick follow-up", faults.status(554)),
            ("Meeting notes", faults.accept_then_drop()),
        ):
            if fault is not None:
                world.smtp.faults.push("smtp.data", fault, mailbox=smtp["email"])
            queued = world.server.call("POST", "/api/v1/emails", tenant.token, json={
                "mailbox_id": smtp["id"], "to": [ada["email"]], "subject": subject,
                "body_text": "Hello",
            }).json()  # fmt: skip
            for _ in range(600):  # one at a time, so each fault meets its own message
                state = world.server.call(
                    "GET", f"/api/v1/emails/{queued['id']}", tenant.token
                ).json()["state"]
                if state not in ("scheduled", "sending"):
                    break
                time.sleep(0.05)

        prefs = SignInPreferences(QSettings(str(home / "prefs.ini"), QSettings.Format.IniFormat))
        prefs.remember_server(Server.team(world.url))
        browser = ScriptedBrowser(world.ca.client_context())

        async def session() -> None:
            shell = DesktopShell(SoloBackendRunner(), Operations(loop), prefs, Keychain())
            finished = asyncio.Event()
            shell.finished.connect(lambda _code: finished.set())
            shell.start()
            try:
                await shots(shell)
            finally:
                shell.shutdown()
                await finished.wait()

        async def shots(shell: DesktopShell) -> None:
            login = shell.login_window
            await until(lambda: login.isVisible() and not login.busy, "the login window")
            login.email_edit.setText(tenant.email)
            login.password_edit.setText(STRONG_PASSWORD)
            login.submit()
            await until(lambda: shell.main_window is not None, "the main window")
            window = shell.main_window
            assert window is not None
            settings = window.show_page("Settings")
            assert isinstance(settings, SettingsPage)
            mailboxes = settings.show_section("Mailboxes")
            assert isinstance(mailboxes, MailboxesPage)
            # The fakes' TLS is the test CA's, and their browser is a script.
            mailboxes._ops._verify = str(world.ca.ca_bundle)
            mailboxes._open_browser = browser.open
            await until(lambda: len(mailboxes.cards) == 2, "the mailboxes")
            mailboxes.connect_mailbox("gmail")
            await until(lambda: len(mailboxes.cards) == 3, "Gmail connected")
            await settle(0.3)
            grab(window, "email-mailboxes")
            scroll = mailboxes.findChild(QScrollArea, "pageScroll")
            assert scroll is not None
            for width, height, suffix in SIZES:
                window.resize(width, height)
                app.processEvents()
                bar = scroll.verticalScrollBar()
                bar.setValue(bar.maximum())
                app.processEvents()
                path = out / f"email-mailboxes-scrolled{suffix}.png"
                window.grab().save(str(path))
                print(path)
            scroll.verticalScrollBar().setValue(0)

            mailboxes.connect_mailbox("outlook")
            await until(lambda: mailboxes.sign_in_task is None, "Outlook's answer")
            await settle(0.2)
            grab(window, "email-outlook-error")

            dialog = mailboxes.open_smtp_dialog()
            dialog.email_edit.setText("sales@analytical.example")
            dialog._email_typed("sales@analytical.example")
            world.smtp.add_user("sales@analytical.example", "the right one")
            dialog.smtp_host_edit.setText("127.0.0.1")
            dialog._typed("smtp_host", "127.0.0.1")
            dialog.smtp_port_edit.setText(str(world.smtp.port))
            dialog._typed("smtp_port", str(world.smtp.port))
            dialog.imap_box.setChecked(False)
            dialog.password_edit.setText("a wrong one")
            dialog._typed("password", "a wrong one")
            dialog.submit()
            await until(lambda: dialog.save_button.isEnabled(), "the refused sign-in")
            await settle(0.2)
            grab_over(window, dialog, "email-smtp-error")
            dialog.reject()

            templates = settings.show_section("Templates")
            assert isinstance(templates, TemplatesPage)
            await until(lambda: templates.model.rowCount() == 1, "the templates")
            templates.new_template()
            templates.name_edit.setText("Break-up email")
            templates.subject_edit.setText("Should I close your file, {{ contact.first_name }}?")
            templates.text_edit.setPlainText(
                "Hi {{ contact.first_name }},\n\nI have not heard back from "
                "{{ acount.name }}.\n\nBest,\n{{ sender.name }}"
            )
            templates.save()
            await until(lambda: bool(templates.field_error("body_text")), "the objection")
            await settle(0.2)
            grab(window, "email-templates")
            templates.text_edit.setPlainText(
                "Hi {{ contact.first_name }},\n\nI have not heard back from "
                "{{ account.name }}.\n\nBest,\n{{ sender.name }}"
            )
            preview = templates.open_preview()
            preview.address.setText(ada["email"])
            preview.refresh()
            await until(lambda: bool(preview.subject.text()), "the template's preview")
            await settle(0.2)
            grab_over(window, preview, "email-template-preview")
            preview.close()

            contacts = window.show_page("Contacts")
            assert isinstance(contacts, ContactsPage)
            await until(lambda: contacts.model.rowCount() == 2, "the contacts")
            contacts.open_record_id(ada["id"])
            await until(
                lambda: (
                    contacts.detail.email_list is not None
                    and len(contacts.detail.email_list.rows) == 3
                    and "Queued" not in str(contacts.detail.email_list.states())
                ),
                "Ada's emails",
            )
            await settle(0.3)
            grab(window, "email-contact")
            listed = contacts.detail.email_list
            assert listed is not None
            unsure = next(r for r in listed.rows if r.email.state == "uncertain")
            opened = listed.open_email(unsure.email)
            await until(lambda: bool(opened.email.attempt_log), "the email's tries")
            await settle(0.2)
            grab(opened, "email-detail")
            opened.close()

            contacts.detail.email_button.click()
            composer = shell.composer
            assert isinstance(composer, ComposeWindow)
            await until(lambda: composer.setup is not None, "the compose window")
            composer.choose_template("First touch")
            path = home / "Difference Engine — proposal.pdf"
            path.write_bytes(b"%PDF-1.4\n" + b"0" * 180_000)
            composer.attach([path])
            await until(lambda: len(composer.previews) == 1, "the preview")
            await until(lambda: len(composer.state.attachments) == 1, "the upload")
            await settle(0.3)
            grab(composer, "email-compose")
            composer.send()
            await until(lambda: composer.progress.headline.text() == "Sent", "sent")
            await settle(0.2)
            grab(composer, "email-compose-sent")
            composer.close()

            world.smtp.faults.push("smtp.data", faults.accept_then_drop(), mailbox=smtp["email"])
            contacts.detail.email_button.click()
            composer = shell.composer
            await until(lambda: composer.setup is not None, "another compose window")
            composer.subject_edit.setText("Following up")
            composer._subject_typed("Following up")
            composer.body_edit.setPlainText("Hi Ada,\n\nAny news?")
            composer.send()
            await until(
                lambda: composer.progress.headline.text() == "It may have been sent", "uncertain"
            )
            await settle(0.2)
            grab(composer, "email-compose-uncertain")
            composer.close()

            contacts.detail.email_button.click()
            composer = shell.composer
            await until(lambda: composer.setup is not None, "a third compose window")
            composer.to_edit.setText("Ada Lovelace <ada@difference.example>, charles@")
            composer.subject_edit.setText("Hello {{ contact.first_name }}")
            composer._subject_typed("Hello {{ contact.first_name }}")
            composer.body_edit.setPlainText("Hi {{ contact.frist_name }},\n\nA quick one.")
            await until(lambda: bool(composer.fields["body"].error()), "the merge field error")
            composer.send()
            await settle(0.3)
            grab(composer, "email-compose-error")
            composer.close()

        with loop:
            loop.run_until_complete(session())


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/email-shots")
    target.mkdir(parents=True, exist_ok=True)
    main(target)

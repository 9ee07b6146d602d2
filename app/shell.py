"""The desktop session from start to finish.

Solo (the last sign-in was to "This computer"): start-up window while the solo
backend starts → login window → main window. Team server: straight to the login
window; the solo backend starts only if the user picks "This computer" there.
Sign-out, or the server ending the session, leads back to the login window.
While signed in, the window has the Ctrl+K search palette, "Import CSV…" on the
Accounts and Contacts pages, the Pipeline's deals as a board or a list, Settings >
Mailboxes and Templates with a notice above the pages for a mailbox that needs
reconnecting, each contact's emails and "Email" on their panel (the compose window), and
one live stream of changes made elsewhere that every page with a ``follow(live)`` method
keeps itself up to date with.
Quitting stops everything cleanly (health checks, HTTP client, backend).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from app.api.client import GatewayClient
from app.api.emails import Recipient
from app.api.mailboxes import Mailbox
from app.api.records import Contact
from app.errors import SESSION_ENDED, ErrorKind, UserMessage
from app.features.accounts.ops import AccountRecordOps
from app.features.accounts.view import AccountsPage
from app.features.compose.model import recipient_text
from app.features.compose.view import ComposeWindow
from app.features.contacts.ops import ContactRecordOps
from app.features.contacts.view import ContactsPage
from app.features.deals.area import DealsPage
from app.features.deals.ops import DealRecordOps
from app.features.deals.view import DealsListPage
from app.features.emails.ops import EmailOps
from app.features.emails.view import ContactEmails
from app.features.home.ops import HomeOps
from app.features.home.view import HomePage
from app.features.imports.ops import ImportOps
from app.features.imports.view import open_import_wizard
from app.features.live.model import LiveChanges
from app.features.login.model import SignInPreferences
from app.features.login.ops import SIGNED_OUT_NOTE, ClientFactory, SignedIn, SignInFlow
from app.features.mailboxes.banner import ReconnectBanner
from app.features.mailboxes.ops import MailboxOps
from app.features.mailboxes.view import MailboxesPage
from app.features.opportunities.ops import OpportunityEditorOps
from app.features.pipeline.ops import PipelineOps
from app.features.pipeline.view import PipelinePage
from app.features.records.editing import EditableRecordPage
from app.features.records.view import RecordListPage
from app.features.search.ops import SearchOps
from app.features.search.view import CommandPalette, install_palette
from app.features.settings.admin_ops import AdminOps
from app.features.settings.ops import AccountOps
from app.features.settings.view import SettingsPage
from app.features.startup.model import StartupFailure, StartupProgress
from app.features.startup.view import StartupWindow
from app.features.status.monitor import DEFAULT_INTERVAL_MS, HealthMonitor
from app.features.status.view import StatusPage
from app.features.templates.ops import TemplateOps
from app.features.templates.view import TemplatesPage
from app.features.users.ops import UserAdminOps
from app.features.users.view import UsersPage
from app.keychain import Keychain
from app.main_window import MainWindow
from app.ops import Operations
from app.qt.core import QObject, Qt, QTimer, Signal
from app.qt.gui import QKeySequence
from app.qt.widgets import QDialog

if TYPE_CHECKING:  # the shell itself never imports the backend
    from app.solo import SoloBackendRunner

log = logging.getLogger(__name__)

RECORD_PAGES = {"account": "Accounts", "contact": "Contacts"}
"""The page that shows each kind of record a search finds."""
PIPELINE_PAGE = "Pipeline"
"""The page that opens an opportunity (its board or its list), when the window has it."""


class DesktopShell(QObject):
    """Owns the windows, the backend runner and the sign-in for one desktop session.

    Args:
        runner: Starts and stops the solo backend.
        ops: Runs background operations on the app's asyncio loop.
        prefs: The sign-in choices remembered between runs.
        keychain: Where "Keep me signed in" keeps the sign-in.
        health_interval_ms: Time between two health checks.
        client_factory: Builds the gateway client of a server URL.
        parent: The parent object.

    Signals:
        main_window_shown(): Signed in; the main window is up.
        login_shown(): The login window is up (after start-up or a sign-out).
        finished(int): Everything is stopped; the argument is the exit code
            (0, or 1 when the user quit after a failed start).
    """

    main_window_shown = Signal()
    login_shown = Signal()
    finished = Signal(int)

    def __init__(
        self,
        runner: SoloBackendRunner,
        ops: Operations,
        prefs: SignInPreferences,
        keychain: Keychain | None = None,
        health_interval_ms: int = DEFAULT_INTERVAL_MS,
        client_factory: ClientFactory = GatewayClient,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.ops = ops
        self.prefs = prefs
        self._health_interval_ms = health_interval_ms
        self.progress = StartupProgress(runner.steps, parent=self)
        self.startup_window = StartupWindow(self.progress, runner.log_dir)
        self.sign_in = SignInFlow(ops, prefs, keychain or Keychain(), client_factory, self)
        self.login_window = self.sign_in.window
        self.main_window: MainWindow | None = None
        self.signed_in: SignedIn | None = None
        self.monitor: HealthMonitor | None = None
        self.live: LiveChanges | None = None
        """The signed-in window's stream of changes made elsewhere."""
        self.palette: CommandPalette | None = None
        """The signed-in window's Ctrl+K search."""
        self.composer: ComposeWindow | None = None
        """The compose window opened last."""
        self._window_ops: Operations | None = None
        self._solo_requested = False
        self._signing_out = False
        self._shutting_down = False
        self._stopped = False
        self._pending_stops = 0
        self._exit_code = 0

        runner.step.connect(self.progress.apply)
        runner.ready.connect(self._solo_ready)
        runner.config_error.connect(self._settings_invalid)
        runner.stopped.connect(self._one_stop_done)
        self.startup_window.retry_requested.connect(self._retry)
        self.startup_window.quit_requested.connect(self.shutdown)
        self.sign_in.signed_in.connect(self._open_main_window)
        self.sign_in.solo_needed.connect(self._start_solo)
        self.sign_in.quit_requested.connect(self.shutdown)

    @property
    def shutting_down(self) -> bool:
        """Whether :meth:`shutdown` was called."""
        return self._shutting_down

    @property
    def stopped(self) -> bool:
        """Whether everything has stopped (:attr:`finished` was emitted)."""
        return self._stopped

    @property
    def client(self) -> GatewayClient | None:
        """The client of the server signed in to (or tried last)."""
        return self.signed_in.client if self.signed_in is not None else self.sign_in.client

    def start(self) -> None:
        """Start where the user left off: the solo backend, or a team server's login."""
        if self.prefs.server.is_this_computer:
            self._start_solo()
        else:
            self._show_login()

    def sign_out(self) -> None:
        """End the session (server and keyring), then show the login window."""
        signed = self.signed_in
        if signed is None or self._shutting_down or self._signing_out:
            return
        self._signing_out = True
        self._stop_live()  # before the sign-out ends the session the stream runs on
        if self.main_window is not None:
            self.main_window.set_signing_out()
        self.sign_in.sign_out(signed, lambda: self._back_to_login(signed, SIGNED_OUT_NOTE))

    def shutdown(self) -> None:
        """Stop everything (in the background); :attr:`finished` follows. Idempotent."""
        if self._shutting_down:
            return
        self._shutting_down = True
        failure: StartupFailure | None = self.progress.failure
        self._exit_code = 1 if self.main_window is None and failure is not None else 0
        if self.main_window is not None:
            self.main_window.set_shutting_down()
        self.startup_window.set_status("Shutting down…")
        self.startup_window.set_busy(True)
        self.login_window.set_busy(True, "Shutting down…")
        if self.monitor is not None:
            self.monitor.stop()
        self._stop_live()
        self.ops.cancel_all()
        self._pending_stops = 2
        self.ops.run(
            self.sign_in.aclose(self.signed_in),
            on_success=lambda _: self._one_stop_done(),
            on_failure=lambda _: self._one_stop_done(),
            name="close-client",
        )
        self.runner.stop()

    # ------------------------------------------------------------------ solo backend

    def _start_solo(self) -> None:
        if self._shutting_down:
            return
        self._solo_requested = True
        self.sign_in.hide()
        self.startup_window.show()
        self.startup_window.raise_()
        self.progress.begin()
        self.runner.start()

    def _retry(self) -> None:
        if self._shutting_down:
            return
        self.progress.begin()
        self.runner.start()

    def _settings_invalid(self, cause: str, remedy: str) -> None:
        self.progress.fail("The settings are not valid", cause, remedy)

    def _solo_ready(self, base_url: str) -> None:
        if self._shutting_down:
            return
        self.sign_in.set_solo_url(base_url)
        self.startup_window.allow_close()
        self.startup_window.close()
        if self.sign_in.waiting_for_solo:
            self.sign_in.continue_pending()
            self.login_shown.emit()
        else:
            self._show_login()

    # ------------------------------------------------------------------ windows

    def _show_login(self, note: str = "", *, silent: bool = True) -> None:
        self.sign_in.open(note, silent=silent)
        self.login_shown.emit()

    def _open_main_window(self, signed: SignedIn) -> None:
        if self._shutting_down:
            return
        self.signed_in = signed
        client, user = signed.client, signed.user
        window_ops = self._window_ops = self.ops.scope()
        self.monitor = HealthMonitor(client, window_ops, self._health_interval_ms, self)
        label = signed.server.label
        window = self.main_window = MainWindow(self.monitor, label)
        window.set_account(user.name, user.role_label, user.email)
        imports = ImportOps(client, window_ops)
        accounts = AccountsPage(AccountRecordOps(client, window_ops))
        contacts = ContactsPage(ContactRecordOps(client, window_ops))
        for page, kind in ((accounts, "account"), (contacts, "contact")):
            self._offer_import(page, imports, kind)
        home = HomePage(HomeOps(client, window_ops))
        home.open_wanted.connect(self._open_found)
        window.add_page("Home", "home", home)
        window.add_page("Accounts", "accounts", accounts)
        window.add_page("Contacts", "contacts", contacts)
        pipeline_ops = PipelineOps(client, window_ops)
        deals_list = DealsListPage(
            DealRecordOps(client, window_ops),
            OpportunityEditorOps(client, window_ops),
            pipeline_ops.load_pipelines,
        )
        deals = DealsPage(PipelinePage(pipeline_ops), deals_list)
        window.add_page(PIPELINE_PAGE, "pipeline", deals)
        window.list_shortcut("Pipeline", "Alt+B", "Show the deals as a board")
        window.list_shortcut("Pipeline", "Alt+L", "Show the deals as a list")
        if user.is_admin:
            # The servers' parts are an admin's business; everyone has the status bar's
            # "Healthy" / "Degraded: …" (issue 11, defect 8).
            window.add_page("System status", "status", StatusPage(self.monitor, label))
            window.add_page("Users", "users", UsersPage(UserAdminOps(client, window_ops), user))
        admin = AdminOps(client, window_ops) if user.is_admin else None
        settings = SettingsPage(AccountOps(client, window_ops), admin=admin)
        window.add_page("Settings", "settings", settings)
        self._offer_email(window, settings, accounts, contacts, client, window_ops)
        palette = self.palette = install_palette(window, SearchOps(client, window_ops))
        palette.open_requested.connect(self._open_found)
        # A related record in a panel opens on click.
        for panel in (accounts.detail, contacts.detail, deals_list.detail):
            panel.related_wanted.connect(self._open_found)
        window.search_requested.connect(palette.popup)
        shortcut = palette.shortcut
        keys = shortcut.key() if shortcut is not None else QKeySequence()
        window.offer_search(keys.toString(QKeySequence.SequenceFormat.NativeText))
        window.list_shortcut(
            "General", keys.toString(QKeySequence.SequenceFormat.NativeText), "Search everything"
        )
        live = self.live = LiveChanges(client, window_ops)
        self._follow(window, live)
        window.close_requested.connect(self.shutdown)
        window.sign_out_requested.connect(self.sign_out)
        signed.session.on_ended(lambda reason: self._session_ended(signed, reason))
        self.ops.set_report(window.show_error)  # the scope reports there too
        window.show()
        self.monitor.start()
        live.start()
        self.main_window_shown.emit()

    @staticmethod
    def _offer_import(page: RecordListPage[Any], imports: ImportOps, kind: str) -> None:
        """Give ``page`` its "Import CSV…" button; an import that changed records loads
        the page's list again."""

        def open_wizard() -> QDialog:
            return open_import_wizard(imports, kind, page, on_imported=lambda _k: page.refresh())

        page.offer_import(open_wizard)

    def _offer_email(
        self,
        window: MainWindow,
        settings: SettingsPage,
        accounts: AccountsPage,
        contacts: ContactsPage,
        client: GatewayClient,
        window_ops: Operations,
    ) -> None:
        """Settings > Mailboxes and Templates, the window's notice of a mailbox that needs
        reconnecting, each contact's emails with "Email" on their panel, and each
        account's emails (its contacts') on its panel."""
        mailboxes = MailboxesPage(MailboxOps(client, window_ops))
        settings.add_section("Mailboxes", mailboxes)
        settings.add_section("Templates", TemplatesPage(TemplateOps(client, window_ops)))
        banner = ReconnectBanner(mailboxes.model)
        window.add_notice(banner)

        def reconnect(mailbox: Mailbox) -> None:
            window.show_page("Settings")
            settings.show_section("Mailboxes")
            mailboxes.reconnect(mailbox)

        banner.reconnect_wanted.connect(reconnect)
        mailboxes.refresh()  # the notice knows at once, not once the page is opened
        email_ops = EmailOps(client, window_ops)
        emails = ContactEmails(email_ops, contacts)
        contacts.offer_email(emails, lambda contact: self.compose(contact, email_ops, emails))
        accounts.offer_emails(ContactEmails(email_ops, accounts))

    def compose(
        self, contact: Contact, email_ops: EmailOps, emails: ContactEmails
    ) -> ComposeWindow | None:
        """Open a compose window to ``contact``; what it sends shows among their emails."""
        window = self.main_window
        if window is None:
            return None
        to = recipient_text(Recipient(email=contact.email or "", name=contact.full_name))
        composer = self.composer = ComposeWindow(
            email_ops,
            to=to if contact.email else "",
            contact_id=contact.id,
            contact_email=contact.email or "",
            live=self.live,
            parent=window,
        )
        composer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        composer.queued.connect(emails.put)
        composer.changed.connect(emails.put)
        composer.show()
        return composer

    @staticmethod
    def _follow(window: MainWindow, live: LiveChanges) -> None:
        """Hand ``live`` to every page that keeps itself up to date (has ``follow``): the
        record lists, and the Pipeline board once it has one."""
        for index in range(window.pages.count()):
            follow = getattr(window.pages.widget(index), "follow", None)
            if callable(follow):
                follow(live)

    def _open_found(self, kind: str, record_id: str) -> None:
        """Show the record a search result names: an account or a contact on its page,
        beside the list; an opportunity on the Pipeline page, in the view shown there
        (the board's editor, or beside the list), or, without that page, its account."""
        window = self.main_window
        if window is None:
            return
        note = ""
        if kind == "opportunity":
            board = window.page(PIPELINE_PAGE)
            open_opportunity = getattr(board, "open_opportunity", None)
            if callable(open_opportunity):
                window.show_page(PIPELINE_PAGE)
                open_opportunity(record_id)
                return
            hit = self.palette.chosen if self.palette is not None else None
            if hit is None or hit.id != record_id or hit.account_id is None:
                title = f"“{hit.title}”" if hit is not None and hit.id == record_id else "It"
                window.show_error(
                    UserMessage(
                        ErrorKind.REJECTED,
                        f"{title} is an opportunity without an account; "
                        "this window has no page that opens opportunities yet.",
                    )
                )
                return
            kind, record_id = "account", hit.account_id
            note = f"Showing the account of the opportunity “{hit.title}”."
        page = window.show_page(RECORD_PAGES.get(kind, ""))
        if isinstance(page, EditableRecordPage):
            if note:
                page.banner.show_message(note, "info")
            page.open_record_id(record_id)

    def _session_ended(self, signed: SignedIn, reason: str) -> None:
        if signed is not self.signed_in or self._shutting_down or self._signing_out:
            return
        log.info("the server ended the session: %s", reason)
        # Called from inside a failing request; leave the window once that is over.
        QTimer.singleShot(0, lambda: self._back_to_login(signed, SESSION_ENDED, ended=True))

    def _back_to_login(self, signed: SignedIn, note: str, *, ended: bool = False) -> None:
        if signed is not self.signed_in or self._shutting_down:
            return
        self._close_main_window()
        if ended:
            self.sign_in.session_ended(signed, note)
        else:
            self.sign_in.open(note, silent=False)
        self.login_shown.emit()

    def _close_main_window(self) -> None:
        if self._window_ops is not None:
            self._window_ops.cancel_all()  # no callback may reach the closed window
            self._window_ops = None
        monitor, self.monitor = self.monitor, None
        if monitor is not None:
            monitor.stop()
        live = self.live
        self._stop_live()
        self.live = self.palette = self.composer = None
        self.ops.set_report(None)
        window, self.main_window = self.main_window, None
        if window is not None:
            window.allow_close()
            window.close()
        # Delete them here, on the UI thread, once the cancelled operations have
        # unwound; left to Python's cycle collector they could be destroyed on
        # whichever thread it happens to run (the solo backend's), which Qt forbids.
        for obj in (window, monitor, live):
            if obj is not None:
                QTimer.singleShot(0, obj.deleteLater)
        self.signed_in = None
        self._signing_out = False

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()

    def _one_stop_done(self) -> None:
        if not self._shutting_down:
            return  # a stop the runner did on its own (retry); not ours
        self._pending_stops -= 1
        if self._pending_stops > 0:
            return
        self._window_ops = None
        self.ops.set_report(None)
        for window in (self.main_window, self.startup_window):
            if window is not None:
                window.allow_close()
                window.close()
        self.sign_in.close_window()
        log.info("desktop session finished (exit code %d)", self._exit_code)
        self._stopped = True
        self.finished.emit(self._exit_code)

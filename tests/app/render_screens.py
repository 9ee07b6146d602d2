"""Render the desktop screens to PNG files, to look at them without a display.

Usage: ``python tests/app/render_screens.py OUT_DIR [--live]``

Full windows are taken 1280 by 800 pixels (a sales rep's laptop window); dialogs
alone, unless a file is said to show one over its window.

Writes ``startup-progress.png`` (some steps done, one running),
``startup-failed.png`` (the database could not start), ``startup-failed-long.png``
(a cause the length of a SQL error), ``main-healthy.png``, ``main-degraded.png``,
``main-unreachable.png``, ``login.png`` (empty, team server chosen),
``login-error.png`` (wrong password), ``login-locked.png`` (locked, with the
seconds), ``login-no-keyring.png`` (the note that the sign-in cannot be kept),
``settings.png`` (signed-in devices and the password form, with a field error),
``users.png`` (the Users page) and ``add-user-error.png`` (the dialog with the
server's objection beside the password). The windows are fed recorded answers,
not a live backend, so the script runs in a second.

With ``--live`` it also starts the real solo backend (in a temporary SALESOS_HOME,
with the demo data), signs in as the demo admin and writes, from that session:

* ``live-startup.png``, ``live-login.png``, ``live-main.png``, ``live-settings.png``,
  ``live-users.png``;
* ``live-accounts.png`` (the demo accounts), ``live-account-detail.png`` (the
  largest one opened beside the list), ``live-contacts.png``;

then, as another device signed in as the same admin, adds euro deals (one of
1,234,567.89 EUR with a primary contact at Acme Robotics) and a saved view, and
writes:

* ``live-contact-detail.png`` (that contact beside the list, with their deals);
* ``live-account-new-error.png`` (New account, the server's objection beside
  Domain after an invalid one was submitted);
* ``live-views.png`` (the saved view picked, its conditions, and the Save view
  dialog over the window);
* ``live-accounts-new-notice.png`` (two accounts added by the other device: the
  "2 new accounts — Show" notice);
* ``live-pipeline.png`` (the board, with USD and EUR totals per stage);
* ``live-opportunity-editor.png`` (the editor on the 1,234,567.89 EUR deal);
* ``live-palette.png`` (the Ctrl+K palette over the window, grouped results for
  "acme");
* ``live-import-mapping.png`` and ``live-import-summary.png`` (the import wizard
  on a small contacts CSV with one bad email: its columns, then its outcome).

A screen that does not come within 30 s stops the script with a message naming it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.app.support

from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.models import ComponentHealth, Contact, DeviceSession, Health, User, UserPage
from app.api.pipelines import OpportunityRecord, PipelinesApi
from app.api.records import ACCOUNTS, AccountRecord, RecordsApi
from app.errors import ErrorKind, UserMessage, describe_error
from app.features.accounts.model import AccountsTableModel
from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.imports.view import ImportWizard
from app.features.login.model import Server
from app.features.login.view import LoginWindow
from app.features.pipeline.view import PipelinePage
from app.features.search.model import SearchState
from app.features.settings.ops import AccountOps
from app.features.settings.view import SettingsPage
from app.features.startup.model import StartupProgress, StepEvent
from app.features.startup.view import StartupWindow
from app.features.status.model import HealthReport
from app.features.status.monitor import HealthMonitor
from app.features.status.view import StatusPage
from app.features.users.ops import UserAdminOps
from app.features.users.view import UserDialog, UsersPage
from app.main_window import MainWindow
from app.ops import Operations
from app.qt.core import Qt
from app.qt.gui import QColor, QPainter, QPixmap
from app.qt.widgets import QApplication, QWidget
from app.theme import apply_theme

WINDOW_SIZE = (1280, 800)
"""A sales rep's laptop window: every full-window shot is taken at this size."""
STEPS = ("database", "broker", "migrations", "services")
SERVICES = ("activities", "auth", "calendar", "crm", "email", "scoring", "sequences", "sync")


class FakeClock:
    """A clock the script moves by hand, so durations look like a real start."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def save(widget: QWidget, out: Path, name: str) -> None:
    widget.show()
    app = QApplication.instance()
    assert app is not None
    for _ in range(5):
        app.processEvents()
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def startup(out: Path, name: str, events: list[tuple[float, StepEvent]]) -> StartupWindow:
    clock = FakeClock()
    progress = StartupProgress(STEPS, clock=clock)
    window = StartupWindow(progress, Path("/var/lib/salesos/logs"))
    progress.begin()
    for delay, event in events:
        clock.now += delay
        progress.apply(event)
    clock.now += 0.8
    window._tick()  # the elapsed figures, as the ticker would show them
    save(window, out, name)
    return window


def health(**down: str) -> Health:
    def part(name: str, ok_detail: str = "") -> ComponentHealth:
        if name in down:
            return ComponentHealth(status="down", detail=down[name])
        return ComponentHealth(status="ok", detail=ok_detail)

    return Health(
        status="degraded" if down else "ok",
        mode="solo",
        version="0.1.0",
        database=part("database", "PostgreSQL 18.1 on /home/rep/.local/share/salesos/pg"),
        broker=part("broker", "tansu at 127.0.0.1:40123"),
        services={name: part(name) for name in SERVICES},
    )


def main_window(out: Path, name: str, report: HealthReport) -> MainWindow:
    loop = asyncio.new_event_loop()  # never run: the monitor is fed by hand
    monitor = HealthMonitor(GatewayClient("http://127.0.0.1:9"), Operations(loop))
    window = MainWindow(monitor, "Solo · This computer")
    window.resize(*WINDOW_SIZE)
    window.add_page("System status", "status", StatusPage(monitor, "Solo · This computer"))
    monitor.reported.emit(report)
    save(window, out, name)
    loop.close()
    return window


def login(
    out: Path,
    name: str,
    *,
    server: Server,
    failure: UserMessage | None = None,
    keyring: bool = True,
) -> LoginWindow:
    window = LoginWindow()
    window.set_server(server)
    window.set_email("riley@acme-sales.com" if failure else "")
    window.set_keyring_available(keyring)
    window.set_keep_signed_in(keyring)
    if failure is not None:
        window.password_edit.setText("not-it")
        window.show_failure(failure)
    save(window, out, name)
    return window


USERS = [
    User(id="u1", email="alex@acme-sales.com", name="Alex Admin", role="admin"),
    User(id="u2", email="dana@acme-sales.com", name="Dana Doe", role="rep", manager_id="u4"),
    User(
        id="u3",
        email="jo.former@acme-sales.com",
        name="Jo Former",
        role="rep",
        manager_id="u4",
        is_active=False,
    ),
    User(id="u4", email="morgan@acme-sales.com", name="Morgan Manager", role="manager"),
    User(id="u5", email="riley@acme-sales.com", name="Riley Rep", role="rep", manager_id="u4"),
]


def signed_in_window(loop: asyncio.AbstractEventLoop) -> tuple[MainWindow, SettingsPage, UsersPage]:
    """A main window as the demo admin sees it, its pages fed by hand (nothing loads)."""
    ops = Operations(loop)
    client = GatewayClient("http://127.0.0.1:9")
    monitor = HealthMonitor(client, ops)
    window = MainWindow(monitor, "Team · https://sales.acme-sales.com")
    window.resize(*WINDOW_SIZE)
    window.set_account("Alex Admin", "Admin", "alex@acme-sales.com")
    window.add_page("System status", "status", StatusPage(monitor, "Team"))
    users = UsersPage(UserAdminOps(client, ops), USERS[0], autoload=False)
    window.add_page("Users", "users", users)
    settings = SettingsPage(AccountOps(client, ops), autoload=False)
    window.add_page("Settings", "settings", settings)
    monitor.reported.emit(HealthReport(datetime.now(), health=health()))
    return window, settings, users


def signed_in_screens(out: Path) -> list[QWidget]:
    loop = asyncio.new_event_loop()  # never run: the pages are fed by hand
    window, settings, users = signed_in_window(loop)
    now = datetime.now(UTC)
    settings.show_sessions(
        [
            DeviceSession(
                id="s1",
                created_at=now - timedelta(hours=3),
                last_used_at=now,
                expires_at=now + timedelta(days=7),
                user_agent="SalesOS Desktop/0.1.0 (Linux; alex-laptop)",
                ip="192.168.1.23",
                current=True,
            ),
            DeviceSession(
                id="s2",
                created_at=now - timedelta(days=2, hours=4),
                last_used_at=now - timedelta(minutes=42),
                expires_at=now + timedelta(days=5),
                user_agent="SalesOS Desktop/0.1.0 (Windows; FRONT-DESK-PC)",
                ip="10.20.0.7",
            ),
            DeviceSession(
                id="s3",
                created_at=now - timedelta(days=5),
                last_used_at=now - timedelta(days=1, hours=2),
                expires_at=now + timedelta(days=2),
                user_agent="SalesOS Desktop/0.1.0 (macOS; alex-mbp)",
                ip="203.0.113.50",
            ),
        ]
    )
    settings.current_edit.setText("wrong-one")
    settings.new_edit.setText("a-new-long-passphrase")
    settings.confirm_edit.setText("a-new-long-passphrase")
    settings._password_failed(
        describe_error(
            ApiError(
                422,
                "validation_error",
                "body.current_password: is not your current password",
                details=[
                    {"field": "body.current_password", "message": "is not your current password"}
                ],
            )
        )
    )
    window.show_page("Settings")
    save(window, out, "settings")

    users.show_users(UserPage(items=USERS, next_cursor=None))
    users.select_email("dana@acme-sales.com")
    window.show_page("Users")
    save(window, out, "users")

    dialog = UserDialog(users.model.possible_managers(), None, window)
    dialog.email_edit.setText("sam@acme-sales.com")
    dialog.name_edit.setText("Sam Seller")
    dialog.manager_combo.setCurrentIndex(1)
    dialog.password_edit.setText("password")
    dialog.show_failure(
        describe_error(
            ApiError(
                422,
                "validation_error",
                "body.password: is one of the most common passwords",
                details=[
                    {
                        "field": "body.password",
                        "message": "is one of the most common passwords; "
                        "choose a less guessable one",
                    }
                ],
            )
        )
    )
    save(dialog, out, "add-user-error")
    loop.close()
    return [window, dialog]


WAIT_S = 30.0
"""How long a live screen may take to load before the script gives up on it."""

IMPORT_CSV = (
    "First Name,Last Name,Email,Job Title,Phone\n"
    "Priya,Raman,priya.raman@acmerobotics.com,Plant Manager,+1 412 555 0141\n"
    "Tomás,Ortega,tomas.ortega@acmerobotics.com,Buyer,+1 412 555 0178\n"
    "Mei,Chen,mei.chen@globex-logistics.com,Head of Fleet,+31 10 555 0123\n"
    "Jonas,Berg,jonas.berg(at)globex-logistics.com,Controller,+31 10 555 0190\n"
)
"""The import shots' file: three good contacts and, on line 5, an email that is not one."""


def over(window: QWidget, popup: QWidget, *, centred: bool) -> QPixmap:
    """``window`` with ``popup`` (a dialog or the palette, its own top-level) painted on
    it where the user sees it: centred (a dialog, given the edge and shadow a window
    manager would draw), or at the popup's own place over the window (the palette)."""
    shot = window.grab()
    above = popup.grab()
    painter = QPainter(shot)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if centred:
        x = (shot.width() - above.width()) // 2
        y = (shot.height() - above.height()) // 2
        painter.setPen(Qt.PenStyle.NoPen)
        for spread in range(16, 0, -2):  # a soft shadow: faint layers, darker near the edge
            painter.setBrush(QColor(15, 23, 42, 6))
            painter.drawRoundedRect(
                x - spread,
                y - spread + 4,
                above.width() + 2 * spread,
                above.height() + 2 * spread,
                spread,
                spread,
            )
    else:
        x = popup.x() - window.x()
        y = popup.y() - window.y()
    painter.drawPixmap(x, y, above)
    if centred:
        painter.setPen(QColor("#94a3b8"))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(x, y, above.width() - 1, above.height() - 1)
    painter.end()
    return shot


async def until(ready: Callable[[], object], what: str, timeout: float = WAIT_S) -> None:
    """Wait until ``ready()`` holds; give up naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not ready():
        if loop.time() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


async def settle(seconds: float = 0.15) -> None:
    """Let layouts, fonts and late answers settle before a grab."""
    await asyncio.sleep(seconds)


@dataclass
class Extras:
    """What the script adds to the demo book (as another device) for the CRM shots."""

    big_deal: OpportunityRecord
    contact: Contact


async def add_extras(other: GatewayClient, accounts: list[AccountRecord]) -> Extras:
    """Deals in euros (one of 1,234,567.89 EUR) with a primary contact at Acme Robotics,
    spread over the stages, and a saved view of the big US accounts."""
    deals = PipelinesApi(other)
    stages = (await deals.pipelines())[0].stages
    open_stages = [stage for stage in stages if stage.outcome == "open"]
    by_name = {account.name: account for account in accounts}
    acme = by_name["Acme Robotics"]
    contact = (await deals.contacts_of(acme.id))[0]
    today = date.today()

    async def deal(
        name: str, account: str, amount: str, stage: int, days: int
    ) -> OpportunityRecord:
        return await deals.create_opportunity(
            {
                "name": name,
                "account_id": by_name[account].id,
                "primary_contact_id": contact.id if account == acme.name else None,
                "amount": amount,
                "currency": "EUR",
                "stage_id": open_stages[stage % len(open_stages)].id,
                "close_date": (today + timedelta(days=days)).isoformat(),
            }
        )

    big = await deal("Acme Robotics — EMEA fleet rollout", "Acme Robotics", "1234567.89", 2, 45)
    await deal("Acme Robotics — Service contract", "Acme Robotics", "48250.50", 0, 20)
    await deal("Soylent Foods — Lyon plant pilot", "Soylent Foods", "86500.00", 1, 30)
    await deal("Globex Logistics — Rotterdam hub", "Globex Logistics", "312000.00", 3, 75)
    await RecordsApi(other).create_view(
        "account",
        "Big US accounts",
        filters=("country:eq:United States", "size:gte:1000"),
        sort="-size",
        columns=("name", "industry", "size", "city", "country"),
    )
    return Extras(big, contact)


def live(app: QApplication, out: Path) -> None:
    """Run a real solo session, grab its windows, stop it."""
    import tempfile

    import keyring
    import qasync

    from app.features.login.model import SignInPreferences
    from app.keychain import Keychain
    from app.qt.core import QSettings
    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner
    from backend.auth.demo import DEMO_PASSWORD
    from tests.app.support import DEMO_ADMIN, MemoryKeyring

    home = tempfile.mkdtemp(prefix="salesos-shots-")
    os.environ.update(SALESOS_HOME=home, SALESOS_EMBEDDED_PG_FAST="1", SALESOS_LOG_FORMAT="text")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    keyring.set_keyring(MemoryKeyring())  # never the real keyring of this machine
    prefs = SignInPreferences(QSettings(f"{home}/prefs.ini", QSettings.Format.IniFormat))

    def grab(widget: QWidget, name: str) -> None:
        widget.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    def grab_over(window: QWidget, popup: QWidget, name: str, *, centred: bool = True) -> None:
        over(window, popup, centred=centred).save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    async def session() -> None:
        shell = DesktopShell(SoloBackendRunner(), Operations(loop), prefs, Keychain())
        finished = asyncio.Event()
        shell.finished.connect(lambda _code: finished.set())
        shell.start()
        try:
            await signed_in_shots(shell)
        finally:
            shell.shutdown()
            await finished.wait()

    async def signed_in_shots(shell: DesktopShell) -> None:
        await asyncio.sleep(0.05)
        grab(shell.startup_window, "live-startup")
        login = shell.login_window
        await until(lambda: login.isVisible() and not login.busy, "the login window", 120)
        login.email_edit.setText(DEMO_ADMIN)
        login.password_edit.setText(DEMO_PASSWORD)
        await settle(0.1)
        grab(login, "live-login")
        login.submit()
        await until(
            lambda: (
                shell.main_window is not None and shell.monitor is not None and shell.monitor.latest
            ),
            "the main window after signing in",
        )
        window = shell.main_window
        assert window is not None
        assert shell.signed_in is not None
        window.resize(*WINDOW_SIZE)
        await settle(0.2)
        grab(window, "live-main")
        settings = window.show_page("Settings")
        assert isinstance(settings, SettingsPage)
        await until(lambda: settings.model.rowCount() > 0, "the signed-in devices")
        await settle(0.1)
        grab(window, "live-settings")
        users = window.show_page("Users")
        assert isinstance(users, UsersPage)
        await until(lambda: users.model.rowCount() > 0, "the users")
        await settle(0.1)
        grab(window, "live-users")
        accounts = window.show_page("Accounts")
        assert isinstance(accounts, AccountsPage)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the accounts")
        await settle(0.1)
        grab(window, "live-accounts")
        rows = accounts.model.records()
        busiest = max(range(len(rows)), key=lambda row: rows[row].size or 0)
        accounts.table.selectRow(busiest)
        accounts.open_account(accounts.model.index(busiest, 0))
        await until(
            lambda: accounts.detail.opportunity_rows or accounts.detail.contact_labels,
            "the account's contacts and opportunities",
        )
        await settle(0.2)
        grab(window, "live-account-detail")
        contacts = window.show_page("Contacts")
        assert isinstance(contacts, ContactsPage)
        await until(lambda: contacts.model.loaded and not contacts.model.loading, "the contacts")
        await settle(0.1)
        grab(window, "live-contacts")

        other = GatewayClient(shell.signed_in.client.base_url)  # another device
        try:
            await other.sign_in(DEMO_ADMIN, DEMO_PASSWORD)
            print("adding euro deals and a saved view to the demo book…")
            extras = await add_extras(other, accounts.model.records())
            await crm_shots(shell, window, accounts, contacts, other, extras)
        finally:
            await other.aclose()

    async def crm_shots(
        shell: DesktopShell,
        window: MainWindow,
        accounts: AccountsPage,
        contacts: ContactsPage,
        other: GatewayClient,
        extras: Extras,
    ) -> None:
        contacts.open_record_id(extras.contact.id)
        await until(lambda: contacts.detail.opportunity_rows, "the contact's opportunities")
        await settle(0.2)
        grab(window, "live-contact-detail")
        contacts.detail.hide()

        window.show_page("Accounts")
        accounts.detail.hide()
        accounts.open_new_dialog()
        await until(lambda: accounts.dialog is not None, "the New account dialog")
        dialog = accounts.dialog
        assert dialog is not None
        dialog.field("name").editor.setText("Northwind Traders")  # type: ignore[attr-defined]
        dialog.field("domain").editor.setText("northwind traders")  # type: ignore[attr-defined]
        dialog.field("industry").editor.setText("Wholesale")  # type: ignore[attr-defined]
        dialog.submit()
        await until(lambda: dialog.field("domain").error(), "the server's word on the domain")
        await settle(0.2)
        grab(dialog, "live-account-new-error")
        dialog.reject()

        accounts.load_views()  # the view was saved elsewhere after the page first showed
        await until(lambda: len(accounts.views_bar.views()) > 0, "the saved views")
        accounts.views_bar.choose(accounts.views_bar.views()[0].id)  # as the user picks it
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the view")
        accounts.table.sortByColumn(AccountsTableModel.NAME, Qt.SortOrder.AscendingOrder)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the sort")
        view_dialog = accounts.open_save_view_dialog()
        assert view_dialog is not None
        view_dialog.name_edit.setText("Big US accounts, A to Z")
        await settle(0.2)
        grab_over(window, view_dialog, "live-views")
        view_dialog.reject()

        accounts.views_bar.choose(None)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "all accounts")
        records = RecordsApi(other)
        for name, domain in (("Northwind Traders", "northwind.com"), ("Contoso Pharma", "")):
            await records.create(ACCOUNTS, {"name": name, "domain": domain or None})
        await until(lambda: accounts.new_notice.count == 2, "the new accounts notice")
        await settle(0.2)
        grab(window, "live-accounts-new-notice")

        board = window.show_page("Pipeline")
        assert isinstance(board, PipelinePage)
        await until(
            lambda: board.columns and all(c.model.loaded for c in board.columns.values()),
            "the pipeline board",
        )
        await settle(0.4)  # the accounts' names on the cards
        grab(window, "live-pipeline")
        editor = board.open_editor(extras.big_deal.id)
        assert editor is not None
        await until(lambda: not editor.loading and editor.account is not None, "the deal")
        await settle(0.2)
        grab(editor, "live-opportunity-editor")
        editor.reject()

        window.show_page("Accounts")
        palette = shell.palette
        assert palette is not None
        palette.popup()
        palette.input.setText("acme")
        await until(
            lambda: palette.model.state is SearchState.READY and palette.model.hits(),
            "the search results",
        )
        await settle(0.2)
        grab_over(window, palette, "live-palette", centred=False)
        palette.close()

        window.show_page("Contacts")
        wizard = contacts.open_import()
        assert isinstance(wizard, ImportWizard)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "trade-show-leads.csv"
            path.write_text(IMPORT_CSV, encoding="utf-8")
            wizard.set_file(path)
            wizard.go_next()
            await until(lambda: wizard.current_step() == wizard.MAPPING, "the columns step")
            await settle(0.2)
            grab(wizard, "live-import-mapping")
            wizard.go_next()
            await until(
                lambda: (
                    wizard.current_step() == wizard.SUMMARY
                    and wizard.summary_step.error_model.rowCount() > 0
                ),
                "the import's outcome",
            )
        await settle(0.2)
        grab(wizard, "live-import-summary")
        wizard.accept()

    with loop:
        loop.run_until_complete(session())


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[2:] not in ([], ["--live"]):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    keep = [
        startup(
            out,
            "startup-progress",
            [
                (0.0, StepEvent("database", "started")),
                (2.4, StepEvent("database", "done", "PostgreSQL 18 (embedded, new)")),
                (0.1, StepEvent("broker", "started")),
                (1.1, StepEvent("broker", "done", "tansu at 127.0.0.1:40123")),
                (0.1, StepEvent("migrations", "started")),
            ],
        ),
        startup(
            out,
            "startup-failed",
            [
                (0.0, StepEvent("database", "started")),
                (
                    0.4,
                    StepEvent(
                        "database",
                        "failed",
                        "the data folder /srv/salesos/home is not writable (Not a directory)",
                        "Choose a writable folder with SALESOS_HOME, or fix its permissions.",
                    ),
                ),
            ],
        ),
        startup(
            out,
            "startup-failed-long",
            [
                (0.0, StepEvent("database", "started")),
                (2.0, StepEvent("database", "done", "PostgreSQL ready")),
                (0.1, StepEvent("broker", "started")),
                (1.0, StepEvent("broker", "done", "tansu at 127.0.0.1:40123")),
                (0.1, StepEvent("migrations", "started")),
                (
                    0.7,
                    StepEvent(
                        "migrations",
                        "failed",
                        "ProgrammingError: (sqlalchemy.dialects.postgresql.asyncpg."
                        "ProgrammingError) cannot insert multiple commands into a prepared"
                        " statement\n[SQL: \n"
                        "        CREATE FUNCTION events.notify_outbox() RETURNS trigger LANGUAGE"
                        " plpgsql AS $$\n        BEGIN\n            PERFORM pg_notify("
                        "'events_outbox', '');\n            RETURN NULL;\n        END $$;\n"
                        "        CREATE TRIGGER outbox_notify AFTER INSERT ON events.outbox\n"
                        "            FOR EACH STATEMENT EXECUTE FUNCTION events.notify_outbox();\n"
                        "        ]\n(Background on this error at: https://sqlalche.me/e/21/f405)",
                        "See the logs in /home/rep/.local/share/salesos/logs; then retry.",
                    ),
                ),
            ],
        ),
        main_window(out, "main-healthy", HealthReport(datetime.now(), health=health())),
        main_window(
            out,
            "main-degraded",
            HealthReport(
                datetime.now(),
                health=health(
                    broker="KafkaConnectionError: Unable to bootstrap from 127.0.0.1:40123",
                    email="unreachable: ConnectTimeout",
                ),
            ),
        ),
        main_window(
            out,
            "main-unreachable",
            HealthReport(
                datetime.now(),
                error=UserMessage(
                    ErrorKind.UNREACHABLE,
                    "Cannot reach the SalesOS server at http://127.0.0.1:40555.",
                    "Check that the server is running and that this computer can reach it.",
                ),
            ),
        ),
        login(out, "login", server=Server.team("")),
        login(
            out,
            "login-error",
            server=Server.this_computer(),
            failure=describe_error(
                ApiError(401, "invalid_credentials", "The email or password is not correct.")
            ),
        ),
        login(
            out,
            "login-locked",
            server=Server.team("https://sales.acme-sales.com"),
            failure=describe_error(ApiError(429, "account_locked", "locked", retry_after=16)),
        ),
        login(out, "login-no-keyring", server=Server.this_computer(), keyring=False),
        *signed_in_screens(out),
    ]
    del keep
    if argv[2:] == ["--live"]:
        live(app, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

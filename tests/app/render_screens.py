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

With ``--live`` it also (``render_live.py``) starts the real solo backend (in a temporary SALESOS_HOME,
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.app.support

from app.api.auth import DeviceSession
from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.health import ComponentHealth, Health
from app.api.session import User
from app.api.users import UserPage
from app.errors import ErrorKind, UserMessage, describe_error
from app.features.login.model import Server
from app.features.login.view import LoginWindow
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
from app.qt.widgets import QApplication, QWidget
from app.theme import apply_theme
from tests.app.render_support import WINDOW_SIZE, save

STEPS = ("database", "broker", "migrations", "services")
SERVICES = ("activities", "auth", "calendar", "crm", "email", "scoring", "sequences", "sync")


class FakeClock:
    """A clock the script moves by hand, so durations look like a real start."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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
                ApiError(401, "invalid_credentials", "The password is not correct for this email.")
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
        from tests.app.render_live import live

        live(app, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Render the desktop screens to PNG files, to look at them without a display.

Usage: ``python tests/app/render_screens.py OUT_DIR [--live]``

Writes ``startup-progress.png`` (some steps done, one running),
``startup-failed.png`` (the database could not start), ``startup-failed-long.png``
(a cause the length of a SQL error), ``main-healthy.png``, ``main-degraded.png``
and ``main-unreachable.png``. The windows are fed recorded events, not a live
backend, so the script runs in a second. With ``--live`` it also starts the real
solo backend (in a temporary SALESOS_HOME) and writes ``live-startup.png`` and
``live-main.png`` from the real session.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.api.client import GatewayClient
from app.api.models import ComponentHealth, Health
from app.errors import ErrorKind, UserMessage
from app.features.startup.model import StartupProgress, StepEvent
from app.features.startup.view import StartupWindow
from app.features.status.model import HealthReport
from app.features.status.monitor import HealthMonitor
from app.features.status.view import StatusPage
from app.main_window import MainWindow
from app.ops import Operations
from app.qt import QApplication, QWidget
from app.theme import apply_theme

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
    window.add_page("System status", "status", StatusPage(monitor, "Solo · This computer"))
    monitor.reported.emit(report)
    save(window, out, name)
    loop.close()
    return window


def live(app: QApplication, out: Path) -> None:
    """Run a real solo session, grab its windows, stop it."""
    import tempfile

    import qasync

    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner

    home = tempfile.mkdtemp(prefix="salesos-shots-")
    os.environ.update(SALESOS_HOME=home, SALESOS_EMBEDDED_PG_FAST="1", SALESOS_LOG_FORMAT="text")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def session() -> None:
        shell = DesktopShell(SoloBackendRunner(), Operations(loop))
        finished = asyncio.Event()
        shell.finished.connect(lambda _code: finished.set())
        shell.start()
        await asyncio.sleep(0.05)
        shell.startup_window.grab().save(str(out / "live-startup.png"))
        print(out / "live-startup.png")
        while shell.main_window is None or shell.monitor is None or not shell.monitor.latest:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        shell.main_window.grab().save(str(out / "live-main.png"))
        print(out / "live-main.png")
        shell.shutdown()
        await finished.wait()

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
    ]
    del keep
    if argv[2:] == ["--live"]:
        live(app, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

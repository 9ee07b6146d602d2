"""Start-up time of the desktop app in solo mode, to the login window and, signing in at
once as the demo admin, to a usable main window.

Each run is a fresh process (as a rep double-clicking the app): the clock starts at
the process's creation. "First start" runs against an empty SALESOS_HOME (initdb,
migrations, demo data); "warm start" reuses it (the embedded Postgres was stopped
at the previous exit). Then `salesos serve --all` is timed to its first 200 on
GET /health. The app keeps its sign-in choices in the run's SALESOS_HOME and is
given no OS keyring: nothing of this machine's user is touched.

Usage: python benchmarks/startup.py [--warm-runs 5] [--first-runs 3] [--smoke]
``--smoke`` makes one first and one warm start and one first serve (well under a
minute): the figures print as usual, from one sample each. Runs offscreen
(QT_QPA_PLATFORM=offscreen); no display needed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import SMOKE_HELP, apply_smoke, describe, free_port, percentile

ROOT = Path(__file__).resolve().parent.parent
DEMO_ADMIN = "admin@demo.salesos.dev"
DEMO_PASSWORD = "demo123!"


def child() -> None:
    """One start: print the seconds from process creation to the login window, and to
    the main window once the demo admin signed in there."""
    import psutil

    born = psutil.Process().create_time()
    import asyncio

    import keyring
    import keyring.backends.fail
    import qasync

    from app.features.login.model import SignInPreferences
    from app.keychain import Keychain
    from app.ops import Operations
    from app.qt.core import QSettings
    from app.qt.widgets import QApplication
    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner
    from app.theme import apply_theme

    keyring.set_keyring(keyring.backends.fail.Keyring())  # never this user's keyring
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    done: asyncio.Future[int] = loop.create_future()
    home = Path(os.environ["SALESOS_HOME"])
    prefs = SignInPreferences(QSettings(str(home / "prefs.ini"), QSettings.Format.IniFormat))
    shell = DesktopShell(SoloBackendRunner(), Operations(loop), prefs, Keychain())
    steps: dict[str, float] = {}
    result: dict[str, object] = {}

    def on_step(update: object) -> None:
        if getattr(update, "state", "") == "done":
            steps[str(update.step)] = round(time.time() - born, 3)  # type: ignore[attr-defined]

    def login_shown() -> None:
        result["login_window_s"] = round(time.time() - born, 3)
        window = shell.login_window

        def sign_in_when_ready() -> None:
            if window.busy:  # the keyring check is still on its way
                loop.call_later(0.01, sign_in_when_ready)
                return
            window.email_edit.setText(DEMO_ADMIN)
            window.password_edit.setText(DEMO_PASSWORD)
            window.submit()

        sign_in_when_ready()

    def shown() -> None:
        result["main_window_s"] = round(time.time() - born, 3)
        result["steps_s"] = dict(steps)
        shell.shutdown()

    shell.runner.step.connect(on_step)
    shell.login_shown.connect(login_shown)
    shell.main_window_shown.connect(shown)
    shell.finished.connect(lambda code: done.done() or done.set_result(code))
    shell.start()
    with loop:
        loop.run_until_complete(done)
    print(json.dumps(result), flush=True)


def environment(home: Path) -> dict[str, str]:
    """The environment of a run against ``home`` (embedded servers, quiet logs)."""
    env = {
        **os.environ,
        "SALESOS_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "SALESOS_LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
        env.pop(name, None)
    return env


def run_once(home: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=environment(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"start failed ({out.returncode}):\n{out.stderr[-2000:]}")
    data: dict[str, object] = json.loads(lines[-1])
    if "main_window_s" not in data:
        raise SystemExit(f"the main window never showed:\n{out.stderr[-2000:]}")
    return data


def serve_to_health(home: Path) -> float:
    """Seconds from starting `salesos serve --all` to its first 200 on GET /health."""
    import urllib.request

    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--all", "--port", str(port)],
        env=environment(home), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - t < 90:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                time.sleep(0.02)
        raise SystemExit("serve --all did not answer /health within 90 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def destroy(home: Path) -> None:
    """Delete the embedded database of ``home`` (as root it lives outside it)."""
    subprocess.run(
        [sys.executable, "-c", "from backend.embedded.postgres import EmbeddedPostgres as P; "
         f"P({str(home)!r}).destroy()"], cwd=ROOT, check=False,
    )  # fmt: skip


def line(label: str, values: list[float]) -> str:
    return (
        f"{label}: median {percentile(values, 50):.2f} s, max {max(values):.2f} s (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--first-runs", type=int, default=3)
    parser.add_argument("--serve-runs", type=int, default=3, help="warm serve --all starts")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    parser.add_argument("--child", action="store_true")
    opts = parser.parse_args()
    if opts.child:
        child()
        return
    print(f"machine: {describe()}", flush=True)
    apply_smoke(opts, first_runs=1, warm_runs=1, serve_runs=0)
    first_login, first_main, warm_login, warm_main = [], [], [], []
    for _ in range(opts.first_runs):
        home = Path(tempfile.mkdtemp(prefix="salesos-startup-"))
        try:
            first = run_once(home)
            first_login.append(float(first["login_window_s"]))  # type: ignore[arg-type]
            first_main.append(float(first["main_window_s"]))  # type: ignore[arg-type]
            print(
                f"first start (initdb, migrations, demo data): login {first['login_window_s']} s, "
                f"main window {first['main_window_s']} s  steps {first['steps_s']}",
                flush=True,
            )
            if not warm_main:
                for _ in range(opts.warm_runs):
                    warm = run_once(home)
                    warm_login.append(float(warm["login_window_s"]))  # type: ignore[arg-type]
                    warm_main.append(float(warm["main_window_s"]))  # type: ignore[arg-type]
                    print(
                        f"warm start: login {warm['login_window_s']} s, "
                        f"main window {warm['main_window_s']} s  steps {warm['steps_s']}",
                        flush=True,
                    )
        finally:
            destroy(home)
    home = Path(tempfile.mkdtemp(prefix="salesos-serve-"))
    try:
        first_serve = serve_to_health(home)
        warm_serve = [serve_to_health(home) for _ in range(opts.serve_runs)]
    finally:
        destroy(home)
    warm_text = (
        f", warm median {percentile(warm_serve, 50):.2f} s (n={len(warm_serve)})"
        if warm_serve
        else ""
    )
    print(f"salesos serve --all to GET /health 200: first (initdb) {first_serve:.2f} s{warm_text}")
    print(line("first start to login window", first_login))
    print(line("first start to main window (signed in at once)", first_main))
    print(line("warm start to login window", warm_login))
    print(line("warm start to main window (signed in at once)", warm_main))


if __name__ == "__main__":
    main()

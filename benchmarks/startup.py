"""Start-up time of the desktop app in solo mode, to a usable main window.

Each run is a fresh process (as a rep double-clicking the app): the clock starts at
the process's creation and stops when the main window is shown with the backend
serving. "First start" runs against an empty SALESOS_HOME (initdb, migrations, demo
data); "warm start" reuses it (the embedded Postgres was stopped at the previous exit).

Usage: python benchmarks/startup.py [--warm-runs 5]
Runs offscreen (QT_QPA_PLATFORM=offscreen); no display needed.
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
from _machine import describe, percentile

ROOT = Path(__file__).resolve().parent.parent


def child() -> None:
    """One start: print the seconds from process creation to the main window."""
    import psutil

    born = psutil.Process().create_time()
    import asyncio

    import qasync

    from app.ops import Operations
    from app.qt.widgets import QApplication
    from app.shell import DesktopShell
    from app.solo import SoloBackendRunner
    from app.theme import apply_theme

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    done: asyncio.Future[int] = loop.create_future()
    shell = DesktopShell(SoloBackendRunner(), Operations(loop))
    steps: dict[str, float] = {}
    result: dict[str, object] = {}

    def on_step(update: object) -> None:
        if getattr(update, "state", "") == "done":
            steps[str(update.step)] = round(time.time() - born, 3)  # type: ignore[attr-defined]

    def shown() -> None:
        result["main_window_s"] = round(time.time() - born, 3)
        result["steps_s"] = dict(steps)
        shell.shutdown()

    shell.runner.step.connect(on_step)
    shell.main_window_shown.connect(shown)
    shell.finished.connect(lambda code: done.done() or done.set_result(code))
    shell.start()
    with loop:
        loop.run_until_complete(done)
    print(json.dumps(result), flush=True)


def run_once(home: Path) -> dict[str, object]:
    env = {
        **os.environ,
        "SALESOS_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "SALESOS_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"start failed ({out.returncode}):\n{out.stderr[-2000:]}")
    data: dict[str, object] = json.loads(lines[-1])
    return data


def serve_to_health(home: Path) -> float:
    """Seconds from starting `salesos serve --all` to its first 200 on GET /health."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SALESOS_HOME": str(home), "SALESOS_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--all", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - t < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                time.sleep(0.02)
        raise SystemExit("serve --all did not answer /health within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--first-runs", type=int, default=3)
    parser.add_argument("--child", action="store_true")
    opts = parser.parse_args()
    if opts.child:
        child()
        return
    print(f"machine: {describe()}")
    firsts, warms = [], []
    for _ in range(opts.first_runs):
        home = Path(tempfile.mkdtemp(prefix="salesos-startup-"))
        try:
            first = run_once(home)
            firsts.append(float(first["main_window_s"]))  # type: ignore[arg-type]
            print(
                f"first start (initdb, migrations, demo data): {first['main_window_s']} s  steps {first['steps_s']}"
            )
            if not warms:
                for _ in range(opts.warm_runs):
                    warm = run_once(home)
                    warms.append(float(warm["main_window_s"]))  # type: ignore[arg-type]
                    print(f"warm start: {warm['main_window_s']} s  steps {warm['steps_s']}")
        finally:
            subprocess.run(
                [sys.executable, "-c", "from backend.embedded.postgres import EmbeddedPostgres as P; "
                 f"P({str(home)!r}).destroy()"], cwd=ROOT, check=False,
            )  # fmt: skip
    home = Path(tempfile.mkdtemp(prefix="salesos-serve-"))
    try:
        first_serve = serve_to_health(home)
        warm_serve = [serve_to_health(home) for _ in range(3)]
    finally:
        subprocess.run(
            [sys.executable, "-c", "from backend.embedded.postgres import EmbeddedPostgres as P; "
             f"P({str(home)!r}).destroy()"], cwd=ROOT, check=False,
        )  # fmt: skip
    print(
        f"salesos serve --all to GET /health 200: first (initdb) {first_serve:.2f} s, "
        f"warm median {percentile(warm_serve, 50):.2f} s"
    )
    print(
        f"first start to main window: median {percentile(firsts, 50):.2f} s, max {max(firsts):.2f} s (n={len(firsts)})"
    )
    print(
        f"warm start to main window:  median {percentile(warms, 50):.2f} s, max {max(warms):.2f} s (n={len(warms)})"
    )


if __name__ == "__main__":
    main()

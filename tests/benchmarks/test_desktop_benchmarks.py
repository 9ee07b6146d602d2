"""The desktop benchmarks still run: each in its seconds-long smoke mode, as a process of
its own started from another folder than the checkout, ends well and prints its
figures (which are not judged here: timing belongs to the benchmarks, not to
asserts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
SMOKE_TIMEOUT_S = 300
"""A smoke run takes well under a minute; this only stops one that hangs."""

SECONDS = r"\d+\.\d+ s"
MILLISECONDS = r"\d+(\.\d+)? ms"


def smoke(script: str, tmp_path: Path) -> list[str]:
    """Run ``benchmarks/SCRIPT --smoke``; the lines it printed (it must end well)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_HOME", "SALESOS_SECRET_KEY"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "smoke run:" in done.stdout
    return done.stdout.splitlines()


def figure(lines: list[str], label: str, pattern: str) -> str:
    """The line starting with ``label``, which must show ``pattern``."""
    found = [line for line in lines if line.startswith(label)]
    assert found, f"no line starts with {label!r}:\n" + "\n".join(lines)
    assert re.search(pattern, found[0]), found[0]
    return found[0]


@pytest.mark.slow
class TestSmokeRuns:
    def test_startup_prints_its_start_times(self, tmp_path: Path) -> None:
        lines = smoke("startup.py", tmp_path)
        figure(lines, "machine: ", r"\d+ cores")
        figure(lines, "first start (initdb, migrations, demo data): ", f"main window {SECONDS}")
        figure(lines, "warm start: ", f"login {SECONDS}, main window {SECONDS}")
        figure(lines, "salesos serve --all to GET /health 200: ", f"first \\(initdb\\) {SECONDS}")
        for label in (
            "first start to login window",
            "first start to main window",
            "warm start to login window",
            "warm start to main window",
        ):
            figure(lines, label, f"median {SECONDS}, max {SECONDS} \\(n=1\\)")

    def test_desktop_prints_first_rows_and_stalls(self, tmp_path: Path) -> None:
        lines = smoke("desktop.py", tmp_path)
        figure(lines, "machine: ", r"\d+ cores")
        figure(
            lines,
            "Accounts view, open to first rows (300 accounts, 2 openings): ",
            f"p50 {MILLISECONDS}, max {MILLISECONDS}",
        )
        figure(
            lines,
            "UI thread while paging 3 pages (",
            f"4 re-sorts and 5 filters: longest stall {MILLISECONDS}, p99 beat gap {MILLISECONDS}",
        )

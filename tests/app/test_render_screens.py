"""The screen renderer still runs (without ``--live``: recorded answers, a few seconds)
and writes every picture its docstring names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("render_screens.py")

RECORDED = (
    "startup-progress", "startup-failed", "startup-failed-long", "main-healthy",
    "main-degraded", "main-unreachable", "login", "login-error", "login-locked",
    "login-no-keyring", "settings", "users", "add-user-error",
)  # fmt: skip


def test_the_recorded_screens_are_written(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    written = sorted(path.stem for path in tmp_path.glob("*.png"))
    assert written == sorted(RECORDED)
    assert all((tmp_path / f"{name}.png").stat().st_size > 10_000 for name in RECORDED)

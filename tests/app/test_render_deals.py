"""The deals screens' renderer still runs against a real session (the solo backend with
the demo data) and writes every picture its docstring names, at both sizes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("render_deals.py")

SCREENS = ("deals-board", "deals-list-all", "deals-list")


def test_the_deals_screens_are_written(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    wanted = sorted(f"{name}{size}" for name in SCREENS for size in ("", "-1024"))
    assert sorted(path.stem for path in tmp_path.glob("*.png")) == wanted
    assert all((tmp_path / f"{name}.png").stat().st_size > 10_000 for name in wanted)

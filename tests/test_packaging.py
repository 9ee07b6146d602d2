"""Installing SalesOS says nothing alarming: the package metadata is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_building_the_package_prints_no_deprecation_warnings() -> None:
    # What `make` runs builds the package with the newest setuptools (an isolated build
    # environment); a license written as a TOML table made it print ~170 lines of
    # "project.license as a TOML table is deprecated" on every install.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--ignore-installed",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "deprecated" not in output.lower(), output
    assert "project.license" not in output, output

"""Every backend benchmark still runs: each in its seconds-long smoke mode, from
another folder than the checkout, as a user would start it. No figure is asserted
(timing belongs to the benchmarks); only that it ran and reported its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _smoke(name: str, tmp_path: Path) -> str:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--smoke"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "smoke run:" in run.stdout
    assert "machine: " in run.stdout
    return run.stdout


@pytest.mark.slow
class TestBackendBenchmarksRun:
    def test_events(self, tmp_path: Path) -> None:
        out = _smoke("events", tmp_path)
        for figure in (
            "relay:",
            "commit-to-handled latency",
            "consumer with idempotency",
            "live update",
        ):
            assert figure in out

    def test_relay_soak(self, tmp_path: Path) -> None:
        out = _smoke("relay_soak", tmp_path)
        assert "RESULT: PASS" in out

    def test_crm(self, tmp_path: Path) -> None:
        out = _smoke("crm", tmp_path)
        for figure in ("list of 50", "search", "import of 300 contacts"):
            assert figure in out

    def test_auth_gateway(self, tmp_path: Path) -> None:
        out = _smoke("auth_gateway", tmp_path)
        for figure in ("login (correct password", "gateway overhead p50"):
            assert figure in out

    def test_email(self, tmp_path: Path) -> None:
        out = _smoke("emails", tmp_path)
        for figure in ("queued through the API", "throughput to the fakes", "queue to sent, idle",
                       "compose merge preview"):  # fmt: skip
            assert figure in out

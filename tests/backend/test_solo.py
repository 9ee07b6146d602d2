"""The solo runner: the whole backend in a thread, on a free loopback port."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from backend.kit.settings import Settings, load_settings
from backend.server import SoloBackend, StartupStep, StepUpdate


def _solo_settings(tmp_path: Path, database_url: str, bootstrap: str) -> Settings:
    return load_settings(
        SALESOS_HOME=tmp_path,
        DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        SALESOS_LOG_FORMAT="text",
    )


class TestSoloBackend:
    def test_reports_each_step_then_serves_health_on_loopback(
        self, tmp_path: Path, database_url: str, bootstrap_servers: str
    ) -> None:
        updates: list[StepUpdate] = []
        threads: set[str] = set()

        def on_step(u: StepUpdate) -> None:
            updates.append(u)
            threads.add(threading.current_thread().name)

        solo = SoloBackend(_solo_settings(tmp_path, database_url, bootstrap_servers))
        solo.start(on_step)
        try:
            url = solo.wait_ready(60)
            assert url.startswith("http://127.0.0.1:")
            r = httpx.get(f"{url}/health", timeout=10)
            assert r.status_code == 200, r.text
            assert r.json()["mode"] == "solo"
        finally:
            solo.stop()
        assert [(u.step, u.state) for u in updates] == [
            (step, state) for step in StartupStep for state in ("started", "done")
        ]
        assert threads == {"salesos-backend"}
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/health", timeout=2)

    def test_database_failure_is_reported_with_cause_and_remedy(
        self, tmp_path: Path, bootstrap_servers: str
    ) -> None:
        updates: list[StepUpdate] = []
        solo = SoloBackend(
            _solo_settings(tmp_path, "postgresql://nobody:x@127.0.0.1:1/salesos", bootstrap_servers)
        )
        solo.start(updates.append)
        with pytest.raises(RuntimeError, match="database: cannot connect"):
            solo.wait_ready(30)
        solo.stop()
        assert updates[-1].step is StartupStep.DATABASE
        assert updates[-1].state == "failed"
        assert "DATABASE_URL" in updates[-1].remedy

    def test_stop_during_start_does_not_leave_a_server(
        self, tmp_path: Path, database_url: str, bootstrap_servers: str
    ) -> None:
        solo = SoloBackend(_solo_settings(tmp_path, database_url, bootstrap_servers))
        solo.start(lambda u: None)
        solo.stop()
        if solo.base_url is not None:  # the start won the race; it must be down now
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{solo.base_url}/health", timeout=2)
        assert not any(t.name == "salesos-backend" for t in threading.enumerate())


class TestLogFile:
    def test_solo_writes_its_log_under_home(
        self, tmp_path: Path, database_url: str, bootstrap_servers: str
    ) -> None:
        solo = SoloBackend(_solo_settings(tmp_path, database_url, bootstrap_servers))
        solo.start(lambda u: None)
        try:
            solo.wait_ready(60)
        finally:
            solo.stop()
        assert (tmp_path / "logs" / "salesos.log").exists()

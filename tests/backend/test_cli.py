"""The ``salesos`` command, run as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from backend.embedded.broker import free_port
from backend.embedded.postgres import EmbeddedPostgres
from backend.kit import migrate

SALESOS = [sys.executable, "-m", "app"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env.update(
        SALESOS_HOME=str(home), SALESOS_EMBEDDED_PG_FAST="1", SALESOS_LOG_FORMAT="text", **extra
    )
    return env


def _run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SALESOS, *args], env=_env(home, **extra), capture_output=True, text=True, timeout=120
    )


def _wait_health(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("no healthy answer")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    h = tmp_path / "home"
    yield h
    EmbeddedPostgres(h).destroy()


class TestBasics:
    def test_version(self, home: Path) -> None:
        r = _run(home, "--version")
        assert r.returncode == 0
        assert r.stdout.strip() == "salesos 0.1.0"

    @pytest.mark.parametrize(
        "args",
        [
            ["--help"],
            ["serve", "--help"],
            ["db", "--help"],
            ["db", "upgrade", "--help"],
            ["infra", "--help"],
        ],
    )
    def test_help_on_each_command(self, home: Path, args: list[str]) -> None:
        r = _run(home, *args)
        assert r.returncode == 0
        assert "usage: salesos" in r.stdout

    def test_bad_setting_is_a_one_line_error(self, home: Path) -> None:
        r = _run(home, "db", "current", KAFKA_BOOTSTRAP_SERVERS="nohostport")
        assert r.returncode == 2
        assert "configuration error: KAFKA_BOOTSTRAP_SERVERS" in r.stderr
        assert "Traceback" not in r.stderr


class TestDb:
    def test_upgrade_current_downgrade(self, home: Path) -> None:
        r = _run(home, "db", "upgrade")
        assert r.returncode == 0, r.stderr
        assert f"database at revision {migrate.head_revision()}" in r.stdout
        r = _run(home, "db", "downgrade", "base")
        assert r.returncode == 0, r.stderr
        assert "base (empty)" in r.stdout
        r = _run(home, "db", "current")
        assert "base (empty)" in r.stdout


class TestInfra:
    def test_up_status_down(self, home: Path) -> None:
        r = _run(home, "infra", "up")
        assert r.returncode == 0, r.stderr
        lines = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        assert lines["DATABASE_URL"].startswith("postgresql://")
        assert lines["KAFKA_BOOTSTRAP_SERVERS"].startswith("127.0.0.1:")
        # They outlive the command (development servers), and status sees them.
        r = _run(home, "infra", "status")
        assert "postgres: running" in r.stdout
        assert "broker:   running" in r.stdout
        r = _run(home, "infra", "down")
        assert r.returncode == 0
        r = _run(home, "infra", "status")
        assert "postgres: stopped" in r.stdout
        assert "broker:   stopped" in r.stdout


class TestServe:
    @pytest.mark.slow
    def test_serve_all_answers_health_and_survives_kill_9_then_restart(self, home: Path) -> None:
        port = free_port()
        proc = subprocess.Popen(
            [*SALESOS, "serve", "--all", "--port", str(port)],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            body = _wait_health(port, proc).json()
            assert body["mode"] == "team"
            assert body["status"] == "ok"
            children = psutil.Process(proc.pid).children()
            assert {c.name() for c in children} >= {"postgres", "tansu"}
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        # The embedded servers die with their parent: nothing is left to block a restart.
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive
        proc = subprocess.Popen(
            [*SALESOS, "serve", "--all", "--port", str(port)],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert _wait_health(port, proc).json()["status"] == "ok"
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0

    @pytest.mark.slow
    def test_prefork_workers_share_the_port_and_stop_together(self, home: Path) -> None:
        port = free_port()
        proc = subprocess.Popen(
            [*SALESOS, "serve", "--all", "--port", str(port), "--workers", "2"],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert _wait_health(port, proc).json()["status"] == "ok"
            workers = [c for c in psutil.Process(proc.pid).children() if "python" in c.name()]
            assert len(workers) == 2
            for _ in range(20):  # the workers accept on the one socket
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                assert r.status_code == 200
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive

    def test_port_in_use_is_a_clear_error(self, home: Path) -> None:
        import socket

        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            port = squatter.getsockname()[1]
            r = _run(home, "serve", "--service", "auth", "--port", str(port))
        assert r.returncode == 1
        assert f"could not listen on 127.0.0.1:{port}" in r.stderr

    def test_an_unknown_service_is_named_with_the_real_ones(self, home: Path) -> None:
        r = _run(home, "serve", "--service", "billing")
        assert r.returncode == 2
        assert "--service 'billing' is not one of gateway, auth, crm" in r.stderr

    def test_a_service_alone_is_told_where_its_peers_are(self, home: Path) -> None:
        r = _run(home, "serve", "--service", "crm", "--port", str(free_port()))
        assert r.returncode == 2
        assert "SALESOS_SERVICE_URLS: crm calls auth; add auth=http://host:port" in r.stderr


class TestSeedDemo:
    def test_idempotent_demo_with_crm_book_and_generated_scale(self, home: Path) -> None:
        r = _run(home, "seed-demo")
        assert r.returncode == 0, r.stderr
        assert "demo data created" in r.stdout
        assert "admin@demo.salesos.dev / demo123! (admin)" in r.stdout
        r = _run(home, "seed-demo", "--accounts", "250")
        assert "already present; nothing changed" in r.stdout
        assert "generated 250 accounts, 750 contacts, 250 opportunities" in r.stdout


class TestEventWorkers:
    """``salesos worker relay`` and ``salesos events``, against the session's servers."""

    async def test_relay_worker_publishes_serves_metrics_and_stops_on_sigterm(
        self, home: Path, infra: object, resources: object
    ) -> None:
        import asyncio

        from sqlalchemy import text

        from tests.backend.messaging.support import Run, wait_for

        urls = {
            "DATABASE_URL": infra.database_url,  # type: ignore[attr-defined]
            "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,  # type: ignore[attr-defined]
        }
        port = free_port()
        proc = subprocess.Popen(
            [*SALESOS, "worker", "relay", "--metrics-port", str(port)],
            env=_env(home, SALESOS_RELAY_POLL_SECONDS="0.2", **urls),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            run = Run()
            async with resources.sessionmaker() as session, session.begin():  # type: ignore[attr-defined]
                await run.emit(session, "cli", 1)

            async def published() -> bool:
                async with resources.engine.connect() as conn:  # type: ignore[attr-defined]
                    n = await conn.scalar(
                        text(
                            "SELECT count(*) FROM events.outbox "
                            "WHERE topic = :t AND published_at IS NOT NULL"
                        ),
                        {"t": run.topic},
                    )
                return n == 1

            await wait_for(published, timeout=60, what="the worker to publish")
            body = (await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{port}/metrics")).text
            assert "salesos_relay_leader 1.0" in body
            assert "salesos_events_published_total" in body
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 30)
        assert code == 0

    async def test_dead_letters_are_listed_and_replayed(
        self, home: Path, infra: object, resources: object
    ) -> None:
        import asyncio
        import uuid

        from sqlalchemy import text

        urls = {
            "DATABASE_URL": infra.database_url,  # type: ignore[attr-defined]
            "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,  # type: ignore[attr-defined]
        }
        event_id = uuid.uuid4()
        envelope = (
            f'{{"id": "{event_id}", "type": "test.cli", "customer_id": null, '
            '"aggregate_type": "probe", "aggregate_id": "cli-dead", '
            '"occurred_at": "2026-11-26T00:00:00+00:00", "payload": {"seq": 1}, "headers": {}}'
        )
        async with resources.engine.begin() as conn:  # type: ignore[attr-defined]
            dead_id = await conn.scalar(
                text(
                    "INSERT INTO events.dead_letters (source, event_id, topic, envelope, error, attempts) "
                    "VALUES ('consumer:cli-test', :e, 'test.cli', CAST(:env AS jsonb), "
                    "'ValueError: no', 5) RETURNING id"
                ),
                {"e": event_id, "env": envelope},
            )
        listed = await asyncio.to_thread(_run, home, "events", "dlq", "list", **urls)
        assert listed.returncode == 0, listed.stderr
        assert str(event_id) in listed.stdout
        assert "consumer:cli-test" in listed.stdout
        assert "ValueError: no" in listed.stdout
        replayed = await asyncio.to_thread(
            _run, home, "events", "dlq", "replay", str(dead_id), **urls
        )
        assert replayed.returncode == 0, replayed.stderr
        assert f"replayed 1 dead letter(s): {dead_id}" in replayed.stdout
        async with resources.engine.begin() as conn:  # type: ignore[attr-defined]
            back = await conn.scalar(
                text("SELECT count(*) FROM events.outbox WHERE id = :e AND published_at IS NULL"),
                {"e": event_id},
            )
            await conn.execute(text("DELETE FROM events.outbox WHERE id = :e"), {"e": event_id})
        assert back == 1
        status = await asyncio.to_thread(_run, home, "events", "status", **urls)
        assert status.returncode == 0
        assert '"dead_letters"' in status.stdout

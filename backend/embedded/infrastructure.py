"""The database and broker a backend process runs against: configured or embedded."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg

from backend.embedded.broker import EmbeddedBroker, port_answers
from backend.embedded.errors import InfrastructureError
from backend.embedded.postgres import EmbeddedPostgres
from backend.embedded.supervisor import Supervised, Supervisor
from backend.kit.db import plain_url
from backend.kit.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Infrastructure:
    """Starts what ``settings`` does not point at, and stops only what it started.

    Args:
        settings: ``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS`` win over embedded servers.
        broker_port: Fixed port for an embedded broker (``None``: any free port).
    """

    settings: Settings
    broker_port: int | None = None
    postgres: EmbeddedPostgres | None = field(default=None, init=False)
    broker: EmbeddedBroker | None = field(default=None, init=False)
    database_url: str = field(default="", init=False)
    bootstrap_servers: str = field(default="", init=False)

    def start_database(self, *, tie_to_parent: bool) -> str:
        """Return a reachable database URL.

        Raises:
            InfrastructureError: naming the cause and the remedy.
        """
        if self.settings.database_url:
            self.database_url = self.settings.database_url
            asyncio.run(_check_external_database(self.database_url))
            return self.database_url
        self.postgres = EmbeddedPostgres(self.settings.home, fast=self.settings.embedded_pg_fast)
        self.database_url = self.postgres.start(tie_to_parent=tie_to_parent)
        return self.database_url

    def start_broker(self, *, tie_to_parent: bool) -> str:
        """Return reachable bootstrap servers.

        Raises:
            InfrastructureError: naming the cause and the remedy.
        """
        if self.settings.kafka_bootstrap_servers:
            self.bootstrap_servers = self.settings.kafka_bootstrap_servers
            servers = [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]
            if not any(port_answers(*_host_port(s), timeout=2.0) for s in servers):
                raise InfrastructureError(
                    "broker",
                    f"no broker answers at KAFKA_BOOTSTRAP_SERVERS={self.bootstrap_servers}",
                    "Start Kafka/Redpanda there, or unset KAFKA_BOOTSTRAP_SERVERS to use the "
                    "embedded broker.",
                )
            return self.bootstrap_servers
        self.broker = EmbeddedBroker(self.settings.run_dir, port=self.broker_port)
        self.bootstrap_servers = self.broker.start(tie_to_parent=tie_to_parent)
        return self.bootstrap_servers

    def supervise(self) -> Supervisor:
        """Watch the embedded servers this process owns and restart them when they die
        (stop the supervisor before stopping them on purpose)."""
        servers: dict[str, Supervised] = {}
        if self.postgres is not None:
            servers["database"] = self.postgres
        if self.broker is not None:
            servers["broker"] = self.broker
        supervisor = Supervisor(self.settings.run_dir, servers)
        supervisor.start()
        return supervisor

    def keep_running(self) -> None:
        """Leave the embedded servers running after this process (``infra up``): no
        command stops them but ``infra down``."""
        for server in (self.postgres, self.broker):
            if server is not None and server.owned:
                server.ownership.take(kept=True)
                server.owned = False

    def stop(self) -> None:
        """Stop the embedded servers this process answers for; never external ones, and
        never one another live process (``salesos serve``) started and uses."""
        if self.broker is not None:
            self.broker.release()
        if self.postgres is not None:
            self.postgres.release()


def _host_port(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":")
    return host.strip("[]"), int(port)


async def _check_external_database(url: str) -> None:
    where = urlsplit(plain_url(url)).hostname or "a Unix socket"
    try:
        conn = await asyncpg.connect(plain_url(url), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise InfrastructureError(
            "database",
            f"cannot connect to the database at {where} ({exc.__class__.__name__}: {exc})",
            "Check that Postgres is running and DATABASE_URL is right, or unset DATABASE_URL "
            "to use the embedded database.",
        ) from exc
    await conn.close()

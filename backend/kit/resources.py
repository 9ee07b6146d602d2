"""What a running backend process shares between requests: engine, broker client, settings."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.kit.db import create_engine, create_sessionmaker
from backend.kit.pagination import use_cursor_key
from backend.kit.security import TokenCodec
from backend.kit.settings import Settings
from backend.kit.tenancy import APP_ROLE


@dataclass
class Resources:
    """Opened once per process by :func:`open_resources`, closed by :meth:`close`.

    Attributes:
        mode: ``"solo"`` or ``"team"`` (shown by ``/health``).
    """

    settings: Settings
    mode: str
    database_url: str
    bootstrap_servers: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    tokens: TokenCodec
    workers: Any = None
    """The relay and consumers running in this process, if any (``/metrics``)."""
    own_pool: bool = False
    """Made by :meth:`with_own_pool` for one service, closed with its app."""
    _kafka: AIOKafkaClient | None = None

    async def check_database(self) -> str:
        """Run a query; returns the server version. Raises on failure."""
        async with asyncio.timeout(3), self.engine.connect() as conn:
            version = await conn.scalar(text("SHOW server_version"))
        return f"PostgreSQL {version}"

    async def check_broker(self) -> str:
        """Fetch cluster metadata; returns a summary. Raises on failure."""
        async with asyncio.timeout(3):
            if self._kafka is None:
                self._kafka = AIOKafkaClient(
                    bootstrap_servers=self.bootstrap_servers, request_timeout_ms=2500
                )
                try:
                    await self._kafka.bootstrap()
                except BaseException:
                    client, self._kafka = self._kafka, None
                    await client.close()
                    raise
            metadata = await self._kafka.fetch_all_metadata()
        return f"{len(metadata.brokers())} broker(s) at {self.bootstrap_servers}"

    def with_own_pool(self) -> Resources:
        """These resources with a connection pool of their own (same database, role,
        settings and broker), for one in-process service: as in a process of its own, a
        request holding a connection while it calls a peer service (email asking the
        CRM for contacts, the CRM asking auth for a team) never waits for a connection
        that the peer needs, which in one shared pool deadlocks once the callers hold
        every connection. Close it with :meth:`close` (the broker client is its own).
        """
        engine = create_engine(
            self.database_url, pool_size=self.settings.db_pool_size, role=APP_ROLE
        )
        return dataclasses.replace(
            self,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            own_pool=True,
            _kafka=None,
        )

    async def close(self) -> None:
        if self._kafka is not None:
            with contextlib.suppress(Exception):
                await self._kafka.close()
            self._kafka = None
        await self.engine.dispose()


async def open_resources(
    settings: Settings, *, database_url: str, bootstrap_servers: str, mode: str
) -> Resources:
    engine = create_engine(database_url, pool_size=settings.db_pool_size, role=APP_ROLE)
    use_cursor_key(settings.require_secret_key())
    return Resources(
        settings=settings,
        mode=mode,
        database_url=database_url,
        bootstrap_servers=bootstrap_servers,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        tokens=TokenCodec(settings.require_secret_key()),
    )

"""Session-wide real infrastructure: the embedded Postgres and broker, started once.

Each test is isolated either by a transaction that is rolled back
(:func:`db_session`) or by servers of its own (the launcher tests).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.embedded.infrastructure import Infrastructure
from backend.kit import migrate
from backend.kit.db import create_engine
from backend.kit.logging import configure_logging
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import Settings, load_settings
from backend.messaging.workers import start_workers
from backend.server import build_backend, close_backend, serve_app

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def no_database_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """As root the embedded databases live outside their data folders (in
    /var/lib/salesos): at the end of the session, on failure paths too, delete every one
    this session's folders made, and any whose data folder is gone."""
    yield
    if os.geteuid() != 0:
        return
    from backend.embedded.postgres import databases_of_root, purge_database

    base = tmp_path_factory.getbasetemp().resolve()
    for entry, home in databases_of_root():
        if home is not None and (base in home.parents or not home.exists()):
            purge_database(entry)


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("salesos-home")


@pytest.fixture(scope="session")
def settings(session_home: Path) -> Settings:
    return load_settings(
        SALESOS_HOME=session_home,
        SALESOS_EMBEDDED_PG_FAST=True,
        SALESOS_LOG_FORMAT="text",
        DATABASE_URL="",
        KAFKA_BOOTSTRAP_SERVERS="",
    )


@pytest.fixture(scope="session")
def infra(settings: Settings) -> Iterator[Infrastructure]:
    """The real embedded Postgres (migrated to head) and the real broker."""
    configure_logging("WARNING", "text")
    infra = Infrastructure(settings)
    infra.start_database(tie_to_parent=True)
    infra.start_broker(tie_to_parent=True)
    migrate.upgrade(infra.database_url)
    yield infra
    infra.stop()
    if infra.postgres is not None:
        infra.postgres.destroy()


@pytest.fixture(scope="session")
def database_url(infra: Infrastructure) -> str:
    return infra.database_url


@pytest.fixture(scope="session")
def bootstrap_servers(infra: Infrastructure) -> str:
    return infra.bootstrap_servers


@pytest.fixture(scope="session")
async def resources(settings: Settings, infra: Infrastructure) -> AsyncIterator[Resources]:
    res = await open_resources(
        settings,
        database_url=infra.database_url,
        bootstrap_servers=infra.bootstrap_servers,
        mode="solo",
    )
    yield res
    await res.close()


@pytest.fixture(scope="session")
async def owner_engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    """Connected as the owner (migrations' user): for DDL in tests, never for app code."""
    engine = create_engine(infra.database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def owner_session(owner_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """An owner session rolled back after the test (DDL included)."""
    async with owner_engine.connect() as conn:
        trans = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            await session.close()
            await trans.rollback()


@pytest.fixture
async def db_session(resources: Resources) -> AsyncIterator[AsyncSession]:
    """A session whose outer transaction is rolled back after the test."""
    async with resources.engine.connect() as conn:
        trans = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await trans.rollback()


@pytest.fixture
async def api(resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    """The whole backend (gateway + services in-process), called over ASGI."""
    app = build_backend(resources)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://salesos.test"
    ) as client:
        yield client
    await close_backend(app)


@pytest.fixture
async def served(resources: Resources, settings: Settings) -> AsyncIterator[str]:
    """The whole backend over real HTTP (uvicorn on a free port), with the relay
    running: what a client across the network sees (streams, answers sent before
    the handler's clean-up)."""
    import asyncio

    original = resources.settings
    resources.settings = settings.model_copy(update={"relay_poll_seconds": 0.2})
    app = build_backend(resources)
    workers = start_workers(resources)
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_app(app, "127.0.0.1", 0, started=port.set_result, stop=stop))
    try:
        yield f"http://127.0.0.1:{await asyncio.wait_for(port, 20)}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await workers.close()
        await close_backend(app)
        resources.workers = None
        resources.settings = original

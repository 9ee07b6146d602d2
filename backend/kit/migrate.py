"""Run Alembic migrations from code (solo start-up, ``salesos db upgrade``, tests)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

import migrations
from backend.kit.db import async_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(migrations.__file__).parent
FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at ``migrations/`` and ``database_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def _in_thread_without_loop(fn: object) -> None:
    # env.py calls asyncio.run(); that cannot nest inside a running loop.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn()  # type: ignore[operator]
        return
    raise RuntimeError("run migrations with `await asyncio.to_thread(upgrade, url)`")


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    _in_thread_without_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base`` reverts all)."""
    _in_thread_without_loop(lambda: command.downgrade(alembic_config(database_url), revision))


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://x/y")).get_current_head()
    assert head is not None
    return head


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or ``None`` if never migrated."""
    engine = create_async_engine(async_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()

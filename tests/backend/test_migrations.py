"""Migrations up and down on a real database of their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from backend.kit import migrate
from backend.kit.db import plain_url

CONTEXT_SCHEMAS = {"auth", "crm", "email", "calendar", "sequences", "activities", "scoring", "sync"}


@pytest.fixture
async def scratch_db(database_url: str) -> AsyncIterator[str]:
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(plain_url(database_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url.replace("/salesos?", f"/{name}?")
    yield url
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


async def _schemas(url: str) -> set[str]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch("SELECT schema_name FROM information_schema.schemata")
        return {r["schema_name"] for r in rows}
    finally:
        await conn.close()


async def _tables(url: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
        return {r["table_name"] for r in rows}
    finally:
        await conn.close()


class TestUpAndDown:
    async def test_upgrade_creates_every_context_schema_and_the_event_tables(
        self, scratch_db: str
    ) -> None:
        await _to_thread(migrate.upgrade, scratch_db)
        assert CONTEXT_SCHEMAS | {"events"} <= await _schemas(scratch_db)
        assert {"outbox", "processed_events", "dead_letters"} <= await _tables(scratch_db, "events")
        assert await migrate.current_revision(scratch_db) == migrate.head_revision()

    async def test_downgrade_to_base_removes_them_and_upgrade_works_again(
        self, scratch_db: str
    ) -> None:
        await _to_thread(migrate.upgrade, scratch_db)
        await _to_thread(migrate.downgrade, scratch_db, "base")
        assert not (CONTEXT_SCHEMAS | {"events"}) & await _schemas(scratch_db)
        assert await migrate.current_revision(scratch_db) is None
        await _to_thread(migrate.upgrade, scratch_db)
        assert "outbox" in await _tables(scratch_db, "events")

    async def test_upgrade_twice_is_a_no_op(self, scratch_db: str) -> None:
        await _to_thread(migrate.upgrade, scratch_db)
        await _to_thread(migrate.upgrade, scratch_db)
        assert await migrate.current_revision(scratch_db) == migrate.head_revision()


async def _to_thread(fn, *args):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.to_thread(fn, *args)

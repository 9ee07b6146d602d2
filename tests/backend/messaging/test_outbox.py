"""emit() writes the outbox row in the caller's transaction: both or neither."""

from __future__ import annotations

import uuid
from typing import ClassVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.kit.logging import reset_request_id, set_request_id
from backend.kit.resources import Resources
from backend.messaging import topics
from backend.messaging.envelope import DomainEvent
from backend.messaging.models import OutboxEvent
from backend.messaging.outbox import emit


class ThingRenamed(DomainEvent):
    event_type: ClassVar[str] = "test.thing.renamed"
    topic: ClassVar[topics.Topic] = topics.CRM_ACCOUNTS
    aggregate_type: ClassVar[str] = "thing"

    thing_id: uuid.UUID
    name: str


@pytest.fixture
async def things_table(owner_engine: AsyncEngine):
    """A business table the application role may write (as a context's would be)."""
    name = f"things_{uuid.uuid4().hex[:8]}"
    async with owner_engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE public.{name} (id uuid PRIMARY KEY, name text)"))
        await conn.execute(text(f"GRANT SELECT, INSERT ON public.{name} TO salesos_app"))
    yield name
    async with owner_engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE public.{name}"))


async def _rename(session: AsyncSession, table: str, thing_id: uuid.UUID, name: str) -> None:
    await session.execute(
        text(f"INSERT INTO public.{table} (id, name) VALUES (:id, :name)"),
        {"id": thing_id, "name": name},
    )
    await emit(
        session, ThingRenamed(thing_id=thing_id, name=name), aggregate_id=thing_id, customer_id=None
    )


async def _counts(resources: Resources, table: str, thing_id: uuid.UUID) -> tuple[int, int]:
    async with resources.sessionmaker() as s:
        things = await s.scalar(
            text(f"SELECT count(*) FROM public.{table} WHERE id = :id"), {"id": thing_id}
        )
        events = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.aggregate_id == str(thing_id))
        )
    return int(things or 0), int(events or 0)


class TestAtomicity:
    async def test_rolled_back_transaction_leaves_no_outbox_row(
        self, resources: Resources, things_table: str
    ) -> None:
        thing_id = uuid.uuid4()
        async with resources.sessionmaker() as session:
            await _rename(session, things_table, thing_id, "Acme")
            await session.rollback()
        assert await _counts(resources, things_table, thing_id) == (0, 0)

    async def test_failed_business_write_after_emit_loses_both(
        self, resources: Resources, things_table: str
    ) -> None:
        thing_id = uuid.uuid4()
        async with resources.sessionmaker() as session:
            await _rename(session, things_table, thing_id, "Acme")
            with pytest.raises(Exception, match="duplicate key"):
                await _rename(session, things_table, thing_id, "Acme again")  # same PK
            await session.rollback()
        assert await _counts(resources, things_table, thing_id) == (0, 0)

    async def test_committed_transaction_has_both_with_the_envelope(
        self, resources: Resources, things_table: str
    ) -> None:
        thing_id = uuid.uuid4()
        token = set_request_id("req-0123456789")
        try:
            async with resources.sessionmaker() as session:
                await _rename(session, things_table, thing_id, "Acme")
                await session.commit()
        finally:
            reset_request_id(token)
        assert await _counts(resources, things_table, thing_id) == (1, 1)
        async with resources.sessionmaker() as s:
            row = await s.scalar(
                select(OutboxEvent).where(OutboxEvent.aggregate_id == str(thing_id))
            )
        assert row is not None
        assert row.topic == "crm.accounts"
        assert row.type == "test.thing.renamed"
        assert row.payload == {"thing_id": str(thing_id), "name": "Acme"}
        assert row.headers == {"request_id": "req-0123456789"}
        assert row.published_at is None

    async def test_commit_wakes_listeners_and_rollback_does_not(
        self, resources: Resources, things_table: str
    ) -> None:
        import asyncio

        import asyncpg

        from backend.kit.db import plain_url

        listener = await asyncpg.connect(plain_url(resources.database_url))
        woken: asyncio.Queue[str] = asyncio.Queue()
        await listener.add_listener("events_outbox", lambda *args: woken.put_nowait(args[2]))
        try:
            async with resources.sessionmaker() as session:
                await _rename(session, things_table, uuid.uuid4(), "Rolled back")
                await session.rollback()
            async with resources.sessionmaker() as session:
                await _rename(session, things_table, uuid.uuid4(), "Committed")
                await session.commit()
            assert await asyncio.wait_for(woken.get(), 5) == "events_outbox"
            assert woken.empty()
        finally:
            await listener.close()

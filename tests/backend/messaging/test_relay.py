"""The outbox relay against the real Postgres and the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.embedded.infrastructure import Infrastructure
from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging import admin
from backend.messaging.relay import Relay
from backend.messaging.repository import RelayStore
from tests.backend.messaging.support import Run, read_topic, wait_for


@pytest.fixture
def relay_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"relay_poll_seconds": 0.2, "relay_max_attempts": 3, "relay_batch_size": 200}
    )


@contextlib.asynccontextmanager
async def running(relay: Relay) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def unpublished(engine: AsyncEngine, topic: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                text(
                    "SELECT count(*) FROM events.outbox WHERE topic = :t AND published_at IS NULL"
                ),
                {"t": topic},
            )
            or 0
        )


async def test_events_reach_the_topic_keyed_by_aggregate_with_the_event_id(
    resources: Resources, infra: Infrastructure, relay_settings: Settings
) -> None:
    run = Run()
    aggregates = [str(uuid.uuid4()) for _ in range(3)]
    async with resources.sessionmaker() as session, session.begin():
        for seq in range(6):
            await run.emit(session, aggregates[seq % 3], seq)
    relay = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    async with running(relay):
        await wait_for(
            lambda: _none_left(resources.engine, run.topic), what="the outbox to be published"
        )
    # Read back with kafka-python: another Kafka client can read what the relay wrote.
    messages = await asyncio.to_thread(read_topic, infra.bootstrap_servers, run.topic, 6)
    assert len(messages) == 6
    for message in messages:
        body = json.loads(message.value)
        headers = dict(message.headers)
        assert message.key.decode() == body["aggregate_id"]
        assert headers["event_id"].decode() == body["id"]
        assert headers["event_type"] == b"test.probe"
        assert body["type"] == "test.probe"
        assert "seq" in body["payload"]
    by_aggregate: dict[str, list[int]] = {}
    for message in messages:
        body = json.loads(message.value)
        by_aggregate.setdefault(body["aggregate_id"], []).append(body["payload"]["seq"])
    assert by_aggregate == {a: [i, i + 3] for i, a in enumerate(aggregates)}


async def _none_left(engine: AsyncEngine, topic: str) -> bool:
    return await unpublished(engine, topic) == 0


async def test_a_transaction_that_commits_late_is_not_skipped(
    resources: Resources, infra: Infrastructure, relay_settings: Settings
) -> None:
    """A takes its position first but commits after B (and after B was published)."""
    run = Run()
    relay = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    async with running(relay):
        async with resources.sessionmaker() as slow:
            await slow.begin()
            await run.emit(slow, "agg-slow", 1)  # lower position, not committed yet
            async with resources.sessionmaker() as fast, fast.begin():
                await run.emit(fast, "agg-fast", 2)
            await wait_for(lambda: _published_count(resources.engine, run.topic, 1), what="B")
            await slow.commit()
        await wait_for(lambda: _published_count(resources.engine, run.topic, 2), what="A too")
    messages = await asyncio.to_thread(read_topic, infra.bootstrap_servers, run.topic, 2)
    assert sorted(json.loads(m.value)["payload"]["seq"] for m in messages) == [1, 2]
    async with resources.engine.connect() as conn:
        order = await conn.execute(
            text(
                "SELECT payload->>'seq' FROM events.outbox WHERE topic = :t ORDER BY published_at"
            ),
            {"t": run.topic},
        )
        assert [row[0] for row in order] == ["2", "1"]  # B went first; A was not skipped


async def _published_count(engine: AsyncEngine, topic: str, count: int) -> bool:
    async with engine.connect() as conn:
        n = await conn.scalar(
            text(
                "SELECT count(*) FROM events.outbox WHERE topic = :t AND published_at IS NOT NULL"
            ),
            {"t": topic},
        )
    return n == count


async def test_order_per_aggregate_holds_with_concurrent_writers(
    resources: Resources, owner_engine: AsyncEngine, infra: Infrastructure, relay_settings: Settings
) -> None:
    run = Run()
    counters = f"public.counters_{run.id}"
    aggregates = [f"agg-{i}" for i in range(4)]
    async with owner_engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {counters} (agg text PRIMARY KEY, n int)"))
        await conn.execute(text(f"GRANT SELECT, UPDATE ON {counters} TO salesos_app"))
        for agg in aggregates:
            await conn.execute(text(f"INSERT INTO {counters} VALUES (:a, 0)"), {"a": agg})

    async def writer(agg: str, times: int) -> None:
        for _ in range(times):
            async with resources.sessionmaker() as session, session.begin():
                # The business row lock: writers of one aggregate take turns.
                seq = await session.scalar(
                    text(f"UPDATE {counters} SET n = n + 1 WHERE agg = :a RETURNING n"), {"a": agg}
                )
                await asyncio.sleep(0)
                await run.emit(session, agg, int(seq or 0))

    relay = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    async with running(relay):
        await asyncio.gather(*(writer(agg, 15) for agg in aggregates for _ in range(3)))
        await wait_for(lambda: _none_left(resources.engine, run.topic), what="all published")
    messages = await asyncio.to_thread(read_topic, infra.bootstrap_servers, run.topic, 180)
    seen: dict[str, list[int]] = {}
    for message in messages:
        body = json.loads(message.value)
        seen.setdefault(body["aggregate_id"], []).append(body["payload"]["seq"])
    assert seen == {agg: list(range(1, 46)) for agg in aggregates}


async def test_a_poison_event_goes_to_dead_letters_without_holding_others(
    resources: Resources, infra: Infrastructure, relay_settings: Settings
) -> None:
    run = Run()
    async with resources.sessionmaker() as session, session.begin():
        await run.emit(session, "poisoned", 1)
        await run.emit(session, "poisoned", 2)  # waits behind the poison, then goes
        await run.emit(session, "healthy", 3)
        # Larger than the producer's 1 MB request limit: the broker can never take it.
        await session.execute(
            text(
                "UPDATE events.outbox SET payload = jsonb_build_object('seq', 1, 'blob', "
                "repeat('x', 1100000)) WHERE topic = :t AND payload->>'seq' = '1'"
            ),
            {"t": run.topic},
        )
    relay = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    async with running(relay):
        await wait_for(lambda: _none_left(resources.engine, run.topic), what="the queue drained")
    messages = await asyncio.to_thread(read_topic, infra.bootstrap_servers, run.topic, 2)
    assert sorted(json.loads(m.value)["payload"]["seq"] for m in messages) == [2, 3]
    dead = [d for d in await admin.list_dead_letters(resources.engine) if d.topic == run.topic]
    assert len(dead) == 1
    assert dead[0].source == "relay"
    assert dead[0].attempts == 3
    assert "MessageSizeTooLarge" in dead[0].error
    assert relay.stats.dead_lettered >= 1

    # An operator replays it (after fixing the cause): it is back in the outbox.
    replayed = await admin.replay_dead_letters(resources.engine, [dead[0].id])
    assert replayed == [dead[0].id]
    assert await unpublished(resources.engine, run.topic) == 1
    assert [
        d for d in await admin.list_dead_letters(resources.engine) if d.topic == run.topic
    ] == []
    async with resources.engine.begin() as conn:  # leave no poison for other tests
        await conn.execute(text("DELETE FROM events.outbox WHERE topic = :t"), {"t": run.topic})


async def test_a_second_relay_waits_and_takes_over(
    resources: Resources, infra: Infrastructure, relay_settings: Settings
) -> None:
    first = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    second = Relay(resources.engine, infra.bootstrap_servers, relay_settings)
    run = Run()
    stop_first = asyncio.Event()
    first_task = asyncio.create_task(first.run(stop_first))
    await wait_for(_true(lambda: first.stats.leader), what="the first relay to lead")
    async with running(second):
        await wait_for(_true(lambda: second.stats.waited >= 2), what="the second relay to wait")
        assert first.stats.leader
        assert not second.stats.leader
        stop_first.set()
        await asyncio.wait_for(first_task, 20)
        await wait_for(_true(lambda: second.stats.leader), what="the second relay to lead")
        async with resources.sessionmaker() as session, session.begin():
            await run.emit(session, "after-takeover", 1)
        await wait_for(lambda: _none_left(resources.engine, run.topic), what="published")


def _true(check):  # type: ignore[no-untyped-def]
    async def predicate() -> bool:
        return bool(check())

    return predicate


async def test_retention_deletes_only_what_every_group_has_handled(
    resources: Resources, infra: Infrastructure, relay_settings: Settings
) -> None:
    run = Run()
    async with resources.sessionmaker() as session, session.begin():
        for seq in range(3):
            await run.emit(session, f"kept-{seq}", seq)
    async with resources.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO events.consumer_groups (name, topics) VALUES (:g1, ARRAY[:t]), "
                "(:g2, ARRAY[:t])"
            ),
            {"g1": f"one-{run.id}", "g2": f"two-{run.id}", "t": run.topic},
        )
        ids = [
            row[0]
            for row in await conn.execute(
                text("SELECT id FROM events.outbox WHERE topic = :t ORDER BY position"),
                {"t": run.topic},
            )
        ]
        # All three were published two days ago; both groups handled the first, one
        # group the second, nobody the third.
        await conn.execute(
            text(
                "UPDATE events.outbox SET published_at = now() - interval '2 days' WHERE topic = :t"
            ),
            {"t": run.topic},
        )
        await conn.execute(
            text(
                "INSERT INTO events.processed_events (consumer, event_id, processed_at) VALUES "
                "(:g1, :a, now() - interval '2 days'), (:g2, :a, now() - interval '2 days'), "
                "(:g1, :b, now() - interval '2 days')"
            ),
            {"g1": f"one-{run.id}", "g2": f"two-{run.id}", "a": ids[0], "b": ids[1]},
        )
    relay = Relay(
        resources.engine,
        infra.bootstrap_servers,
        relay_settings.model_copy(update={"event_retention_hours": 24.0}),
    )
    async with resources.engine.connect() as sa_conn:
        raw = await sa_conn.get_raw_connection()
        await relay.apply_retention(RelayStore(raw.driver_connection))
    async with resources.engine.connect() as conn:
        left = [
            row[0]
            for row in await conn.execute(
                text("SELECT id FROM events.outbox WHERE topic = :t ORDER BY position"),
                {"t": run.topic},
            )
        ]
        marks = await conn.scalar(
            text("SELECT count(*) FROM events.processed_events WHERE event_id = :a"),
            {"a": ids[0]},
        )
        await conn.execute(
            text("DELETE FROM events.consumer_groups WHERE name LIKE :p"), {"p": f"%-{run.id}"}
        )
        await conn.commit()
    assert left == ids[1:]  # the one both groups handled is gone
    assert marks == 0  # and so are its de-duplication marks

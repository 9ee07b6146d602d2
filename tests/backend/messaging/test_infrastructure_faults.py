"""The broker killed (-9) and started empty; Postgres stopped in immediate mode.

A private Postgres and broker (killing the session's would disturb other tests).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.embedded.infrastructure import Infrastructure
from backend.kit import migrate
from backend.kit.db import create_engine
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import Settings, load_settings
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay
from tests.backend.messaging.support import Run, read_topic, wait_for


@pytest.fixture(scope="module")
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home: Path = tmp_path_factory.mktemp("faults-home")
    return load_settings(
        SALESOS_HOME=home,
        SALESOS_EMBEDDED_PG_FAST=True,
        SALESOS_LOG_FORMAT="text",
        SALESOS_RELAY_POLL_SECONDS=0.2,
        DATABASE_URL="",
        KAFKA_BOOTSTRAP_SERVERS="",
    )


@pytest.fixture(scope="module")
def own_infra(own_settings: Settings) -> Iterator[Infrastructure]:
    infra = Infrastructure(own_settings)
    infra.start_database(tie_to_parent=True)
    infra.start_broker(tie_to_parent=True)
    migrate.upgrade(infra.database_url)
    yield infra
    infra.stop()
    if infra.postgres is not None:
        infra.postgres.destroy()


@pytest.fixture(scope="module")
async def own(own_settings: Settings, own_infra: Infrastructure) -> AsyncIterator[Resources]:
    res = await open_resources(
        own_settings,
        database_url=own_infra.database_url,
        bootstrap_servers=own_infra.bootstrap_servers,
        mode="team",
    )
    yield res
    await res.close()


@pytest.fixture(scope="module")
async def own_owner(own_infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(own_infra.database_url, pool_size=2)
    yield engine
    await engine.dispose()


async def _emit(own: Resources, run: Run, start: int, count: int, aggregates: int = 4) -> None:
    async with own.sessionmaker() as session, session.begin():
        for seq in range(start, start + count):
            await run.emit(session, f"agg-{seq % aggregates}", seq)


async def _effects(engine: AsyncEngine, run: Run, consumer: str, n: int) -> bool:
    return len(await run.effects_of(engine, consumer)) >= n


def _noticed(relay: Relay):  # type: ignore[no-untyped-def]
    async def predicate() -> bool:
        return relay.stats.broker_down_since is not None

    return predicate


def _assert_once_in_order(effects: list[tuple[str, str, int]], expected: int) -> None:
    ids = [e for e, _, _ in effects]
    assert len(ids) == len(set(ids)) == expected
    by_aggregate: dict[str, list[int]] = {}
    for _, agg, seq in effects:
        by_aggregate.setdefault(agg, []).append(seq)
    for seqs in by_aggregate.values():
        assert seqs == sorted(seqs)


async def test_a_broker_that_comes_back_empty_gets_what_consumers_had_not_handled(
    own: Resources, own_owner: AsyncEngine, own_infra: Infrastructure, own_settings: Settings
) -> None:
    run = Run()
    await run.create_effects(own_owner)
    group = Handler(f"loss-{run.id}", (run.topic,), run.effect_handler("loss"))
    runner = ConsumerRunner(own.sessionmaker, own_infra.bootstrap_servers, own_settings, [group])
    await runner.register()
    stop_relay, stop_consumers = asyncio.Event(), asyncio.Event()
    relay = Relay(own.engine, own_infra.bootstrap_servers, own_settings)
    relay_task = asyncio.create_task(relay.run(stop_relay))
    consumer_task = asyncio.create_task(runner.run(stop_consumers))
    try:
        await _emit(own, run, 0, 20)
        await wait_for(lambda: _effects(own_owner, run, "loss", 20), timeout=90, what="first 20")
        # The consumers stop; 30 more events are published but not handled...
        stop_consumers.set()
        await asyncio.wait_for(consumer_task, 30)
        await _emit(own, run, 20, 30)
        await wait_for(lambda: _all_published(own.engine, run), timeout=30, what="published")
        # ...and the broker dies with them (its log is in memory), then 10 more while down.
        assert own_infra.broker is not None
        own_infra.broker.kill()
        await _emit(own, run, 50, 10)
        await wait_for(_noticed(relay), timeout=30, what="the relay to notice the broker is gone")
        own_infra.broker.start(tie_to_parent=True)  # same port, empty
        await wait_for(lambda: _all_published(own.engine, run), timeout=60, what="re-published")
        assert relay.stats.republished >= 30
        stop_consumers = asyncio.Event()
        consumer_task = asyncio.create_task(runner.run(stop_consumers))
        await wait_for(lambda: _effects(own_owner, run, "loss", 60), timeout=90, what="all 60")
    finally:
        stop_relay.set()
        stop_consumers.set()
        await asyncio.wait_for(asyncio.gather(relay_task, consumer_task), 30)
    _assert_once_in_order(await run.effects_of(own_owner, "loss"), 60)


async def test_after_a_broker_loss_a_plain_kafka_reader_finds_every_event(
    own: Resources, own_infra: Infrastructure, own_settings: Settings
) -> None:
    """No consumer group reads this topic: with the embedded broker the relay publishes
    everything the outbox still holds again, so the topics match the outbox."""
    assert own_settings.republish_all  # the embedded broker's default
    run = Run()
    stop = asyncio.Event()
    relay = Relay(own.engine, own_infra.bootstrap_servers, own_settings)
    task = asyncio.create_task(relay.run(stop))
    try:
        await _emit(own, run, 0, 40)
        await wait_for(lambda: _all_published(own.engine, run), timeout=30, what="published")
        assert own_infra.broker is not None
        own_infra.broker.kill()
        await _emit(own, run, 40, 5)
        await wait_for(_noticed(relay), timeout=30, what="the relay to notice the broker is gone")
        own_infra.broker.start(tie_to_parent=True)  # same port, empty
        await wait_for(lambda: _all_published(own.engine, run), timeout=60, what="re-published")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    messages = await asyncio.to_thread(read_topic, own_infra.bootstrap_servers, run.topic, 45)
    seqs = sorted(json.loads(m.value)["payload"]["seq"] for m in messages)
    assert seqs == list(range(45))  # the 40 the lost broker had, and the 5 since


async def _all_published(engine: AsyncEngine, run: Run) -> bool:
    async with engine.connect() as conn:
        left = await conn.scalar(
            text("SELECT count(*) FROM events.outbox WHERE topic = :t AND published_at IS NULL"),
            {"t": run.topic},
        )
    return left == 0


async def test_postgres_stopped_immediately_mid_stream_loses_no_committed_event(
    own: Resources, own_owner: AsyncEngine, own_infra: Infrastructure, own_settings: Settings
) -> None:
    run = Run()
    await run.create_effects(own_owner)
    group = Handler(f"pgstop-{run.id}", (run.topic,), run.effect_handler("pgstop"))
    runner = ConsumerRunner(own.sessionmaker, own_infra.bootstrap_servers, own_settings, [group])
    stop = asyncio.Event()
    relay = Relay(own.engine, own_infra.bootstrap_servers, own_settings)
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    seq = 0
    try:
        for round_ in range(40):
            if round_ == 15:
                assert own_infra.postgres is not None
                await asyncio.to_thread(own_infra.postgres.stop_immediately)
                await asyncio.to_thread(own_infra.postgres.start, tie_to_parent=True)
                await own_owner.dispose()  # the test's own pooled connections died too
            try:
                await _emit(own, run, seq, 3)
                seq += 3
            except Exception:  # the database went away under this transaction
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.05)
        async with own_owner.connect() as conn:  # what was really committed
            committed = int(
                await conn.scalar(
                    text("SELECT count(*) FROM events.outbox WHERE topic = :t"), {"t": run.topic}
                )
                or 0
            )
        assert committed >= 90
        await wait_for(
            lambda: _effects(own_owner, run, "pgstop", committed), timeout=120, what="all handled"
        )
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    _assert_once_in_order(await run.effects_of(own_owner, "pgstop"), committed)

"""Consumers: each event's effects exactly once per group, in order per aggregate."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.embedded.infrastructure import Infrastructure
from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging import admin
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay
from tests.backend.messaging.support import Run, wait_for


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"relay_poll_seconds": 0.2, "relay_max_attempts": 3, "consumer_max_attempts": 3}
    )


@contextlib.asynccontextmanager
async def backbone(
    resources: Resources, bootstrap: str, settings: Settings, *runners: ConsumerRunner
) -> AsyncIterator[Relay]:
    stop = asyncio.Event()
    relay = Relay(resources.engine, bootstrap, settings)
    tasks = [asyncio.create_task(relay.run(stop))]
    tasks += [asyncio.create_task(r.run(stop)) for r in runners]
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)


async def _emit_all(resources: Resources, run: Run, aggregates: int, per: int) -> None:
    for seq in range(per):
        async with resources.sessionmaker() as session, session.begin():
            for agg in range(aggregates):
                await run.emit(session, f"agg-{agg}", seq)


def _check_once_in_order(effects: list[tuple[str, str, int]], aggregates: int, per: int) -> None:
    ids = [event_id for event_id, _, _ in effects]
    assert len(ids) == len(set(ids)) == aggregates * per, "each event handled exactly once"
    by_aggregate: dict[str, list[int]] = {}
    for _, agg, seq in effects:
        by_aggregate.setdefault(agg, []).append(seq)
    assert by_aggregate == {f"agg-{a}": list(range(per)) for a in range(aggregates)}


async def test_flaky_handler_and_redelivery_still_give_one_effect_per_event(
    resources: Resources, owner_engine: AsyncEngine, infra: Infrastructure, fast_settings: Settings
) -> None:
    run = Run()
    await run.create_effects(owner_engine)
    flaky = Handler(f"flaky-{run.id}", (run.topic,), run.effect_handler("flaky", fail_first=2))
    steady = Handler(f"steady-{run.id}", (run.topic,), run.effect_handler("steady"))
    runner = ConsumerRunner(
        resources.sessionmaker, infra.bootstrap_servers, fast_settings, [flaky, steady]
    )
    await runner.register()
    await _emit_all(resources, run, aggregates=4, per=10)
    async with backbone(resources, infra.bootstrap_servers, fast_settings, runner):
        await wait_for(lambda: _count(owner_engine, run, "flaky", 40), timeout=90, what="flaky")
        await wait_for(lambda: _count(owner_engine, run, "steady", 40), timeout=90, what="steady")
        # The relay publishes everything again (as after a crash before marking).
        async with resources.engine.begin() as conn:
            await conn.execute(
                text("UPDATE events.outbox SET published_at = NULL WHERE topic = :t"),
                {"t": run.topic},
            )
        await wait_for(_redelivered(runner, flaky.name, steady.name, n=40), timeout=60)
    _check_once_in_order(await run.effects_of(owner_engine, "flaky"), 4, 10)
    _check_once_in_order(await run.effects_of(owner_engine, "steady"), 4, 10)
    assert runner.stats.groups[flaky.name].retries >= 40  # it did fail, and was retried
    assert runner.stats.groups[steady.name].duplicates >= 40  # the redelivery was skipped


async def _count(engine: AsyncEngine, run: Run, consumer: str, n: int) -> bool:
    return len(await run.effects_of(engine, consumer)) >= n


def _redelivered(runner: ConsumerRunner, *groups: str, n: int = 0):  # type: ignore[no-untyped-def]
    async def predicate() -> bool:
        return all(runner.stats.groups[g].duplicates >= n for g in groups)

    return predicate


async def test_a_handler_that_always_fails_dead_letters_that_event_only(
    resources: Resources, owner_engine: AsyncEngine, infra: Infrastructure, fast_settings: Settings
) -> None:
    run = Run()
    await run.create_effects(owner_engine)
    record = run.effect_handler("picky")

    async def picky(session, event):  # type: ignore[no-untyped-def]
        if event.payload["seq"] == 3:
            raise ValueError("cannot handle seq 3")
        await record(session, event)

    group = Handler(f"picky-{run.id}", (run.topic,), picky)
    runner = ConsumerRunner(resources.sessionmaker, infra.bootstrap_servers, fast_settings, [group])
    await _emit_all(resources, run, aggregates=2, per=6)
    async with backbone(resources, infra.bootstrap_servers, fast_settings, runner):
        await wait_for(lambda: _count(owner_engine, run, "picky", 10), timeout=90, what="others")
    effects = await run.effects_of(owner_engine, "picky")
    assert sorted(seq for _, _, seq in effects) == [0, 0, 1, 1, 2, 2, 4, 4, 5, 5]
    dead = [
        d
        for d in await admin.list_dead_letters(resources.engine, limit=500)
        if d.topic == run.topic
    ]
    assert len(dead) == 2
    assert {d.source for d in dead} == {f"consumer:{group.name}"}
    assert all("cannot handle seq 3" in d.error for d in dead)
    assert all(d.attempts == 3 for d in dead)


async def test_two_members_of_one_group_share_the_work_once(
    resources: Resources, owner_engine: AsyncEngine, infra: Infrastructure, fast_settings: Settings
) -> None:
    """A rebalance (the second member joins while events flow) loses and repeats nothing."""
    run = Run()
    await run.create_effects(owner_engine)
    group = Handler(f"shared-{run.id}", (run.topic,), run.effect_handler("shared"))
    first = ConsumerRunner(resources.sessionmaker, infra.bootstrap_servers, fast_settings, [group])
    second = ConsumerRunner(resources.sessionmaker, infra.bootstrap_servers, fast_settings, [group])
    stop_second = asyncio.Event()
    async with backbone(resources, infra.bootstrap_servers, fast_settings, first):
        await _emit_all(resources, run, aggregates=6, per=5)
        joining = asyncio.create_task(second.run(stop_second))
        await _emit_all(resources, run, aggregates=6, per=5)
        await wait_for(lambda: _count(owner_engine, run, "shared", 60), timeout=120, what="all")
        stop_second.set()
        await asyncio.wait_for(joining, 30)
    effects = await run.effects_of(owner_engine, "shared")
    ids = [e for e, _, _ in effects]
    assert len(ids) == len(set(ids)) == 60

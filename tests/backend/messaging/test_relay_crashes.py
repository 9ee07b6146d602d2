"""SIGKILL the relay at random points, 60 times: nothing lost, nothing handled twice,
order per aggregate kept, nothing stuck."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.embedded.infrastructure import Infrastructure
from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay
from tests.backend.messaging.support import Run, wait_for

ROOT = Path(__file__).resolve().parents[3]
RUNS = 60
AGGREGATES = 5


async def test_sigkilled_relays_lose_and_repeat_nothing(
    resources: Resources, owner_engine: AsyncEngine, infra: Infrastructure, settings: Settings
) -> None:
    run = Run()
    await run.create_effects(owner_engine)
    rnd = random.Random(7)
    zygote = subprocess.Popen(
        [sys.executable, "-m", "tests.backend.messaging.relay_zygote"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SALESOS_LOG_LEVEL": "ERROR"},
    )
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    seq = 0
    points = {"claimed": 0, "acked": 0, "none": 0}
    try:
        for _ in range(RUNS):
            async with resources.sessionmaker() as session, session.begin():
                for _ in range(rnd.randint(3, 12)):
                    await run.emit(session, f"agg-{rnd.randrange(AGGREGATES)}", seq)
                    seq += 1
            point = rnd.choice(("claimed", "acked", "none"))
            points[point] += 1
            zygote.stdin.write(f"{point} {infra.database_url} {infra.bootstrap_servers}\n")
            zygote.stdin.flush()
            pid = int(await asyncio.to_thread(zygote.stdout.readline))
            await _wait_gone_or_kill(pid, rnd.uniform(0.05, 0.6))
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    assert min(points.values()) >= 10  # every kind of crash happened many times
    # Drain with a healthy relay and consume: every event exactly once, in order.
    fast = settings.model_copy(update={"relay_poll_seconds": 0.2})
    group = Handler(f"crash-{run.id}", (run.topic,), run.effect_handler("crash"))
    runner = ConsumerRunner(resources.sessionmaker, infra.bootstrap_servers, fast, [group])
    stop = asyncio.Event()
    relay = Relay(resources.engine, infra.bootstrap_servers, fast)
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    try:
        await wait_for(lambda: _effects_at_least(owner_engine, run, seq), timeout=120, what="all")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    effects = await run.effects_of(owner_engine, "crash")
    ids = [event_id for event_id, _, _ in effects]
    assert len(ids) == len(set(ids)) == seq
    by_aggregate: dict[str, list[int]] = {}
    for _, agg, n in effects:
        by_aggregate.setdefault(agg, []).append(n)
    for numbers in by_aggregate.values():
        assert numbers == sorted(numbers), "order per aggregate"
    async with owner_engine.connect() as conn:
        stuck = await conn.scalar(
            text("SELECT count(*) FROM events.outbox WHERE topic = :t AND published_at IS NULL"),
            {"t": run.topic},
        )
    assert stuck == 0
    # Crashes after the broker's ack made the relays send events again; the consumer
    # saw those copies and skipped them.
    assert runner.stats.groups[group.name].duplicates > 0


async def _effects_at_least(engine: AsyncEngine, run: Run, n: int) -> bool:
    return len(await run.effects_of(engine, "crash")) >= n


async def _wait_gone_or_kill(pid: int, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while True:  # wait until it is really gone (its connection closes)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.01)

"""Soak: SIGKILL the relay many times while events flow, then check every event was
handled exactly once, in order per aggregate, and nothing is stuck.

The suite does 60 kills (tests/backend/messaging/test_relay_crashes.py); this runs
as many as you ask, on a fresh embedded Postgres (fsync on) and broker.

Usage: python benchmarks/relay_soak.py [--runs 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import contextlib

from _machine import SMOKE_HELP, apply_smoke, describe
from sqlalchemy import text

from backend.embedded.infrastructure import Infrastructure
from backend.kit import migrate
from backend.kit.db import create_engine
from backend.kit.logging import configure_logging
from backend.kit.resources import open_resources
from backend.kit.settings import load_settings
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.relay import Relay
from tests.backend.messaging.support import Run

ROOT = Path(__file__).resolve().parent.parent


async def soak(runs: int) -> None:
    configure_logging("ERROR", "text")
    home = Path(tempfile.mkdtemp(prefix="salesos-soak-"))
    settings = load_settings(
        SALESOS_HOME=home,
        DATABASE_URL="",
        KAFKA_BOOTSTRAP_SERVERS="",
        SALESOS_RELAY_POLL_SECONDS=0.2,
    )
    infra = Infrastructure(settings)
    print(f"machine: {describe()}")
    await asyncio.to_thread(infra.start_database, tie_to_parent=True)
    await asyncio.to_thread(infra.start_broker, tie_to_parent=True)
    await asyncio.to_thread(migrate.upgrade, infra.database_url)
    resources = await open_resources(
        settings,
        database_url=infra.database_url,
        bootstrap_servers=infra.bootstrap_servers,
        mode="solo",
    )
    owner = create_engine(infra.database_url, pool_size=2)
    run = Run()
    await run.create_effects(owner)
    zygote = subprocess.Popen(
        [sys.executable, "-m", "tests.backend.messaging.relay_zygote"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "SALESOS_LOG_LEVEL": "ERROR"},
    )  # fmt: skip
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    rnd = random.Random(11)
    seq = 0
    points = {"claimed": 0, "acked": 0, "none": 0}
    t0 = time.perf_counter()
    try:
        for i in range(runs):
            async with resources.sessionmaker() as session, session.begin():
                for _ in range(rnd.randint(3, 20)):
                    await run.emit(session, f"agg-{rnd.randrange(20)}", seq)
                    seq += 1
            point = rnd.choice(tuple(points))
            points[point] += 1
            zygote.stdin.write(f"{point} {infra.database_url} {infra.bootstrap_servers}\n")
            zygote.stdin.flush()
            pid = int(await asyncio.to_thread(zygote.stdout.readline))
            await asyncio.sleep(rnd.uniform(0.05, 0.6))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                await asyncio.sleep(0.01)
            if (i + 1) % 100 == 0:
                print(f"  {i + 1} relays killed, {seq:,} events so far", flush=True)
        killed = time.perf_counter() - t0
        group = Handler(f"soak-{run.id}", (run.topic,), run.effect_handler("soak"))
        runner = ConsumerRunner(resources.sessionmaker, infra.bootstrap_servers, settings, [group])
        stop = asyncio.Event()
        relay = Relay(resources.engine, infra.bootstrap_servers, settings)
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
        while len(await run.effects_of(owner, "soak")) < seq:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # anything extra would show up now
        stop.set()
        await asyncio.gather(*tasks)
        effects = await run.effects_of(owner, "soak")
        ids = [e for e, _, _ in effects]
        by_aggregate: dict[str, list[int]] = {}
        for _, agg, n in effects:
            by_aggregate.setdefault(agg, []).append(n)
        in_order = all(v == sorted(v) for v in by_aggregate.values())
        async with owner.connect() as conn:
            stuck = await conn.scalar(
                text(
                    "SELECT count(*) FROM events.outbox WHERE topic = :t AND published_at IS NULL"
                ),
                {"t": run.topic},
            )
        print(
            f"{runs} relays SIGKILLed ({points['claimed']} after reading, {points['acked']} after "
            f"the broker's ack, {points['none']} at random) in {killed:.0f} s; {seq:,} events: "
            f"handled {len(ids):,}, distinct {len(set(ids)):,}, copies skipped "
            f"{runner.stats.groups[group.name].duplicates:,}, order per aggregate kept: {in_order}, "
            f"left unpublished: {stuck}"
        )
        ok = len(ids) == len(set(ids)) == seq and in_order and stuck == 0
        print("RESULT:", "PASS" if ok else "FAIL")
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        await owner.dispose()
        await resources.close()
        infra.stop()
        if infra.postgres is not None:
            infra.postgres.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    options = parser.parse_args()
    apply_smoke(options, runs=3)
    asyncio.run(soak(options.runs))

"""Event backbone figures, on a fresh embedded Postgres (fsync on) and broker.

1. Relay throughput: N events committed in the outbox (spread over 10k aggregates),
   then one relay publishes them all; events/s from its start to the last mark.
2. Latency at a steady 200 events/s for 30 s: each event emitted in its own
   transaction, a consumer group handles it (idempotency row + an effect row);
   latency = handled - occurred_at (taken before the commit, so it slightly
   overstates commit-to-handled).
3. Consumer throughput: N events published, then a new consumer group handles them
   all (idempotency row + effect row per event); events/s.
4. Live updates: the backend served over HTTP, a user's ``GET /api/v1/live`` stream
   open; accounts created through the API by another session of the company, one
   every 100 ms; time from the create's response to its frame on the stream.

Usage: python benchmarks/events.py [--events 50000] [--rate 200] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _machine import SMOKE_HELP, apply_smoke, describe, percentile
from sqlalchemy import text

from backend.embedded.infrastructure import Infrastructure
from backend.kit import migrate
from backend.kit.db import create_engine
from backend.kit.logging import configure_logging
from backend.kit.resources import open_resources
from backend.kit.settings import load_settings
from backend.messaging import topics
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.envelope import DomainEvent, Envelope
from backend.messaging.outbox import emit
from backend.messaging.relay import Relay


class Tick(DomainEvent):
    event_type = "bench.tick"
    topic = topics.Topic("bench", "ticks")
    aggregate_type = "tick"

    n: int


def _fill(count: int, topic: str) -> Any:
    return text(
        "INSERT INTO events.outbox (id, topic, type, customer_id, aggregate_type, aggregate_id, "
        "occurred_at, payload) SELECT gen_random_uuid(), :topic, 'bench.tick', NULL, 'tick', "
        "'agg-' || (g % 10000), now(), jsonb_build_object('n', g) "
        "FROM generate_series(1, :count) g"
    ).bindparams(topic=topic, count=count)


async def main(opts: argparse.Namespace) -> None:
    configure_logging("WARNING", "text")
    home = Path(tempfile.mkdtemp(prefix="salesos-events-bench-"))
    settings = load_settings(SALESOS_HOME=home, DATABASE_URL="", KAFKA_BOOTSTRAP_SERVERS="")
    infra = Infrastructure(settings)
    print(f"machine: {describe()}")
    try:
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
        try:
            await _relay_throughput(resources, owner, opts.events)
            await _latency(resources, owner, opts.rate, opts.seconds)
            await _consumer_throughput(resources, owner, opts.events)
            await _live_latency(resources, opts.live)
        finally:
            await owner.dispose()
            await resources.close()
    finally:
        infra.stop()
        if infra.postgres is not None:
            infra.postgres.destroy()


async def _effects_table(owner: Any, name: str) -> None:
    async with owner.begin() as conn:
        await conn.execute(text(f"CREATE TABLE public.{name} (event_id uuid, latency float8)"))
        await conn.execute(text(f"GRANT INSERT, SELECT ON public.{name} TO salesos_app"))


async def _relay_throughput(resources: Any, owner: Any, count: int) -> None:
    topic = f"bench.relay-{uuid.uuid4().hex[:6]}"
    async with owner.begin() as conn:
        await conn.execute(_fill(count, topic))
    done = asyncio.Event()
    published = 0

    def counted(n: int) -> None:
        nonlocal published
        published += n
        if published >= count:
            done.set()

    settings = resources.settings.model_copy(update={"relay_batch_size": 2000})
    relay = Relay(resources.engine, resources.bootstrap_servers, settings, on_published=counted)
    stop = asyncio.Event()
    # Warm up the producer (connection, metadata) outside the measurement.
    t0 = time.perf_counter()
    task = asyncio.create_task(relay.run(stop))
    await asyncio.wait_for(done.wait(), 600)
    took = time.perf_counter() - t0
    stop.set()
    await task
    print(
        f"relay: {count:,} committed events published in {took:.2f} s = "
        f"{count / took:,.0f} events/s (batch 2000, 10k aggregates, acks=all)"
    )


async def _latency(resources: Any, owner: Any, rate: int, seconds: int) -> None:
    table = f"lat_{uuid.uuid4().hex[:6]}"
    await _effects_table(owner, table)

    async def handle(session: Any, event: Envelope) -> None:
        latency = (datetime.now(UTC) - event.occurred_at).total_seconds()
        await session.execute(
            text(f"INSERT INTO public.{table} VALUES (:e, :l)"), {"e": event.id, "l": latency}
        )

    group = Handler(f"bench-latency-{table}", (Tick.topic.name,), handle)
    runner = ConsumerRunner(
        resources.sessionmaker, resources.bootstrap_servers, resources.settings, [group]
    )
    relay = Relay(resources.engine, resources.bootstrap_servers, resources.settings)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    # Let the group join and the topic exist before measuring.
    async with resources.sessionmaker() as session, session.begin():
        await emit(session, Tick(n=-1), aggregate_id="warm", customer_id=None)
    while not await _count(owner, table):
        await asyncio.sleep(0.1)
    interval = 1 / rate
    total = rate * seconds
    start = time.perf_counter()
    for n in range(total):
        async with resources.sessionmaker() as session, session.begin():
            await emit(session, Tick(n=n), aggregate_id=f"agg-{n % 500}", customer_id=None)
        behind = start + (n + 1) * interval - time.perf_counter()
        if behind > 0:
            await asyncio.sleep(behind)
    achieved = total / (time.perf_counter() - start)
    while await _count(owner, table) < total + 1:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks)
    async with owner.connect() as conn:
        rows = await conn.execute(text(f"SELECT latency FROM public.{table}"))
        values = [r[0] * 1000 for r in rows][1:]
    print(
        f"commit-to-handled latency at {achieved:.0f} events/s for {seconds} s ({total:,} events): "
        f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
        f"p99 {percentile(values, 99):.1f} ms, max {max(values):.1f} ms"
    )


async def _count(owner: Any, table: str) -> int:
    async with owner.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM public.{table}")) or 0)


async def _consumer_throughput(resources: Any, owner: Any, count: int) -> None:
    topic = f"bench.consume-{uuid.uuid4().hex[:6]}"
    async with owner.begin() as conn:
        await conn.execute(_fill(count, topic))
    relay_done = asyncio.Event()
    published = 0

    def counted(n: int) -> None:
        nonlocal published
        published += n
        if published >= count:
            relay_done.set()

    stop = asyncio.Event()
    relay = Relay(
        resources.engine, resources.bootstrap_servers, resources.settings, on_published=counted
    )
    relay_task = asyncio.create_task(relay.run(stop))
    await asyncio.wait_for(relay_done.wait(), 600)
    table = f"eff_{uuid.uuid4().hex[:6]}"
    await _effects_table(owner, table)

    async def handle(session: Any, event: Envelope) -> None:
        await session.execute(text(f"INSERT INTO public.{table} VALUES (:e, 0)"), {"e": event.id})

    group = Handler(f"bench-consume-{table}", (topic,), handle)
    runner = ConsumerRunner(
        resources.sessionmaker, resources.bootstrap_servers, resources.settings, [group]
    )
    t0 = time.perf_counter()
    task = asyncio.create_task(runner.run(stop))
    first = None
    while (n := await _count(owner, table)) < count:
        if n and first is None:
            first = time.perf_counter()
        await asyncio.sleep(0.05)
    end = time.perf_counter()
    stop.set()
    await asyncio.gather(task, relay_task)
    steady = count / (end - first) if first else float("nan")
    print(
        f"consumer with idempotency: {count:,} events handled in {end - t0:.2f} s incl. group join "
        f"= {count / (end - t0):,.0f} events/s; from the first effect on: {steady:,.0f} events/s"
    )


async def _live_latency(resources: Any, count: int) -> None:
    import json

    import httpx

    from backend.messaging.workers import start_workers
    from backend.server import build_backend, close_backend, serve_app

    app = build_backend(resources)
    workers = start_workers(resources)
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve_app(app, "127.0.0.1", 0, started=port.set_result, stop=stop))
    base = f"http://127.0.0.1:{await port}"
    seen: dict[str, float] = {}
    ready = asyncio.Event()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"company": "Live Bench", "name": "Bea Bench",
                  "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                  "password": "correct-horse-battery"},
        )  # fmt: skip
        token = signup.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        async def listen() -> None:
            async with client.stream("GET", "/api/v1/live", headers=auth, timeout=None) as r:
                async for line in r.aiter_lines():
                    if line.startswith(": connected"):
                        ready.set()
                    elif line.startswith("data: "):
                        body = json.loads(line.removeprefix("data: "))
                        seen.setdefault(body["id"], time.perf_counter())

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(ready.wait(), 30)
        sent: dict[str, float] = {}
        for n in range(count):
            r = await client.post("/api/v1/accounts", json={"name": f"Live {n}"}, headers=auth)
            sent[r.json()["id"]] = time.perf_counter()
            await asyncio.sleep(0.1)
        deadline = time.perf_counter() + 10
        while len(seen) < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        listener.cancel()
    stop.set()
    await server
    await workers.close()
    await close_backend(app)
    resources.workers = None
    delays = [(seen[i] - t) * 1000 for i, t in sent.items() if i in seen]
    print(
        f"live update, account created through the API to its frame on a user's stream "
        f"({len(delays)}/{count} arrived): p50 {percentile(delays, 50):.0f} ms, "
        f"p95 {percentile(delays, 95):.0f} ms, max {max(delays):.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--live", type=int, default=50, help="live-update samples")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    options = parser.parse_args()
    apply_smoke(options, events=500, rate=50, seconds=2, live=3)
    asyncio.run(main(options))

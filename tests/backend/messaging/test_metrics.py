"""/metrics: Prometheus text with the backlog, the relay's and the consumers' figures."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging.consumers import Handler
from backend.messaging.workers import start_workers
from tests.backend.messaging.support import Run, wait_for


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_report_the_outbox_backlog(
    api: httpx.AsyncClient, resources: Resources
) -> None:
    run = Run()
    async with resources.sessionmaker() as session, session.begin():
        for seq in range(3):
            await run.emit(session, "metrics", seq)
    async with resources.engine.connect() as conn:
        waiting = await conn.scalar(
            text("SELECT count(*) FROM events.outbox WHERE published_at IS NULL")
        )
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    assert samples[("salesos_outbox_backlog", ())] == waiting
    assert samples[("salesos_relay_lag_seconds", ())] > 0
    assert ("salesos_dead_letters", ()) in samples


async def test_metrics_count_what_the_workers_did(
    api: httpx.AsyncClient, resources: Resources, owner_engine: AsyncEngine, settings: Settings
) -> None:
    run = Run()
    await run.create_effects(owner_engine)
    group = Handler(f"metrics-{run.id}", (run.topic,), run.effect_handler("metrics"))
    fast = settings.model_copy(update={"relay_poll_seconds": 0.2})
    resources_fast = resources
    original = resources.settings
    resources_fast.settings = fast
    workers = start_workers(resources_fast, groups=[group])
    try:
        async with resources.sessionmaker() as session, session.begin():
            for seq in range(5):
                await run.emit(session, "metrics", seq)

        async def handled() -> bool:
            return len(await run.effects_of(owner_engine, "metrics")) == 5

        await wait_for(handled, timeout=90, what="the group to handle 5 events")
        samples = _samples((await api.get("/metrics")).text)
    finally:
        await workers.close()
        resources.workers = None
        resources.settings = original
    assert samples[("salesos_relay_leader", ())] == 1
    assert samples[("salesos_events_published_total", ())] >= 5
    assert samples[("salesos_consumer_handled_total", (("group", group.name),))] == 5
    assert ("salesos_consumer_lag", (("group", group.name),)) in samples

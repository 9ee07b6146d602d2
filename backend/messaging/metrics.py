"""``/metrics``: the event backbone in the Prometheus text format.

Figures from the database (backlog, age of the oldest unpublished event, dead letters
waiting) hold whichever process serves them; the relay's and the consumers' counters
are those of the workers running in this process (solo mode and ``serve --all`` run
them here; ``salesos worker`` processes serve their own with ``--metrics-port``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from backend.kit.resources import Resources
from backend.messaging import admin

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Snapshot(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


async def render(resources: Resources) -> bytes:
    """The current figures as Prometheus text."""
    backlog = await admin.backlog(resources.engine)
    families: list[Metric] = [
        _gauge(
            "salesos_outbox_backlog",
            "Events committed but not yet published.",
            backlog["unpublished"],
        ),
        _gauge(
            "salesos_relay_lag_seconds",
            "Age of the oldest unpublished event (0 when none waits).",
            backlog["oldest_seconds"],
        ),
        _gauge("salesos_dead_letters", "Dead letters not replayed.", backlog["dead_letters"]),
    ]
    workers: Any = resources.workers
    relay = getattr(workers, "relay", None)
    if relay is not None:
        stats = relay.stats
        families += [
            _gauge(
                "salesos_relay_leader",
                "1 if this process's relay is the active one.",
                float(stats.leader),
            ),
            _counter(
                "salesos_events_published", "Events published by this relay.", stats.published
            ),
            _counter(
                "salesos_events_republished",
                "Events queued again after the broker lost its log.",
                stats.republished,
            ),
            _counter("salesos_relay_retries", "Publications retried later.", stats.retried),
            _counter(
                "salesos_relay_dead_lettered",
                "Events the broker refused too often.",
                stats.dead_lettered,
            ),
        ]
    consumers = getattr(workers, "consumers", None)
    if consumers is not None:
        lag = GaugeMetricFamily(
            "salesos_consumer_lag", "Messages not yet handled, per group.", labels=["group"]
        )
        handled = CounterMetricFamily(
            "salesos_consumer_handled", "Events handled, per group.", labels=["group"]
        )
        duplicates = CounterMetricFamily(
            "salesos_consumer_duplicates",
            "Redelivered events skipped, per group.",
            labels=["group"],
        )
        dead = CounterMetricFamily(
            "salesos_consumer_dead_lettered", "Events a group gave up on.", labels=["group"]
        )
        for name, group in consumers.stats.groups.items():
            lag.add_metric([name], group.lag)
            handled.add_metric([name], group.handled)
            duplicates.add_metric([name], group.duplicates)
            dead.add_metric([name], group.dead_lettered)
        families += [lag, handled, duplicates, dead]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(families))
    return generate_latest(registry)

"""The status page and the status bar show what the gateway's health check says."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.health import Health
from app.errors import ErrorKind, UserMessage
from app.features.status.model import Condition, HealthReport, HealthTableModel
from app.features.status.monitor import HealthMonitor
from app.features.status.view import StatusPage
from app.main_window import MainWindow
from app.ops import Operations
from app.qt.core import QModelIndex, Qt
from app.widgets.tones import Tone

SERVICES = ("activities", "auth", "calendar", "crm", "email", "scoring", "sequences", "sync")


def health_body(**down: str) -> dict[str, Any]:
    def part(name: str) -> dict[str, str]:
        if name in down:
            return {"status": "down", "detail": down[name]}
        return {"status": "ok", "detail": f"{name} fine"}

    return {
        "status": "degraded" if down else "ok",
        "mode": "solo",
        "version": "0.1.0",
        "database": part("database"),
        "broker": part("broker"),
        "services": {name: part(name) for name in SERVICES},
    }


class Gateway:
    """What the fake gateway answers next, and how many times it was asked."""

    def __init__(self) -> None:
        self.body: dict[str, Any] = health_body()
        self.calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        status = 200 if self.body["status"] == "ok" else 503
        return httpx.Response(status, content=json.dumps(self.body).encode())


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def client(gateway: Gateway, ops: Operations, qtbot: QtBot) -> Iterator[GatewayClient]:
    client = GatewayClient("http://gateway.test", transport=httpx.MockTransport(gateway.handler))
    yield client
    closing = ops.run(client.aclose())
    qtbot.waitUntil(closing.done)


@pytest.fixture
def monitor(client: GatewayClient, ops: Operations) -> Iterator[HealthMonitor]:
    monitor = HealthMonitor(client, ops, interval_ms=60_000)
    yield monitor
    monitor.stop()


def rows_by_key(model: HealthTableModel) -> dict[str, tuple[str, str]]:
    rows = {}
    for row in range(model.rowCount()):
        key = model.index(row, 0).data(HealthTableModel.KeyRole)
        rows[key] = (
            model.index(row, HealthTableModel.STATUS).data(),
            model.index(row, HealthTableModel.DETAIL).data(),
        )
    return rows


class TestHealthReport:
    def test_conditions_and_summaries(self) -> None:
        healthy = HealthReport(datetime.now(), health=Health.model_validate(health_body()))
        assert (healthy.condition, healthy.summary, healthy.tone) == (
            Condition.HEALTHY,
            "Healthy",
            Tone.POSITIVE,
        )
        degraded = HealthReport(
            datetime.now(), health=Health.model_validate(health_body(broker="x", crm="y"))
        )
        assert degraded.condition is Condition.DEGRADED
        assert degraded.summary == "Degraded: Message broker, CRM records"
        assert degraded.tone is Tone.WARNING
        lost = HealthReport(
            datetime.now(), error=UserMessage(ErrorKind.TIMEOUT, "No answer in time.")
        )
        assert (lost.condition, lost.summary) == (Condition.UNREACHABLE, "Unreachable")
        broken = HealthReport(
            datetime.now(), error=UserMessage(ErrorKind.SERVER, "The server had a problem: x")
        )
        assert broken.condition is Condition.ERROR
        assert broken.summary == "Error: The server had a problem: x"

    def test_status_word_disagreeing_with_parts_is_still_degraded(self) -> None:
        body = {**health_body(), "status": "degraded"}
        report = HealthReport(datetime.now(), health=Health.model_validate(body))
        assert report.condition is Condition.DEGRADED
        assert report.summary == "Degraded: degraded"


class TestHealthTableModel:
    def test_passes_qt_model_checks(self, qtmodeltester: ModelTester) -> None:
        model = HealthTableModel()
        model.set_health(Health.model_validate(health_body(email="down")))
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]
        model.mark_unknown()
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]

    def test_infrastructure_first_then_services_by_label(self) -> None:
        model = HealthTableModel()
        model.set_health(Health.model_validate(health_body(email="SMTP relay refused")))
        keys = [model.index(r, 0).data(HealthTableModel.KeyRole) for r in range(model.rowCount())]
        assert keys[:2] == ["database", "broker"]
        labels = [model.index(r, 0).data() for r in range(2, model.rowCount())]
        assert labels == sorted(labels, key=str.casefold)
        assert sorted(keys[2:]) == sorted(SERVICES)
        assert rows_by_key(model)["email"] == ("Down", "SMTP relay refused")
        assert rows_by_key(model)["crm"] == ("Working", "crm fine")
        assert model.index(0, 0).data() == "Database"
        assert model.headerData(2, Qt.Orientation.Horizontal) == "Detail"
        assert model.rowCount(model.index(0, 0)) == 0
        assert model.data(QModelIndex()) is None

    def test_unknown_keeps_rows_without_status(self) -> None:
        model = HealthTableModel()
        model.set_health(Health.model_validate(health_body()))
        model.mark_unknown()
        assert {status for status, _ in rows_by_key(model).values()} == {"Unknown"}
        assert model.rowCount() == 2 + len(SERVICES)

    def test_new_component_is_shown_too(self) -> None:
        model = HealthTableModel()
        body = health_body()
        body["services"]["forecast"] = {"status": "ok"}
        model.set_health(Health.model_validate(body))
        assert "forecast" in rows_by_key(model)
        labels = [model.index(r, 0).data() for r in range(model.rowCount())]
        assert "Forecast" in labels


class TestStatusPage:
    def test_degraded_service_is_named_and_marked(
        self, monitor: HealthMonitor, gateway: Gateway, qtbot: QtBot
    ) -> None:
        gateway.body = health_body(email="unreachable: ConnectTimeout")
        page = StatusPage(monitor, "Solo · This computer")
        qtbot.addWidget(page)
        page.show()
        assert page.headline.text() == "Checking…"
        assert page.table.isHidden()
        with qtbot.waitSignal(monitor.reported):
            monitor.refresh()
        assert page.headline.text() == "Not working: Email"
        assert page.dot.tone is Tone.WARNING
        assert rows_by_key(page.model)["email"] == ("Down", "unreachable: ConnectTimeout")
        assert rows_by_key(page.model)["database"][0] == "Working"
        assert page.table.isVisible()
        assert "version 0.1.0" in page.subline.text()

    def test_refresh_button_checks_again(
        self, monitor: HealthMonitor, gateway: Gateway, qtbot: QtBot
    ) -> None:
        page = StatusPage(monitor, "Solo · This computer")
        qtbot.addWidget(page)
        with qtbot.waitSignal(monitor.reported):
            monitor.refresh()
        assert page.headline.text() == "Everything is working"
        gateway.body = health_body(broker="KafkaConnectionError")
        with qtbot.waitSignal(monitor.reported):
            page.refresh_button.click()
        assert page.headline.text() == "Not working: Message broker"
        assert gateway.calls == 2


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestMonitor:
    def test_one_check_at_a_time(
        self, monitor: HealthMonitor, gateway: Gateway, qtbot: QtBot
    ) -> None:
        with qtbot.waitSignal(monitor.reported):
            monitor.refresh()
            monitor.refresh()
            assert monitor.busy
        qtbot.wait(50)
        assert gateway.calls == 1

    def test_polls_on_its_timer_until_stopped(
        self, client: GatewayClient, ops: Operations, gateway: Gateway, qtbot: QtBot
    ) -> None:
        monitor = HealthMonitor(client, ops, interval_ms=30)
        monitor.start()
        qtbot.waitUntil(lambda: gateway.calls >= 3)
        monitor.stop()
        assert not monitor.polling
        calls = gateway.calls
        qtbot.wait(120)
        assert gateway.calls == calls

    def test_unreachable_server_marks_everything_unknown(
        self, ops: Operations, qtbot: QtBot
    ) -> None:
        port = closed_port()
        client = GatewayClient(f"http://127.0.0.1:{port}")
        monitor = HealthMonitor(client, ops)
        page = StatusPage(monitor, "Solo · This computer")
        qtbot.addWidget(page)
        page.model.set_health(Health.model_validate(health_body()))
        try:
            with qtbot.waitSignal(monitor.reported, timeout=10_000) as reported:
                monitor.refresh()
        finally:
            closing = ops.run(client.aclose())
            qtbot.waitUntil(closing.done)
        report = reported.args[0]
        assert report.condition is Condition.UNREACHABLE
        assert (
            page.headline.text() == f"Cannot reach the SalesOS server at http://127.0.0.1:{port}."
        )
        assert page.dot.tone is Tone.NEGATIVE
        assert {status for status, _ in rows_by_key(page.model).values()} == {"Unknown"}


class TestStatusBar:
    @pytest.mark.parametrize(
        ("body", "expected", "condition"),
        [
            (health_body(), "Healthy", "healthy"),
            (health_body(broker="down"), "Degraded: Message broker", "degraded"),
        ],
        ids=["healthy", "degraded"],
    )
    def test_connection_and_condition(
        self,
        monitor: HealthMonitor,
        gateway: Gateway,
        qtbot: QtBot,
        body: dict[str, Any],
        expected: str,
        condition: str,
    ) -> None:
        gateway.body = body
        window = MainWindow(monitor, "Solo · This computer")
        qtbot.addWidget(window)
        window.allow_close()
        assert window.indicator.label.text() == "Checking…"
        with qtbot.waitSignal(monitor.reported):
            monitor.refresh()
        assert window.connection_label.text() == "Solo · This computer"
        assert window.indicator.label.text() == expected
        assert window.indicator.label.property("condition") == condition

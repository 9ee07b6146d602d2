"""The status page and the status bar show what the gateway's health check says.

The checks go to real servers: the module's solo backend (healthy), a team gateway
whose sign-in service is not running (degraded, until the test starts that service),
and a port where nothing listens. The models are checked on reports built here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

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
from tests.app.support import SoloServer, free_port
from tests.app.team_support import TeamGateway

SERVICES = ("activities", "auth", "calendar", "crm", "email", "scoring", "sequences", "sync")


OFFERS = {"auth": ["auth", "users"], "crm": ["accounts", "contacts", "opportunities"]}
"""What the services that do something serve; the others answer but serve nothing."""


def health_body(**down: str) -> dict[str, Any]:
    def part(name: str) -> dict[str, Any]:
        if name in down:
            return {"status": "down", "detail": down[name]}
        return {"status": "ok", "detail": f"{name} fine", "offers": OFFERS.get(name, [])}

    return {
        "status": "degraded" if down else "ok",
        "mode": "solo",
        "version": "0.1.0",
        "database": part("database"),
        "broker": part("broker"),
        "services": {name: part(name) for name in SERVICES},
    }


CHECK_MS = 10_000
"""How long one health check may take (a gateway asks every service)."""


def closing(ops: Operations, qtbot: QtBot, client: GatewayClient) -> None:
    task = ops.run(client.aclose())
    qtbot.waitUntil(task.done)


@pytest.fixture
def solo_monitor(solo_server: SoloServer, ops: Operations, qtbot: QtBot) -> Iterator[HealthMonitor]:
    """Checks of the healthy solo backend (on demand: the timer is an hour)."""
    client = GatewayClient(solo_server.url)
    monitor = HealthMonitor(client, ops, interval_ms=3_600_000)
    yield monitor
    monitor.stop()
    closing(ops, qtbot, client)


@pytest.fixture
def degraded_monitor(
    degraded_gateway: TeamGateway, ops: Operations, qtbot: QtBot
) -> Iterator[HealthMonitor]:
    """Checks of the team gateway whose sign-in (auth) service is down."""
    client = GatewayClient(degraded_gateway.url)
    monitor = HealthMonitor(client, ops, interval_ms=3_600_000)
    yield monitor
    monitor.stop()
    closing(ops, qtbot, client)


def check(monitor: HealthMonitor, qtbot: QtBot) -> HealthReport:
    """Check now and wait for the report."""
    with qtbot.waitSignal(monitor.reported, timeout=CHECK_MS) as reported:
        monitor.refresh()
    report: HealthReport = reported.args[0]
    return report


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

    def test_an_embedded_server_being_restarted_says_so(self) -> None:
        body = health_body(crm="HTTP 503")
        body["database"] = {"status": "restarting", "detail": "restarting it (attempt 1)"}
        report = HealthReport(datetime.now(), health=Health.model_validate(body))
        assert report.condition is Condition.DEGRADED
        assert report.summary == "Restarting: Database"
        assert report.headline.startswith("Restarting database")

    def test_status_word_disagreeing_with_parts_is_still_degraded(self) -> None:
        body = {**health_body(), "status": "degraded"}
        report = HealthReport(datetime.now(), health=Health.model_validate(body))
        assert report.condition is Condition.DEGRADED
        assert report.summary == "Degraded: degraded"


class TestHealthTableModel:
    def test_a_service_that_serves_nothing_is_not_said_to_work(self) -> None:
        """Issue 11, defect 8: Email, Calendar, Scoring… answered and read "Working"."""
        model = HealthTableModel()
        model.set_health(Health.model_validate(health_body()))
        rows = rows_by_key(model)
        for name in ("email", "calendar", "scoring", "sequences", "sync", "activities"):
            assert rows[name] == (
                "Not in use yet",
                "It answers, but offers nothing you can use yet",
            )
        assert rows["auth"] == ("Working", "Sign-in, users")
        assert rows["database"] == ("Working", "database fine")

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
        assert rows_by_key(model)["crm"] == ("Working", "Accounts, contacts, deals")
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
    def test_a_degraded_service_is_named_and_marked(
        self, degraded_monitor: HealthMonitor, qtbot: QtBot
    ) -> None:
        page = StatusPage(degraded_monitor, "Team · the test gateway")
        qtbot.addWidget(page)
        page.show()
        assert page.headline.text() == "Checking…"
        assert page.table.isHidden()

        check(degraded_monitor, qtbot)

        assert page.headline.text() == "Not working: Sign-in"
        assert page.dot.tone is Tone.WARNING
        assert rows_by_key(page.model)["auth"] == ("Down", "unreachable: ConnectError")
        assert rows_by_key(page.model)["database"][0] == "Working"
        assert page.table.isVisible()
        assert "version 0.1.0" in page.subline.text()

    def test_the_refresh_button_checks_again(
        self, degraded_monitor: HealthMonitor, degraded_gateway: TeamGateway, qtbot: QtBot
    ) -> None:
        page = StatusPage(degraded_monitor, "Team · the test gateway")
        qtbot.addWidget(page)
        check(degraded_monitor, qtbot)
        assert page.headline.text() == "Not working: Sign-in"

        with degraded_gateway.remote_service():  # the operator starts it
            with qtbot.waitSignal(degraded_monitor.reported, timeout=CHECK_MS):
                page.refresh_button.click()
            assert page.headline.text() == "Everything is working"
            assert rows_by_key(page.model)["auth"][0] == "Working"


class TestMonitor:
    def test_one_check_at_a_time(self, solo_monitor: HealthMonitor, qtbot: QtBot) -> None:
        reports: list[HealthReport] = []
        solo_monitor.reported.connect(reports.append)
        solo_monitor.refresh()
        solo_monitor.refresh()  # one is running: this one is not started
        assert solo_monitor.busy

        qtbot.waitUntil(lambda: not solo_monitor.busy, timeout=CHECK_MS)

        assert len(reports) == 1
        assert reports[0].condition is Condition.HEALTHY

    def test_polls_on_its_timer_until_stopped(
        self, solo_server: SoloServer, ops: Operations, qtbot: QtBot
    ) -> None:
        client = GatewayClient(solo_server.url)
        monitor = HealthMonitor(client, ops, interval_ms=30)
        reports: list[HealthReport] = []
        monitor.reported.connect(reports.append)
        try:
            monitor.start()
            qtbot.waitUntil(lambda: len(reports) >= 3, timeout=CHECK_MS)
            monitor.stop()
            assert not monitor.polling
            assert not monitor.busy  # a check on its way was cancelled: it reports nothing
            polled = len(reports)

            check(monitor, qtbot)  # asked for after the stop: the next report is this one

            assert len(reports) == polled + 1
            assert not monitor.polling
        finally:
            monitor.stop()
            closing(ops, qtbot, client)

    def test_an_unreachable_server_marks_everything_unknown(
        self, ops: Operations, qtbot: QtBot
    ) -> None:
        port = free_port()
        client = GatewayClient(f"http://127.0.0.1:{port}")
        monitor = HealthMonitor(client, ops)
        page = StatusPage(monitor, "Solo · This computer")
        qtbot.addWidget(page)
        page.model.set_health(Health.model_validate(health_body()))
        try:
            report = check(monitor, qtbot)
        finally:
            closing(ops, qtbot, client)
        assert report.condition is Condition.UNREACHABLE
        assert (
            page.headline.text() == f"Cannot reach the SalesOS server at http://127.0.0.1:{port}."
        )
        assert page.dot.tone is Tone.NEGATIVE
        assert {status for status, _ in rows_by_key(page.model).values()} == {"Unknown"}


class TestStatusBar:
    @pytest.mark.parametrize(
        ("which", "expected", "condition"),
        [
            ("solo_monitor", "Healthy", "healthy"),
            ("degraded_monitor", "Degraded: Sign-in", "degraded"),
        ],
        ids=["healthy", "degraded"],
    )
    def test_connection_and_condition(
        self,
        request: pytest.FixtureRequest,
        qtbot: QtBot,
        which: str,
        expected: str,
        condition: str,
    ) -> None:
        monitor: HealthMonitor = request.getfixturevalue(which)
        window = MainWindow(monitor, "Solo · This computer")
        qtbot.addWidget(window)
        window.allow_close()
        assert window.indicator.label.text() == "Checking…"

        check(monitor, qtbot)

        assert window.connection_label.text() == "Solo · This computer"
        assert window.indicator.label.text() == expected
        assert window.indicator.label.property("condition") == condition

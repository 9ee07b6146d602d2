"""Helpers of the Pipeline and editor tests: a signed-in client of a company's own, its
stages, and a board page on it (the real solo backend, over HTTP)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from pytestqt.qtbot import QtBot

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.features.live.model import LiveChanges
from app.features.pipeline.ops import PipelineOps
from app.features.pipeline.view import PipelinePage
from app.ops import Operations
from app.qt.core import QPoint, QPointF, Qt
from app.qt.gui import QDragEnterEvent, QDropEvent
from app.qt.widgets import QApplication
from tests.app.crm_support import Tenant, sign_up
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer

LIVE_CONNECT_MS = 20_000
"""How long the live stream may take to open (the gateway starts its consumer first)."""

T = TypeVar("T")


def run(ops: Operations, qtbot: QtBot, work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the test's loop and wait for its result."""
    results: list[T] = []
    errors: list[str] = []
    ops.run(work, on_success=results.append, on_failure=lambda m: errors.append(m.title))
    qtbot.waitUntil(lambda: bool(results or errors), timeout=SIGN_IN_TIMEOUT_MS)
    assert not errors, errors
    return results[0]


@contextmanager
def signed_in(tenant: Tenant, ops: Operations, qtbot: QtBot) -> Iterator[GatewayClient]:
    """A gateway client signed in as the tenant's admin; closed at the end."""
    client = GatewayClient(tenant.server.url)
    run(ops, qtbot, AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD))
    try:
        yield client
    finally:
        run(ops, qtbot, client.aclose())


def company(server: SoloServer) -> tuple[Tenant, list[dict[str, Any]], dict[str, str]]:
    """A company with two deals in Prospecting (USD and EUR) and one in Qualification."""
    tenant = sign_up(server)
    steps = stages(tenant)
    acme = tenant.create("accounts", name="Acme Corp")
    globex = tenant.create("accounts", name="Globex")
    soon = (date.today() + timedelta(days=20)).isoformat()
    late = (date.today() - timedelta(days=3)).isoformat()
    deals = {
        "acme": tenant.create(
            "opportunities",
            name="Acme seats",
            account_id=acme["id"],
            amount="10000.00",
            currency="USD",
            stage_id=steps[0]["id"],
            close_date=soon,
        )["id"],
        "globex": tenant.create(
            "opportunities",
            name="Globex pilot",
            account_id=globex["id"],
            amount="2500.50",
            currency="EUR",
            stage_id=steps[0]["id"],
            close_date=late,
        )["id"],
        "initech": tenant.create(
            "opportunities",
            name="Initech renewal",
            account_id=globex["id"],
            amount="1234.56",
            currency="USD",
            stage_id=steps[1]["id"],
        )["id"],
    }
    return tenant, steps, deals


def stages(tenant: Tenant) -> list[dict[str, Any]]:
    """The default pipeline's stages, in order (Prospecting … Closed Lost)."""
    response = tenant.server.call("GET", "/api/v1/pipelines", tenant.token)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"][0]["stages"]
    return found


def board(tenant: Tenant) -> dict[str, Any]:
    """The server's board of the default pipeline."""
    pipeline = tenant.server.call("GET", "/api/v1/pipelines", tenant.token).json()["items"][0]
    response = tenant.server.call("GET", f"/api/v1/pipelines/{pipeline['id']}/board", tenant.token)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def opportunity(tenant: Tenant, opportunity_id: str) -> dict[str, Any]:
    """One opportunity as the server has it now."""
    response = tenant.server.call("GET", f"/api/v1/opportunities/{opportunity_id}", tenant.token)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


def open_board(client: GatewayClient, ops: Operations, qtbot: QtBot) -> PipelinePage:
    """A Pipeline page on ``client``, loaded: totals, first cards and account names."""
    page = PipelinePage(PipelineOps(client, ops), autoload=False)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    page.show()
    page.refresh()
    wait_board(page, qtbot)
    return page


def wait_board(page: PipelinePage, qtbot: QtBot) -> None:
    """Wait until every column has its first cards and their account names."""

    def ready() -> bool:
        if not page.columns or not page.refresh_button.isEnabled():
            return False
        if not all(column.model.loaded for column in page.columns.values()):
            return False
        cards = [card for column in page.columns.values() for card in column.model.cards()]
        return not page.directory.missing_accounts(cards)

    qtbot.waitUntil(ready, timeout=SIGN_IN_TIMEOUT_MS)


def drop(page: PipelinePage, opportunity_id: str, stage_id: str) -> None:
    """Drop a deal's card on a column as the mouse does: the drag data the card's list
    puts in the drag enters the target column's card list, then is dropped there (Qt
    hands both to the column, the widget under the pointer that takes drops)."""
    found = page.find_card(opportunity_id)
    assert found is not None, "the card is not on the board"
    source, _card = found
    row = source.model.row_of(opportunity_id)
    assert row is not None
    mime = source.model.mimeData([source.model.index(row)])
    target = page.columns[stage_id]
    under_pointer = target.list.viewport() if target.list.isVisible() else target.empty_label
    where = QPoint(40, 30)
    enter = QDragEnterEvent(
        where,
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(under_pointer, enter)
    assert enter.isAccepted()
    assert target.property("dropTarget") is (target is not source)  # the column lights up
    event = QDropEvent(
        QPointF(where),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(under_pointer, event)
    assert event.isAccepted()
    assert target.property("dropTarget") is False


def wait_moves(page: PipelinePage, qtbot: QtBot) -> None:
    """Wait until the server has answered every move."""
    qtbot.waitUntil(lambda: page.moves_pending == 0, timeout=SIGN_IN_TIMEOUT_MS)


async def nothing() -> None:
    """An awaitable that does nothing (to let queued callbacks run)."""
    await asyncio.sleep(0)


@dataclass(frozen=True)
class Colleague:
    """Another user of a tenant's company, working through the HTTP API (as their own
    desktop or a sync would)."""

    tenant: Tenant
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Make a call as the colleague; returns the answer's JSON ({} for 204)."""
        response = self.tenant.server.call(method, path, self.token, **kwargs)
        assert response.status_code in (200, 201, 204), response.text
        return {} if response.status_code == 204 else dict(response.json())

    def change(self, opportunity_id: str, **fields: Any) -> dict[str, Any]:
        """PATCH a deal (no If-Match: the colleague does not race anyone here)."""
        return self.call("PATCH", f"/api/v1/opportunities/{opportunity_id}", json=fields)


def colleague_of(tenant: Tenant) -> Colleague:
    """A second admin of the tenant's company (an admin reaches every deal), signed in."""
    email = f"colleague-{uuid.uuid4().hex[:10]}@example.com"
    response = tenant.server.call(
        "POST",
        "/api/v1/users",
        tenant.token,
        json={
            "email": email,
            "name": "Casey Colleague",
            "role": "admin",
            "password": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    return Colleague(tenant, tenant.server.login(email, STRONG_PASSWORD)["access_token"])


@contextmanager
def following_board(
    client: GatewayClient, ops: Operations, qtbot: QtBot
) -> Iterator[tuple[PipelinePage, LiveChanges]]:
    """A Pipeline page that follows a real live stream of ``client``'s company: the
    stream is open before the board loads (so no catching up is needed), and is
    stopped at the end."""
    page = PipelinePage(PipelineOps(client, ops), autoload=False)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    page.show()
    live = LiveChanges(client, ops)
    page.follow(live)
    live.start()
    try:
        qtbot.waitUntil(lambda: live.connected, timeout=LIVE_CONNECT_MS)
        page.refresh()
        wait_board(page, qtbot)
        yield page, live
    finally:
        live.stop()

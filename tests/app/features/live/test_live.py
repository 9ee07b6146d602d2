"""The desktop hears of a change made elsewhere, and only its own company's, through the
real solo backend."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.live import Change
from app.features.live.model import LiveChanges
from app.ops import Operations
from tests.app.crm_support import sign_up
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer


def test_a_record_created_by_someone_else_is_announced(
    qtbot: QtBot, ops: Operations, qloop: asyncio.AbstractEventLoop, solo_server: SoloServer
) -> None:
    company = sign_up(solo_server)
    other = sign_up(solo_server)
    client = GatewayClient(solo_server.url)
    signed_in = ops.run(AuthApi(client).sign_in(company.email, STRONG_PASSWORD))
    qtbot.waitUntil(signed_in.done, timeout=SIGN_IN_TIMEOUT_MS)
    live = LiveChanges(client, ops)
    heard: list[Change] = []
    live.changed.connect(heard.append)
    with qtbot.waitSignal(live.connected_changed, timeout=20_000):
        live.start()
        # Connected means the first frame arrived; make a change only after that.
        qtbot.waitUntil(lambda: live.connected, timeout=20_000)
    try:
        account = company.create("accounts", name="Made Elsewhere Co")
        qtbot.waitUntil(lambda: any(c.id == account["id"] for c in heard), timeout=10_000)
        change = next(c for c in heard if c.id == account["id"])
        assert change.kind == "account"
        assert change.created
        assert change.version == account["version"]
        assert not client.made(change.origin)  # another device of the company made it

        other.create("accounts", name="Another Company's Co")
        later = company.create("accounts", name="Made Later Co")  # after the other's
        qtbot.waitUntil(lambda: any(c.id == later["id"] for c in heard), timeout=10_000)
        assert {c.id for c in heard} == {account["id"], later["id"]}  # never the other's
    finally:
        live.stop()
        closing = ops.run(client.aclose())
        qtbot.waitUntil(closing.done, timeout=5000)

"""The live stream's frames are read with their version and origin, and Echoes tells this
client's own changes, and copies already as new, from news: first on frames as the
gateway writes them, then through the real solo backend's stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.live import CONNECTED, Change, Echoes, live_changes
from app.api.records import ACCOUNTS, RecordsApi
from tests.app.crm_support import Tenant, sign_up
from tests.app.support import STRONG_PASSWORD, SoloServer

HEAR_S = 20.0
"""How long a change may take to come down the stream (the gateway's consumer starts
from the end of the topic when the first stream opens)."""


class TestFrames:
    def test_a_frame_is_read_with_its_version_and_origin(self) -> None:
        change = Change.from_frame(
            '{"type": "crm.account.updated", "kind": "account", "id": "a1", '
            '"version": 4, "origin": "desk-0123456789abcdef-7", "at": "2026-12-01T10:00:00Z"}'
        )
        assert change == Change(
            "crm.account.updated", "account", "a1", 4, "desk-0123456789abcdef-7",
            "2026-12-01T10:00:00Z",
        )  # fmt: skip
        assert not change.created
        assert not change.deleted

    def test_a_frame_without_version_or_origin_says_none(self) -> None:
        change = Change.from_frame('{"type": "crm.contact.deleted", "kind": "contact", "id": "c"}')
        assert (change.version, change.origin, change.deleted) == (None, None, True)
        odd = Change.from_frame(
            '{"type": "crm.contact.restored", "kind": "contact", "id": "c", '
            '"version": true, "origin": ""}'
        )
        assert (odd.version, odd.origin, odd.created) == (None, None, True)

    @pytest.mark.parametrize("data", ["not json", "[1]", '{"type": "x", "kind": "account"}'])
    def test_a_frame_that_is_not_a_change_is_refused(self, data: str) -> None:
        with pytest.raises(ValueError, match=r"not a change|Expecting value"):
            Change.from_frame(data)


class TestEchoes:
    @pytest.fixture
    def client(self) -> GatewayClient:
        return GatewayClient("http://127.0.0.1:9")  # never asked: echoes are decided here

    def change(
        self, kind: str = "updated", version: int | None = 5, origin: str | None = None
    ) -> Change:
        return Change(f"crm.account.{kind}", "account", "a1", version, origin)

    def test_this_clients_own_change_is_an_echo(self, client: GatewayClient) -> None:
        echoes = Echoes(client)
        own = self.change(origin=f"{client.origin}-12")
        assert echoes.echo(own)
        assert not echoes.is_news(own)
        assert not echoes.is_news(own, shown_version=1)
        assert not echoes.is_news(self.change("deleted", origin=f"{client.origin}-13"))

    def test_another_clients_change_is_news_unless_the_copy_is_as_new(
        self, client: GatewayClient
    ) -> None:
        echoes = Echoes(client)
        theirs = self.change(version=5, origin=f"{GatewayClient('http://x').origin}-1")
        assert not echoes.echo(theirs)
        assert echoes.is_news(theirs)  # nothing shown: news
        assert echoes.is_news(theirs, shown_version=4)
        assert not echoes.is_news(theirs, shown_version=5)  # read again meanwhile
        assert not echoes.is_news(theirs, shown_version=6)

    def test_a_deletion_or_an_unversioned_change_is_news(self, client: GatewayClient) -> None:
        echoes = Echoes(client)
        assert echoes.is_news(self.change("deleted", version=3), shown_version=9)
        assert echoes.is_news(self.change(version=None), shown_version=9)
        assert echoes.is_news(self.change(origin="a-background-job"), shown_version=1)

    def test_a_prefix_alone_is_not_an_origin_of_this_client(self, client: GatewayClient) -> None:
        assert not client.made(client.origin)  # ids are "<origin>-<n>"
        assert not client.made(f"{client.origin}x-1")
        assert not client.made(None)


@contextlib.asynccontextmanager
async def listening(client: GatewayClient) -> AsyncIterator[list[Change]]:
    """The changes the stream of ``client`` hears, from the moment it is open."""
    heard: list[Change] = []
    opened = asyncio.Event()

    async def listen() -> None:
        async for item in live_changes(client):
            if item == CONNECTED:
                opened.set()
            elif isinstance(item, Change):
                heard.append(item)

    task = asyncio.ensure_future(listen())
    try:
        await asyncio.wait_for(opened.wait(), HEAR_S)
        yield heard
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def heard_of(heard: list[Change], record_id: str, event: str = "") -> Change:
    """The first change of ``record_id`` (of type ``event``, if given) the stream brings."""
    async with asyncio.timeout(HEAR_S):
        while True:
            found = next((c for c in heard if c.id == record_id and c.type.endswith(event)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.02)


@pytest.fixture
async def tenant(solo_server: SoloServer) -> Tenant:
    return sign_up(solo_server)


@pytest.fixture
async def client(solo_server: SoloServer, tenant: Tenant) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(solo_server.url) as client:
        await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
        yield client


class TestThroughTheBackend:
    async def test_a_change_made_here_comes_back_as_an_echo(
        self, client: GatewayClient, tenant: Tenant
    ) -> None:
        echoes = Echoes(client)
        async with listening(client) as heard:
            mine = await RecordsApi(client).create(ACCOUNTS, {"name": "Made Here Co"})
            theirs = tenant.create("accounts", name="Made Elsewhere Co")  # another device

            own = await heard_of(heard, mine.id)
            other = await heard_of(heard, theirs["id"])

        assert client.made(own.origin)
        assert own.version == mine.version == 1
        assert echoes.echo(own)
        assert not echoes.is_news(own)
        assert not client.made(other.origin)
        assert other.version == theirs["version"]
        assert echoes.is_news(other)
        assert not echoes.is_news(other, shown_version=theirs["version"])

    async def test_an_update_carries_the_version_it_made(
        self, client: GatewayClient, tenant: Tenant
    ) -> None:
        records = RecordsApi(client)
        account = await records.create(ACCOUNTS, {"name": "Versioned Co"})
        async with listening(client) as heard:
            changed = await records.update(ACCOUNTS, account.id, {"city": "Oslo"}, account.version)
            change = await heard_of(heard, account.id, ".updated")
        assert change.version == changed.version == account.version + 1
        assert client.made(change.origin)

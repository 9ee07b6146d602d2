"""The transport against real servers: health answers read, error answers turned into
typed errors, writes named with this client's request ids, and connection failures
worded for people.

The servers are the module's solo backend, a team gateway whose sign-in service is
down (a degraded backend), a plain HTTP server standing in for a reverse proxy
that answers with an HTML page, and sockets where nothing listens or nothing
answers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import BaseModel

from app.api.auth import AuthApi
from app.api.client import GatewayClient, read
from app.api.errors import ApiError, UnexpectedResponseError
from app.api.health import HealthApi
from app.api.records import ACCOUNTS, RecordsApi
from app.errors import ErrorKind, describe_error
from tests.app.crm_support import sign_up
from tests.app.support import STRONG_PASSWORD, SoloServer, free_port
from tests.app.team_support import TeamGateway


@pytest.fixture
async def client(solo_server: SoloServer) -> AsyncIterator[GatewayClient]:
    """A client of the solo backend, signed in as the admin of a company of its own."""
    tenant = sign_up(solo_server)
    async with GatewayClient(solo_server.url) as client:
        await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
        yield client


class TestHealth:
    async def test_a_healthy_backend_is_read(self, solo_server: SoloServer) -> None:
        async with GatewayClient(solo_server.url) as client:
            health = await HealthApi(client).health()
        assert health.ok
        assert health.mode == "solo"
        assert health.database.detail.startswith("PostgreSQL 18")
        assert {"auth", "crm"} <= set(health.services)
        assert health.problems() == []

    async def test_a_degraded_503_is_a_report_not_an_error(
        self, degraded_gateway: TeamGateway
    ) -> None:
        async with GatewayClient(degraded_gateway.url) as client:
            health = await HealthApi(client).health()
        assert not health.ok
        assert health.status == "degraded"
        assert health.mode == "team"
        assert health.problems() == [degraded_gateway.remote]
        assert health.services[degraded_gateway.remote].detail == "unreachable: ConnectError"

    async def test_an_answer_of_another_shape_raises_unexpected_response(
        self, solo_server: SoloServer
    ) -> None:
        class Wanted(BaseModel):
            uptime_seconds: int  # no version of the gateway says this

        async with GatewayClient(solo_server.url) as client:
            response = await client.public("GET", "/health")
        with pytest.raises(UnexpectedResponseError, match="uptime_seconds: Field required"):
            read(response, Wanted)

    async def test_base_url_loses_trailing_slash(self, solo_server: SoloServer) -> None:
        async with GatewayClient(f"{solo_server.url}/") as client:
            assert client.base_url == solo_server.url
            assert (await HealthApi(client).health()).ok


class TestErrorAnswers:
    async def test_the_error_body_becomes_an_api_error(self, client: GatewayClient) -> None:
        missing = str(uuid.uuid4())
        with pytest.raises(ApiError) as caught:
            await RecordsApi(client).get(ACCOUNTS, missing)
        error = caught.value
        assert (error.status_code, error.code) == (404, "not_found")
        assert error.message
        assert error.request_id  # the id the gateway logged it under
        assert error.url.endswith(f"/api/v1/accounts/{missing}")
        assert not error.is_server_error

    async def test_field_errors_are_read_per_field(self, client: GatewayClient) -> None:
        with pytest.raises(ApiError) as caught:
            await RecordsApi(client).create(ACCOUNTS, {"name": ""})
        assert caught.value.status_code == 422
        assert "name" in caught.value.field_errors
        assert describe_error(caught.value).kind is ErrorKind.INVALID_INPUT

    async def test_a_write_carries_this_clients_request_id(self, client: GatewayClient) -> None:
        with pytest.raises(ApiError) as caught:
            await RecordsApi(client).create(ACCOUNTS, {"name": ""})
        assert client.made(caught.value.request_id)  # the gateway kept ours
        other = GatewayClient(client.base_url)
        assert not other.made(caught.value.request_id)
        await other.aclose()

    async def test_an_html_error_page_uses_the_status_line(self, proxy_page: str) -> None:
        async with GatewayClient(proxy_page) as client:
            with pytest.raises(ApiError) as caught:
                await HealthApi(client).health()
        assert caught.value.status_code == 502
        assert caught.value.code == "http_502"
        assert caught.value.message == "Bad Gateway"
        assert caught.value.request_id == "proxy-req-9"
        assert caught.value.is_server_error


@pytest.fixture
async def proxy_page() -> AsyncIterator[str]:
    """A reverse proxy in front of a server that is down: it answers every request with
    its own HTML page (502) and request id; yields its URL."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        writer.write(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nX-Request-Id: proxy-req-9\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A real server that accepts connections and never answers; yields its port."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


class TestTransportFailures:
    """Real sockets: nothing listening, and a server that never answers."""

    async def test_nothing_listening_is_worded_as_unreachable(self) -> None:
        port = free_port()
        async with GatewayClient(f"http://127.0.0.1:{port}") as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await HealthApi(client).health()
        message = describe_error(caught.value)
        assert message.kind is ErrorKind.UNREACHABLE
        assert message.title == f"Cannot reach the SalesOS server at http://127.0.0.1:{port}."
        assert message.connection_lost

    async def test_no_answer_is_worded_as_timeout(self, silent_server: int) -> None:
        url = f"http://127.0.0.1:{silent_server}"
        async with GatewayClient(url, timeout=0.3) as client:
            with pytest.raises(httpx.ReadTimeout) as caught:
                await HealthApi(client).health()
        message = describe_error(caught.value)
        assert message.kind is ErrorKind.TIMEOUT
        assert message.title == f"The SalesOS server at {url} did not answer in time."

"""The gateway client reads health answers and turns error answers into typed errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.api.client import GatewayClient
from app.api.errors import ApiError, UnexpectedResponseError
from app.api.health import HealthApi
from app.errors import ErrorKind, describe_error

HEALTHY: dict[str, Any] = {
    "status": "ok",
    "mode": "solo",
    "version": "0.1.0",
    "database": {"status": "ok", "detail": "PostgreSQL 18.1"},
    "broker": {"status": "ok", "detail": "tansu"},
    "services": {"auth": {"status": "ok"}, "crm": {"status": "ok", "detail": ""}},
}


def answering(status: int, body: Any, headers: dict[str, str] | None = None) -> GatewayClient:
    """A client whose server answers every request with ``status`` and ``body``."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/health"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers=headers)

    return GatewayClient("http://gateway.test/", transport=httpx.MockTransport(handler))


class TestHealth:
    async def test_healthy_answer_is_read(self) -> None:
        async with answering(200, HEALTHY) as client:
            health = await HealthApi(client).health()
        assert health.ok
        assert health.mode == "solo"
        assert health.database.detail == "PostgreSQL 18.1"
        assert sorted(health.services) == ["auth", "crm"]
        assert health.problems() == []

    async def test_degraded_503_is_a_report_not_an_error(self) -> None:
        body = {
            **HEALTHY,
            "status": "degraded",
            "broker": {"status": "down", "detail": "KafkaConnectionError"},
            "services": {"auth": {"status": "ok"}, "crm": {"status": "down"}},
        }
        async with answering(503, body) as client:
            health = await HealthApi(client).health()
        assert not health.ok
        assert health.problems() == ["broker", "crm"]

    async def test_unknown_fields_are_ignored(self) -> None:
        async with answering(200, {**HEALTHY, "uptime_s": 12, "region": "eu"}) as client:
            assert (await HealthApi(client).health()).ok

    async def test_unreadable_200_raises_unexpected_response(self) -> None:
        async with answering(200, {"hello": "world"}) as client:
            with pytest.raises(UnexpectedResponseError, match="status: Field required"):
                await HealthApi(client).health()

    async def test_error_body_becomes_api_error(self) -> None:
        body = {
            "error": {
                "code": "internal_error",
                "message": "The database is in recovery",
                "details": {"retry_after": 5},
                "request_id": "req-123",
            }
        }
        async with answering(500, body) as client:
            with pytest.raises(ApiError) as caught:
                await HealthApi(client).health()
        error = caught.value
        assert (error.status_code, error.code, error.request_id) == (
            500,
            "internal_error",
            "req-123",
        )
        assert error.message == "The database is in recovery"
        assert error.details == {"retry_after": 5}
        assert error.is_server_error

    async def test_error_without_json_body_uses_status_line(self) -> None:
        async with answering(502, b"<html>Bad gateway</html>", {"x-request-id": "r9"}) as client:
            with pytest.raises(ApiError) as caught:
                await HealthApi(client).health()
        assert caught.value.code == "http_502"
        assert caught.value.message == "Bad Gateway"
        assert caught.value.request_id == "r9"

    async def test_base_url_loses_trailing_slash(self) -> None:
        async with GatewayClient("http://127.0.0.1:5/") as client:
            assert client.base_url == "http://127.0.0.1:5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

"""Gateway behaviour: routing, rate limits, request ids, CORS, headers, limits, upstreams."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.embedded.infrastructure import Infrastructure
from backend.gateway.upstream import Upstreams
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import Settings
from backend.server import build_backend, build_gateway_app, build_service_app, close_backend
from tests.factories.auth import signup


async def _gateway(
    settings: Settings, infra: Infrastructure, **overrides: object
) -> tuple[FastAPI, Resources]:
    res = await open_resources(
        settings.model_copy(update=overrides),
        database_url=infra.database_url,
        bootstrap_servers=infra.bootstrap_servers,
        mode="solo",
    )
    return build_backend(res), res


@pytest.fixture
async def limited(settings: Settings, infra: Infrastructure) -> AsyncIterator[httpx.AsyncClient]:
    app, res = await _gateway(
        settings,
        infra,
        rate_limit_per_minute=3,
        cors_origins=["https://app.example.com"],
        max_body_bytes=2048,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c
    await close_backend(app)
    await res.close()


class TestRouting:
    async def test_path_is_rewritten_to_the_owning_service(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        r = await api.get("/api/v1/users", headers=tenant.admin.headers)
        assert r.status_code == 200  # /api/v1/users -> auth /users

    async def test_unknown_resource_is_a_json_404(self, api: httpx.AsyncClient) -> None:
        r = await api.get("/api/v1/widgets")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"

    async def test_internal_routes_are_not_reachable_from_outside(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        r = await api.get("/api/v1/internal/sessions/x", headers=tenant.admin.headers)
        assert r.status_code == 404

    async def test_protected_route_without_token_is_401_and_public_ones_open(
        self, api: httpx.AsyncClient
    ) -> None:
        assert (await api.get("/api/v1/users")).status_code == 401
        r = await api.post(
            "/api/v1/auth/login", json={"email": "x@example.com", "password": "whatever-1"}
        )
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unknown_email"  # reached auth: a public route


class TestRateLimit:
    async def test_per_customer_limit_with_headers(self, limited: httpx.AsyncClient) -> None:
        a, b = await signup(limited, "A"), await signup(limited, "B")
        seen = []
        for _ in range(3):
            r = await limited.get("/api/v1/auth/me", headers=a.admin.headers)
            seen.append((r.status_code, r.headers["x-ratelimit-remaining"]))
        assert seen == [(200, "2"), (200, "1"), (200, "0")]
        assert r.headers["x-ratelimit-limit"] == "3"
        r = await limited.get("/api/v1/auth/me", headers=a.admin.headers)
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # Another customer has its own budget.
        assert (await limited.get("/api/v1/auth/me", headers=b.admin.headers)).status_code == 200


class TestRequestId:
    async def test_generated_returned_passed_on_and_written_to_the_outbox(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        r = await api.get("/api/v1/widgets")
        assert len(r.headers["x-request-id"]) == 32
        rid = "signup-req-0123456789"
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "company": "Rid",
                "name": "R",
                "email": "rid-0123456789@example.com",
                "password": "correct-horse-battery",
            },
            headers={"X-Request-Id": rid},
        )
        assert r.status_code == 201
        assert r.headers["x-request-id"] == rid
        async with owner_engine.connect() as conn:
            headers = await conn.scalar(
                text(
                    "SELECT headers FROM events.outbox WHERE type = 'auth.customer.signed_up' AND aggregate_id = :u"
                ),
                {"u": r.json()["user"]["id"]},
            )
        assert headers == {"request_id": rid}


class TestEdge:
    async def test_security_headers_on_every_answer(self, api: httpx.AsyncClient) -> None:
        for r in (
            await api.get("/health"),
            await api.get("/api/v1/users"),
            await api.get("/api/v1/nope"),
        ):
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in r.headers["content-security-policy"]

    async def test_cors_allows_only_listed_origins(self, limited: httpx.AsyncClient) -> None:
        pre = {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        ok = await limited.options(
            "/api/v1/users", headers={"Origin": "https://app.example.com", **pre}
        )
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        bad = await limited.options(
            "/api/v1/users", headers={"Origin": "https://evil.example.com", **pre}
        )
        assert "access-control-allow-origin" not in bad.headers

    async def test_oversized_body_is_413_declared_or_streamed(
        self, limited: httpx.AsyncClient
    ) -> None:
        r = await limited.post(
            "/api/v1/auth/login", content=b"x" * 4096, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield b"x" * 512

        r = await limited.post(
            "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413


class TestUpstreams:
    async def test_dead_remote_service_is_502_with_the_error_body(
        self, resources: Resources
    ) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        app = build_backend(resources, remote={"crm": f"http://127.0.0.1:{dead}"})
        tenant_api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        try:
            tenant = await signup(tenant_api)
            r = await tenant_api.get("/api/v1/accounts", headers=tenant.admin.headers)
            assert r.status_code == 502
            assert r.json()["error"]["code"] == "bad_gateway"
        finally:
            await tenant_api.aclose()
            await close_backend(app)

    async def test_slow_service_is_504(self, settings: Settings, infra: Infrastructure) -> None:
        res = await open_resources(
            settings.model_copy(update={"upstream_timeout": 0.3}),
            database_url=infra.database_url, bootstrap_servers=infra.bootstrap_servers, mode="solo",
        )  # fmt: skip
        slow = FastAPI()

        @slow.get("/accounts")
        async def hang() -> None:
            await asyncio.sleep(5)

        app = build_gateway_app(
            res, Upstreams.build({"auth": build_service_app("auth", res), "crm": slow}, {})
        )
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                tenant = await signup(c)
                r = await c.get("/api/v1/accounts", headers=tenant.admin.headers)
            assert r.status_code == 504
            assert r.json()["error"]["code"] == "gateway_timeout"
        finally:
            await close_backend(app)
            await res.close()

    async def test_remote_service_is_proxied_over_http(
        self, settings: Settings, infra: Infrastructure, resources: Resources
    ) -> None:
        """Team mode: auth in its own uvicorn; the gateway reaches it by URL."""
        from backend.embedded.broker import free_port
        from backend.server import serve_app

        port = free_port()
        stop = asyncio.Event()
        started = asyncio.Event()
        server = asyncio.create_task(
            serve_app(
                build_service_app("auth", resources),
                "127.0.0.1",
                port,
                started=lambda _: started.set(),
                stop=stop,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        app = build_backend(resources, remote={"auth": f"http://127.0.0.1:{port}"})
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                tenant = await signup(c)
                r = await c.get("/api/v1/auth/me", headers=tenant.admin.headers)
                assert r.status_code == 200
                assert r.json()["id"] == tenant.admin.user_id
                spec = (await c.get("/openapi.json")).json()
                assert "/api/v1/auth/login" in spec["paths"]
        finally:
            await close_backend(app)
            stop.set()
            await server


class TestOpenApi:
    async def test_combined_document_with_public_paths_and_security(
        self, api: httpx.AsyncClient
    ) -> None:
        spec = (await api.get("/openapi.json")).json()
        paths = spec["paths"]
        assert paths["/api/v1/auth/login"]["post"]["security"] == []
        assert paths["/api/v1/users"]["get"]["security"] == [{"bearerAuth": []}]
        assert not [p for p in paths if "internal" in p]
        assert "/health" in paths
        assert "ErrorBody" in spec["components"]["schemas"]
        assert "422" in paths["/api/v1/users"]["post"]["responses"]

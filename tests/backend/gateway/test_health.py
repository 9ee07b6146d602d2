"""The gateway's /health reports every service, the database and the broker."""

from __future__ import annotations

import socket

import httpx
import pytest

from backend import registry
from backend.gateway.upstream import in_process_client
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import ConfigError, Settings
from backend.server import build_backend, build_service_app, close_backend


class TestGatewayHealth:
    async def test_all_up_is_200_with_every_component(self, api: httpx.AsyncClient) -> None:
        r = await api.get("/health")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ok"
        assert body["database"]["status"] == "ok"
        assert body["database"]["detail"].startswith("PostgreSQL 18")
        assert body["broker"]["status"] == "ok"
        assert set(body["services"]) == set(registry.names()) == {"auth", "crm", "email"}
        assert all(s["status"] == "ok" for s in body["services"].values())
        # What each really serves (issue 11, defect 8: never "working" for nothing).
        assert body["services"]["crm"]["offers"][:3] == ["accounts", "contacts", "opportunities"]
        assert body["services"]["auth"]["offers"] == ["auth", "users"]

    async def test_broker_down_is_503_naming_the_broker(
        self, settings: Settings, database_url: str
    ) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        res = await open_resources(
            settings, database_url=database_url, bootstrap_servers=f"127.0.0.1:{dead}", mode="team"
        )
        app = build_backend(res)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                r = await c.get("/health")
            assert r.status_code == 503
            body = r.json()
            assert body["status"] == "degraded"
            assert body["broker"]["status"] == "down"
            assert body["database"]["status"] == "ok"
        finally:
            await close_backend(app)
            await res.close()

    async def test_unreachable_remote_service_is_reported(self, resources: Resources) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        app = build_backend(resources, remote={"crm": f"http://127.0.0.1:{dead}"})
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                r = await c.get("/health")
            assert r.status_code == 503
            services = r.json()["services"]
            assert services["crm"]["status"] == "down"
            assert "unreachable" in services["crm"]["detail"]
            assert services["auth"]["status"] == "ok"
        finally:
            await close_backend(app)

    async def test_a_remote_service_that_is_no_context_is_a_config_error(
        self, resources: Resources
    ) -> None:
        with pytest.raises(ConfigError, match="SALESOS_SERVICE_URLS: billing is not a service"):
            build_backend(resources, remote={"billing": "http://127.0.0.1:9"})


class TestServiceHealth:
    async def test_each_service_answers_its_own_health(self, resources: Resources) -> None:
        auth = in_process_client("auth", build_service_app("auth", resources))
        for context in registry.contexts():
            name = context.name
            app = build_service_app(context, resources, {p: auth for p in context.peers})
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                r = await c.get("/health")
            assert r.status_code == 200
            assert r.json()["service"] == name
            assert r.json()["offers"] == list(context.paths)

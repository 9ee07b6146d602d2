"""The gateway's /health reports every service, the database and the broker."""

from __future__ import annotations

import socket

import httpx

from backend.gateway.upstream import in_process_client
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import Settings
from backend.server import CONTEXTS, PEERS, build_backend, build_service_app


class TestGatewayHealth:
    async def test_all_up_is_200_with_every_component(self, api: httpx.AsyncClient) -> None:
        r = await api.get("/health")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ok"
        assert body["database"]["status"] == "ok"
        assert body["database"]["detail"].startswith("PostgreSQL 18")
        assert body["broker"]["status"] == "ok"
        assert set(body["services"]) == set(CONTEXTS)
        assert all(s["status"] == "ok" for s in body["services"].values())

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
            await app.state.upstreams.aclose()
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
            await app.state.upstreams.aclose()


class TestServiceHealth:
    async def test_each_service_answers_its_own_health(self, resources: Resources) -> None:
        auth = in_process_client("auth", build_service_app("auth", resources))
        for name in CONTEXTS:
            app = build_service_app(name, resources, {"auth": auth} if name in PEERS else None)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                r = await c.get("/health")
            assert r.status_code == 200
            assert r.json()["service"] == name

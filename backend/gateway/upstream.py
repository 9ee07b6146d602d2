"""Clients of the services behind the gateway: in-process (ASGI) or over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

TIMEOUT = httpx.Timeout(10.0, connect=2.0)


def in_process_client(name: str, app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=TIMEOUT
    )


def remote_client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, timeout=TIMEOUT)


@dataclass
class Upstreams:
    """One ``httpx.AsyncClient`` per service name (health checks, session checks,
    OpenAPI); ``apps`` holds the in-process ASGI apps the proxy calls directly."""

    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)
    remote: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        in_process: dict[str, FastAPI],
        remote: dict[str, str],
        clients: dict[str, httpx.AsyncClient] | None = None,
    ) -> Upstreams:
        """In-process apps through ``ASGITransport``; remote ones by URL (team mode).
        ``clients`` made already (e.g. handed to other services as peers) are kept."""
        made = dict(clients or {})
        for name, app in in_process.items():
            made.setdefault(name, in_process_client(name, app))
        for name, url in remote.items():
            made.setdefault(name, remote_client(url))
        return cls(made, dict(in_process), dict(remote))

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

"""Clients of the services behind the gateway: in-process (ASGI) or over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI


@dataclass
class Upstreams:
    """One ``httpx.AsyncClient`` per service name (health checks, session checks,
    OpenAPI); ``apps`` holds the in-process ASGI apps the proxy calls directly."""

    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)
    remote: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, in_process: dict[str, FastAPI], remote: dict[str, str]) -> Upstreams:
        """In-process apps through ``ASGITransport``; remote ones by URL (team mode)."""
        timeout = httpx.Timeout(10.0, connect=2.0)
        clients = {
            name: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=timeout
            )
            for name, app in in_process.items()
        }
        clients.update(
            {name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in remote.items()}
        )
        return cls(clients, dict(in_process), dict(remote))

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

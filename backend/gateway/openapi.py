"""The combined OpenAPI document of every service, at the public ``/api/v1`` paths."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

import backend
from backend.gateway import routes

BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


async def combined_openapi(
    gateway: FastAPI,
    table: routes.RouteTable,
    in_process: dict[str, FastAPI],
    remote: dict[str, httpx.AsyncClient],
) -> dict[str, Any]:
    """Merge the services' documents; each operation says whether it needs a token."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "SalesOS API", "version": backend.__version__},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": copy.deepcopy(BEARER)},
    }
    own = get_openapi(title="gateway", version=backend.__version__, routes=gateway.routes)
    sources: list[tuple[str, dict[str, Any]]] = [("gateway", own)]
    sources += [(name, app.openapi()) for name, app in sorted(in_process.items())]
    for name, client in sorted(remote.items()):
        response = await client.get("/openapi.json")
        response.raise_for_status()
        sources.append((name, response.json()))
    for service, spec in sources:
        for schema_name, schema in spec.get("components", {}).get("schemas", {}).items():
            doc["components"]["schemas"].setdefault(schema_name, schema)
        for path, operations in spec.get("paths", {}).items():
            if service == "gateway":
                doc["paths"][path] = operations
                continue
            public_path = routes.API_PREFIX + path
            resolved = table.resolve(public_path)
            if resolved is None or resolved[0] != service:
                continue  # internal routes, and per-service /health, are not public API
            ops = copy.deepcopy(operations)
            for method, op in ops.items():
                if not isinstance(op, dict):
                    continue
                op["security"] = (
                    [] if table.is_public(method.upper(), path) else [{"bearerAuth": []}]
                )
                op.setdefault("tags", [service])
            doc["paths"][public_path] = ops
    return doc

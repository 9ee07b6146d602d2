"""Gateway routes: health of the whole backend."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

import backend
from backend.embedded.supervisor import supervision_state
from backend.gateway.schemas import GatewayHealth
from backend.gateway.state import gateway_state
from backend.kit.errors import ErrorBody
from backend.kit.http import ComponentHealth, resources_of
from backend.messaging import metrics

router = APIRouter()


async def _component(check: object, supervised: dict[str, object] | None) -> ComponentHealth:
    restarts = supervised.get("restarts") if supervised else 0
    restarts = restarts if isinstance(restarts, int) else 0
    try:
        detail = await check  # type: ignore[misc]
    except Exception as exc:  # health reports failures, it does not raise them
        if supervised is not None and supervised.get("state") == "restarting":
            attempt = supervised.get("attempts") or 0
            return ComponentHealth(
                status="restarting",
                detail=f"the embedded server stopped; restarting it (attempt {attempt})",
                restarts=restarts,
            )
        return ComponentHealth(
            status="down", detail=f"{exc.__class__.__name__}: {exc}"[:300], restarts=restarts
        )
    return ComponentHealth(status="ok", detail=str(detail), restarts=restarts)


async def _service(client: httpx.AsyncClient) -> ComponentHealth:
    try:
        response = await client.get("/health", timeout=3.0)
    except httpx.HTTPError as exc:
        return ComponentHealth(status="down", detail=f"unreachable: {exc.__class__.__name__}")
    if response.status_code != 200:
        return ComponentHealth(status="down", detail=f"HTTP {response.status_code}")
    try:
        offers = [str(path) for path in response.json().get("offers", [])]
    except (ValueError, AttributeError, TypeError):
        offers = []  # an older service: it says nothing of what it serves
    return ComponentHealth(status="ok", offers=offers)


@router.get(
    "/health",
    response_model=GatewayHealth,
    responses={503: {"model": GatewayHealth, "description": "Something is down"}},
)
async def health(request: Request) -> JSONResponse:
    """Report the database, the broker and every service; 503 if any is down."""
    resources = resources_of(request)
    upstreams = gateway_state(request).upstreams
    names = sorted(upstreams.clients)
    supervised = supervision_state(resources.settings.run_dir)
    database, broker, *services = await asyncio.gather(
        _component(resources.check_database(), supervised.get("database")),
        _component(resources.check_broker(), supervised.get("broker")),
        *(_service(upstreams.clients[name]) for name in names),
    )
    parts = [database, broker, *services]
    body = GatewayHealth(
        status="ok" if all(p.status == "ok" for p in parts) else "degraded",
        mode=resources.mode,
        version=backend.__version__,
        database=database,
        broker=broker,
        services=dict(zip(names, services, strict=True)),
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """The event backbone's figures for Prometheus (scrape from your network only)."""
    return Response(await metrics.render(resources_of(request)), media_type=metrics.CONTENT_TYPE)


LIVE_DESCRIPTION = """Server-Sent Events: changes to records the caller may read, as they happen.

Frames: ``event: change`` with ``data: {"type", "kind", "id", "version", "origin",
"at"}`` (what changed, never the record: read it through the API); ``event: resync``
(changes were dropped for a slow reader: reload what you show); ``event: expired``
(the access token expired: connect again with a fresh one); ``event: ended`` (the
session ended: sign in again); ``event: closing`` (the server is stopping: connect
again). A comment line every 15 s keeps proxies from closing an idle stream.
"""


@router.get(
    "/api/v1/live",
    tags=["live"],
    summary="Live changes (Server-Sent Events)",
    description=LIVE_DESCRIPTION,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        401: {"model": ErrorBody, "description": "No, or a bad, access token"},
        429: {"model": ErrorBody, "description": "The company is over its rate"},
    },
    response_class=Response,
)
async def live_stream_document() -> Response:
    """Documents the stream: the gateway answers ``/api/v1/live`` before any route."""
    raise RuntimeError("GET /api/v1/live is served by the gateway's dispatch")

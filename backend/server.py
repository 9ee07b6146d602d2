"""Builds the ASGI apps and serves them: solo (in a thread of the desktop app) or team.

One FastAPI app per service, each with ``/health``. The gateway app reaches the
others in-process through ``httpx.ASGITransport`` (solo, ``serve --all``) or over
HTTP (``SALESOS_SERVICE_URLS``). The desktop talks HTTP to the gateway in every
mode, so there is one code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from backend import registry
from backend.context import BoundedContext, ContextEnv, ContextState
from backend.demo import seed_demo
from backend.embedded.errors import InfrastructureError
from backend.embedded.infrastructure import Infrastructure
from backend.embedded.supervisor import Supervisor
from backend.gateway import routes
from backend.gateway.api import router as gateway_router
from backend.gateway.live import LiveFeed, StreamAccess
from backend.gateway.live import stream as live_stream
from backend.gateway.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from backend.gateway.openapi import combined_openapi
from backend.gateway.proxy import CustomerRateLimit, GatewayProxy, Upstream
from backend.gateway.sessions import SessionGate
from backend.gateway.state import GatewayState
from backend.gateway.upstream import Upstreams, in_process_client, remote_client
from backend.kit import loop as event_loop
from backend.kit import migrate
from backend.kit.errors import SalesOSError, error_response
from backend.kit.http import ComponentHealth, ServiceHealth, create_service_app, resources_of
from backend.kit.logging import configure_logging, current_request_id
from backend.kit.resources import Resources, open_resources
from backend.kit.settings import ConfigError, Settings, load_settings
from backend.kit.team import TeamDirectory
from backend.messaging.workers import Workers, start_workers

log = logging.getLogger(__name__)

SESSIONS_SERVICE = "auth"
"""The service that knows whether a session is live (the gateway asks it)."""


def _health_router(name: str, offers: tuple[str, ...] = ()) -> APIRouter:
    router = APIRouter()

    @router.get("/health", response_model=ServiceHealth, responses={503: {"model": ServiceHealth}})
    async def health(request: Request) -> JSONResponse:
        resources = resources_of(request)
        try:
            detail = await resources.check_database()
            database = ComponentHealth(status="ok", detail=detail)
        except Exception as exc:  # health reports failures, it does not raise them
            database = ComponentHealth(status="down", detail=f"{exc.__class__.__name__}: {exc}")
        body = ServiceHealth(
            status=database.status, service=name, database=database, offers=list(offers)
        )
        return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)

    return router


def route_table() -> routes.RouteTable:
    """Which service owns which ``/api/v1`` path, from the contexts' descriptors."""
    return routes.RouteTable.of(
        routes.ServiceRoutes(c.name, c.paths, c.public, c.public_prefixes)
        for c in registry.contexts()
    )


def build_service_app(
    context: BoundedContext | str,
    resources: Resources,
    peers: Mapping[str, httpx.AsyncClient] | None = None,
) -> FastAPI:
    """The app of one bounded context: its ``/health``, its router and its state.

    Close it with :func:`close_service_app` (``close_backend`` does, for the apps it
    built).

    Args:
        peers: Clients of the services it calls (its descriptor's ``peers``).

    Raises:
        ValueError: an unknown context, or a peer client missing.
    """
    if isinstance(context, str):
        try:
            context = registry.context(context)
        except KeyError:
            raise ValueError(
                f"unknown service {context!r}; one of {', '.join(registry.names())}"
            ) from None
    given = dict(peers or {})
    missing = [p for p in context.peers if p not in given]
    if missing:
        raise ValueError(f"the {context.name} service needs clients of {', '.join(missing)}")
    app = create_service_app(context.name, resources)
    app.include_router(_health_router(context.name, context.paths))
    app.include_router(context.router)
    if context.state is not None:
        app.state.context_state = context.state(ContextEnv(resources.settings, resources, given))
    return app


async def close_service_app(app: FastAPI) -> None:
    """Release a service app's state (its running tasks, its clients), and its pool
    when it has one of its own (:func:`build_backend` gives each one)."""
    state: ContextState | None = getattr(app.state, "context_state", None)
    if state is not None:
        await state.aclose()
    resources: Resources | None = getattr(app.state, "resources", None)
    if resources is not None and resources.own_pool:
        await resources.close()


LIVE_PATH = routes.API_PREFIX + "/live"
"""The gateway's own Server-Sent Events stream of record changes."""


class _ApiDispatch:
    """Send ``/api/v1/...`` to the proxy, except the gateway's own live stream;
    everything else to the gateway's own routes."""

    def __init__(
        self, app: ASGIApp, proxy: GatewayProxy, live: LiveFeed, team: TeamDirectory
    ) -> None:
        self.app = app
        self.proxy = proxy
        self.live = live
        self.team = team

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(routes.API_PREFIX + "/"):
            await self.app(scope, receive, send)
        elif scope["path"] == LIVE_PATH:
            await self._live(scope, receive, send)
        else:
            await self.proxy(scope, receive, send)

    async def _live(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET":
            await error_response(405, "method_not_allowed", "The live stream is read with GET.")(
                scope, receive, send
            )
            return
        try:
            principal, expires, headers = await self.proxy.admit(scope)
        except SalesOSError as exc:
            await error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)(
                scope, receive, send
            )
            return
        authorization = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), ""
        )
        request_id = current_request_id() or ""

        async def session_live() -> bool:
            return await self.proxy.sessions.is_live(
                principal.session_id, authorization, request_id
            )

        async def reach() -> frozenset[uuid.UUID] | None:
            return await self.team.readers_reach(principal, authorization)

        access = StreamAccess(principal, expires, session_live, reach)
        response = StreamingResponse(
            live_stream(self.live, access),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        await response(scope, receive, send)


def build_gateway_app(resources: Resources, upstreams: Upstreams) -> FastAPI:
    """The public entry point; owns the upstream clients (closed by :func:`close_backend`)."""
    settings = resources.settings
    table = route_table()
    auth = upstreams.clients[SESSIONS_SERVICE]
    sessions = SessionGate(auth, resources.database_url)
    live = LiveFeed(resources.bootstrap_servers, settings, registry.live_topics())
    proxy = GatewayProxy(
        upstreams={
            **{name: Upstream(app=app) for name, app in upstreams.apps.items()},
            **{name: Upstream(client=upstreams.clients[name]) for name in upstreams.remote},
        },
        table=table,
        tokens=resources.tokens,
        sessions=sessions,
        rate_limit=CustomerRateLimit(settings.rate_limit_per_minute),
        timeout=settings.upstream_timeout,
        sessions_service=SESSIONS_SERVICE,
    )
    cors = {
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        "allow_headers": ["Authorization", "Content-Type", "If-Match", "X-Request-Id"],
        "expose_headers": [
            "X-Request-Id", "ETag", "Retry-After",
            "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
        ],
        "max_age": 600,
    }  # fmt: skip
    upload_prefixes = tuple(
        f"{routes.API_PREFIX}/{path}" for c in registry.contexts() for path in c.upload_paths
    )
    app = create_service_app(
        "gateway",
        resources,
        title="SalesOS API",
        inner_middleware=[
            (SecurityHeadersMiddleware, {}),
            (CORSMiddleware, cors),
            (
                BodyLimitMiddleware,
                {
                    "max_bytes": settings.max_body_bytes,
                    "upload_bytes": settings.max_upload_bytes,
                    "upload_prefixes": upload_prefixes,
                },
            ),
            (_ApiDispatch, {"proxy": proxy, "live": live, "team": TeamDirectory(auth)}),
        ],
        openapi_url=None,  # served below, combined with the services'
    )
    app.state.gateway = GatewayState(upstreams, sessions, live, list(upstreams.apps.values()))
    app.include_router(gateway_router)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        remote = {name: upstreams.clients[name] for name in upstreams.remote}
        return await combined_openapi(app, table, upstreams.apps, remote)

    return app


def build_backend(resources: Resources, remote: Mapping[str, str] | None = None) -> FastAPI:
    """The gateway with every context not in ``remote`` running in-process.

    Raises:
        ConfigError: ``remote`` names a service that is not a context.
    """
    remote = dict(remote or {})
    unknown = sorted(set(remote) - set(registry.names()))
    if unknown:
        raise ConfigError(
            f"SALESOS_SERVICE_URLS: {', '.join(unknown)} is not a service; "
            f"one of {', '.join(registry.names())}"
        )
    clients: dict[str, httpx.AsyncClient] = {}
    in_process: dict[str, FastAPI] = {}
    for context in registry.contexts():  # each after the services it calls
        if context.name in remote:
            clients[context.name] = remote_client(remote[context.name])
            continue
        peers = {peer: clients[peer] for peer in context.peers}
        # each with a pool of its own, as in a process of its own (see with_own_pool)
        in_process[context.name] = build_service_app(context, resources.with_own_pool(), peers)
        clients[context.name] = in_process_client(context.name, in_process[context.name])
    return build_gateway_app(resources, Upstreams.build(in_process, remote, clients))


def job_names() -> tuple[str, ...]:
    """The contexts' background jobs (``salesos worker NAME``)."""
    return tuple(w.name for c in registry.contexts() for w in c.workers)


def start_background(
    resources: Resources,
    *,
    relay: bool = True,
    consumers: bool = True,
    jobs: Sequence[str] | None = None,
) -> Workers:
    """Start the relay, every context's consumer groups and the contexts' jobs (all of
    them, or those named in ``jobs``) on the running loop."""
    wanted = set(job_names() if jobs is None else jobs)
    return start_workers(
        resources,
        relay=relay,
        groups=registry.handlers() if consumers else (),
        jobs=[
            (w.name, functools.partial(w.run, resources))
            for c in registry.contexts()
            for w in c.workers
            if w.name in wanted
        ],
    )


async def close_backend(app: FastAPI) -> None:
    """Close what :func:`build_backend` opened (service state, upstream clients, the
    session listener, the live feed)."""
    parts: GatewayState | None = getattr(app.state, "gateway", None)
    if parts is None:
        return
    await parts.sessions.aclose()
    await parts.live.close()
    for service in parts.services:
        await close_service_app(service)
    await parts.upstreams.aclose()


# ---------------------------------------------------------------------- serving


class _Server(uvicorn.Server):
    """uvicorn without its signal handling: the caller owns signals and the stop event.

    (uvicorn re-raises SIGTERM after its shutdown, which would skip our clean-up of
    the embedded servers.)
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


GRACEFUL_SECONDS = 10
"""On stop, how long requests in flight may take before they are cut off."""


async def serve_app(
    app: FastAPI,
    host: str,
    port: int,
    *,
    started: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve ``app`` with uvicorn until ``stop`` is set.

    On stop it ends the live streams (so nothing waits on them), lets requests in
    flight finish for up to :data:`GRACEFUL_SECONDS`, and returns.

    Args:
        started: Called with the bound port once the socket listens (port 0 = any).
        sock: An already listening socket (pre-forked workers share one).
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = _Server(config)

    async def watch() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        if started is not None:
            started(int(bound))
        if stop is not None:
            await stop.wait()
            parts: GatewayState | None = getattr(app.state, "gateway", None)
            if parts is not None:
                parts.live.end_streams()  # long-lived answers end now; clients reconnect
            server.should_exit = True

    watcher = asyncio.create_task(watch())
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    except SystemExit as exc:  # uvicorn exits the process when it cannot bind
        raise OSError(f"could not listen on {host}:{port} (in use, or not allowed)") from exc
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    if not server.started:
        raise OSError(f"could not listen on {host}:{port} (in use, or not allowed)")


class StartupStep(StrEnum):
    """The steps of a solo start, in order."""

    DATABASE = "database"
    BROKER = "broker"
    MIGRATIONS = "migrations"
    SERVICES = "services"


@dataclass(frozen=True)
class StepUpdate:
    """Progress of one start-up step (sent from the backend thread)."""

    step: StartupStep
    state: Literal["started", "done", "failed"]
    detail: str = ""
    remedy: str = ""


class SoloBackend:
    """The whole backend in a background thread of the desktop process.

    The thread starts the embedded Postgres and broker (as children that die with
    it, even on ``kill -9`` of the app), applies migrations, then serves the gateway
    on ``127.0.0.1:<free port>`` from an asyncio loop of its own.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.base_url: str | None = None
        self.error: StepUpdate | None = None
        self.timings: dict[str, float] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._infra: Infrastructure | None = None
        self._supervisor: Supervisor | None = None
        self._stop_requested = threading.Event()

    def start(self, on_step: Callable[[StepUpdate], None]) -> None:
        """Return at once; ``on_step`` is called from the backend thread."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the solo backend is already running")
        self.base_url, self.error = None, None
        self._ready.clear()
        self._stop_requested.clear()
        self._thread = threading.Thread(
            target=self._run, args=(on_step,), name="salesos-backend", daemon=True
        )
        self._thread.start()

    def wait_ready(self, timeout: float = 60.0) -> str:
        """Block until ready (for scripts and tests).

        Raises:
            RuntimeError: when the start failed or took longer than ``timeout``.
        """
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the solo backend did not start within {timeout} s")
        if self.error is not None or self.base_url is None:
            assert self.error is not None
            raise RuntimeError(f"{self.error.step}: {self.error.detail}. {self.error.remedy}")
        return self.base_url

    def stop(self, timeout: float = 20.0) -> None:
        """Stop serving, then the broker and Postgres; join the thread. Idempotent."""
        self._stop_requested.set()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ------------------------------------------------------------------ thread body
    def _run(self, on_step: Callable[[StepUpdate], None]) -> None:
        step = StartupStep.DATABASE
        t0 = time.perf_counter()

        def mark(state: Literal["started", "done"], detail: str = "") -> None:
            if state == "done":
                self.timings[step.value] = time.perf_counter() - t0
            on_step(StepUpdate(step, state, detail))

        def stopping() -> bool:
            # stop() may come at any point of the start: give up between steps.
            return self._stop_requested.is_set()

        try:
            infra = self._infra = Infrastructure(self.settings)
            mark("started")
            # The database launcher checks the data folder first, with the clearest
            # message when it is not writable; the secret key lives there too.
            database_url = infra.start_database(tie_to_parent=True)
            configure_logging(
                self.settings.log_level,
                self.settings.log_format.value,
                log_file=self.settings.log_dir / "salesos.log",
            )
            self.settings.require_secret_key()
            first = infra.postgres is not None and infra.postgres.initialized_now
            mark("done", "PostgreSQL (embedded, new)" if first else "PostgreSQL ready")
            if stopping():
                return
            step = StartupStep.BROKER
            mark("started")
            bootstrap = infra.start_broker(tie_to_parent=True)
            self._supervisor = infra.supervise()
            mark("done", f"{infra.broker.kind if infra.broker else 'Kafka'} at {bootstrap}")
            if stopping():
                return
            step = StartupStep.MIGRATIONS
            mark("started")
            first_run = asyncio.run(migrate.current_revision(database_url)) is None
            migrate.upgrade(database_url)
            if first_run:
                asyncio.run(seed_demo(database_url))
            mark("done", "new database with demo data" if first_run else "schema up to date")
            if stopping():
                return
            step = StartupStep.SERVICES
            mark("started")
            event_loop.run(
                self._serve(database_url, bootstrap, lambda: mark("done", self.base_url or ""))
            )
        except InfrastructureError as exc:
            self._fail(on_step, step, exc.cause, exc.remedy)
        except ConfigError as exc:
            self._fail(on_step, step, str(exc), "Fix the setting and start again.")
        except Exception as exc:
            log.exception("solo start-up failed at %s", step)
            # One readable line for the window; the whole error is in the log.
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self._fail(
                on_step,
                step,
                f"{exc.__class__.__name__}: {first_line[:300]}",
                f"The details are in {self.settings.log_dir / 'salesos.log'}; then retry.",
            )
        finally:
            self._ready.set()
            if self._supervisor is not None:
                self._supervisor.stop()
                self._supervisor = None
            if self._infra is not None:
                with contextlib.suppress(Exception):
                    self._infra.stop()
                self._infra = None

    def _fail(
        self, on_step: Callable[[StepUpdate], None], step: StartupStep, cause: str, remedy: str
    ) -> None:
        self.error = StepUpdate(step, "failed", cause, remedy)
        on_step(self.error)

    async def _serve(self, database_url: str, bootstrap: str, ready: Callable[[], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_requested.is_set():  # stop() came while we were starting
            return
        resources = await open_resources(
            self.settings, database_url=database_url, bootstrap_servers=bootstrap, mode="solo"
        )
        app = build_backend(resources)
        workers = start_background(resources)

        def started(port: int) -> None:
            self.base_url = f"http://127.0.0.1:{port}"
            ready()
            self._ready.set()

        try:
            await serve_app(app, "127.0.0.1", 0, started=started, stop=self._stop)
        finally:
            await workers.close()
            await close_backend(app)
            await resources.close()
            self._loop = None


async def serve_team(
    settings: Settings,
    *,
    service: str | None,
    host: str,
    port: int,
    database_url: str,
    bootstrap: str,
    stop: asyncio.Event | None = None,
    started: Callable[[int], None] | None = None,
    sock: socket.socket | None = None,
    workers: int = 1,
    background: bool = True,
) -> None:
    """``salesos serve``: the gateway with every service (``service=None``), or one service.

    Args:
        workers: How many processes share the socket; the per-customer rate limit is
            kept in memory per process, so each enforces its share of it.
        background: With every service (``--all``), also run the outbox relay and the
            consumers here (one relay leads across processes; consumers share groups).
    """
    if workers > 1:
        share = max(1, -(-settings.rate_limit_per_minute // workers))
        settings = settings.model_copy(update={"rate_limit_per_minute": share})
    resources = await open_resources(
        settings, database_url=database_url, bootstrap_servers=bootstrap, mode="team"
    )
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    peer_clients: dict[str, httpx.AsyncClient] = {}
    if service is None or service == "gateway":
        remote = settings.service_urls if service == "gateway" else {}
        app = build_backend(resources, remote=remote)
    else:
        try:
            context = registry.context(service)
        except KeyError:
            raise ConfigError(
                f"--service {service}: not a service; one of gateway, {', '.join(registry.names())}"
            ) from None
        for peer in context.peers:
            if peer not in settings.service_urls:
                raise ConfigError(
                    f"SALESOS_SERVICE_URLS: {service} calls {peer}; add {peer}=http://host:port"
                )
            peer_clients[peer] = remote_client(settings.service_urls[peer])
        app = build_service_app(context, resources, peer_clients)
    running = start_background(resources) if background and service is None else None
    try:
        await serve_app(app, host, port, started=started, stop=stop, sock=sock)
    finally:
        if running is not None:
            await running.close()
        await close_backend(app)
        await close_service_app(app)
        for client in peer_clients.values():
            await client.aclose()
        await resources.close()

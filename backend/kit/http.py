"""ASGI pieces every service app shares: request ids, the app factory, health schemas."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import backend
from backend.kit.db import install_database_error_handlers
from backend.kit.errors import error_response, install_error_handlers
from backend.kit.logging import accept_or_new_request_id, reset_request_id, set_request_id
from backend.kit.resources import Resources

REQUEST_ID_HEADER = "x-request-id"
log = logging.getLogger(__name__)

S = TypeVar("S")


def resources_of(request: Request) -> Resources:
    """The process's shared resources (engine, sessionmaker, settings, tokens)."""
    resources: Resources = request.app.state.resources
    return resources


def state_of(request: Request, kind: type[S]) -> S:
    """The typed per-process state of the service answering ``request``.

    A context's ``deps.py`` wraps it in a dependency (``CrmStateDep``).

    Raises:
        RuntimeError: the app has no state of that type (a wiring bug, not input).
    """
    state = getattr(request.app.state, "context_state", None)
    if not isinstance(state, kind):
        raise RuntimeError(f"{request.app.title} has no {kind.__name__}")
    return state


class RequestIdMiddleware:
    """Accept a well-formed ``X-Request-Id`` or make one; bind it for logs; echo it back.

    It also turns an unexpected exception into the standard 500 body, here rather
    than in Starlette's outermost error middleware, so the log line and the answer
    still carry the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for key, value in scope.get("headers", []):
            if key == REQUEST_ID_HEADER.encode():
                incoming = value.decode("latin-1")
                break
        request_id = accept_or_new_request_id(incoming)
        token = set_request_id(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error")
            if started:  # too late for an error answer; the connection is dropped
                raise
            response = error_response(500, "internal_error", "Something went wrong on our side.")
            await response(scope, receive, send_with_id)
        finally:
            reset_request_id(token)


class ComponentHealth(BaseModel):
    """``restarting``: it died, and the embedded server's supervisor is starting it.

    ``offers``: for a service, the paths under ``/api/v1`` it serves (``accounts``,
    ``users``): what it really does, so a service that serves nothing yet is never
    reported as one that works."""

    status: Literal["ok", "down", "restarting"]
    detail: str = ""
    restarts: int = 0
    """How often the supervisor of this data folder restarted it since it started."""
    offers: list[str] = Field(default_factory=list)


class ServiceHealth(BaseModel):
    """``GET /health`` of one service."""

    status: Literal["ok", "down", "restarting"]
    service: str
    version: str = backend.__version__
    database: ComponentHealth
    offers: list[str] = Field(default_factory=list)
    """The paths under ``/api/v1`` it serves (its descriptor's ``paths``)."""


def create_service_app(
    name: str,
    resources: Resources,
    *,
    title: str | None = None,
    inner_middleware: Sequence[tuple[Any, dict[str, Any]]] = (),
    openapi_url: str | None = "/openapi.json",
) -> FastAPI:
    """A FastAPI app with the shared error handlers, request-id middleware and resources.

    Args:
        inner_middleware: ``(class, options)`` pairs run inside the request-id
            middleware (the first listed runs outermost).
    """
    app = FastAPI(
        title=title or f"SalesOS {name}",
        version=backend.__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=openapi_url,
    )
    app.state.resources = resources
    app.state.service_name = name
    install_error_handlers(app)
    install_database_error_handlers(app)
    for cls, options in reversed(inner_middleware):
        app.add_middleware(cls, **options)
    app.add_middleware(RequestIdMiddleware)
    return app

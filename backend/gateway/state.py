"""What a gateway app holds between requests (typed, instead of an ``app.state`` bag)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, Request

from backend.gateway.live import LiveFeed
from backend.gateway.sessions import SessionGate
from backend.gateway.upstream import Upstreams


@dataclass
class GatewayState:
    """The gateway's clients of the services, its session check and its live feed.

    Attributes:
        services: The in-process service apps (closed with the gateway).
    """

    upstreams: Upstreams
    sessions: SessionGate
    live: LiveFeed
    services: list[FastAPI] = field(default_factory=list)


def gateway_state(request: Request) -> GatewayState:
    """The state of the gateway answering ``request``."""
    state = getattr(request.app.state, "gateway", None)
    if not isinstance(state, GatewayState):
        raise RuntimeError("not a gateway app")
    return state

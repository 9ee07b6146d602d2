"""What the gateway's ``/health`` answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from backend.kit.http import ComponentHealth


class GatewayHealth(BaseModel):
    """Health of the whole backend: 200 when everything is ok, 503 otherwise."""

    status: Literal["ok", "degraded"]
    mode: str
    version: str
    database: ComponentHealth
    broker: ComponentHealth
    services: dict[str, ComponentHealth]

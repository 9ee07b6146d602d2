"""Typed async client of the SalesOS gateway (httpx); no Qt here."""

from app.api.client import GatewayClient
from app.api.errors import ApiError, UnexpectedResponseError
from app.api.models import ComponentHealth, Health

__all__ = ["ApiError", "ComponentHealth", "GatewayClient", "Health", "UnexpectedResponseError"]

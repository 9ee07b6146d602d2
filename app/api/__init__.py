"""Typed async client of the SalesOS gateway (httpx), with token refresh; no Qt here."""

from app.api.client import GatewayClient, desktop_user_agent
from app.api.errors import ApiError, SessionEndedError, UnexpectedResponseError
from app.api.models import (
    ComponentHealth,
    DeviceSession,
    Health,
    TokenGrant,
    User,
    UserPage,
)
from app.api.session import AuthSession

__all__ = [
    "ApiError",
    "AuthSession",
    "ComponentHealth",
    "DeviceSession",
    "GatewayClient",
    "Health",
    "SessionEndedError",
    "TokenGrant",
    "UnexpectedResponseError",
    "User",
    "UserPage",
    "desktop_user_agent",
]

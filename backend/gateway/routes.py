"""The gateway's route table: ``/api/v1/<resource>/...`` to the service that owns it.

The path is rewritten by dropping ``/api/v1`` (``/api/v1/accounts/7`` reaches crm as
``/accounts/7``). Public routes are few, listed here, and need no access token.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"

RESOURCES: dict[str, str] = {
    "auth": "auth",
    "users": "auth",
    "accounts": "crm",
    "contacts": "crm",
    "opportunities": "crm",
    "pipelines": "crm",
    "custom-fields": "crm",
    "views": "crm",
    "search": "crm",
    "imports": "crm",
    "exports": "crm",
    "emails": "email",
    "mailboxes": "email",
    "templates": "email",
    "track": "email",
    "unsubscribe": "email",
    "calendar": "calendar",
    "meetings": "calendar",
    "booking": "calendar",
    "sequences": "sequences",
    "enrollments": "sequences",
    "activities": "activities",
    "tasks": "activities",
    "notes": "activities",
    "calls": "activities",
    "scores": "scoring",
    "sync": "sync",
}
"""First path segment after ``/api/v1`` -> service."""

PUBLIC_EXACT: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/auth/signup"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
    }
)
PUBLIC_PREFIXES: tuple[str, ...] = (
    "/track/",  # open pixel and click redirects, fetched by mail clients
    "/unsubscribe/",  # one-click unsubscribe links
    "/booking/",  # public booking pages
)


def resolve(path: str) -> tuple[str, str] | None:
    """``/api/v1/accounts/7`` -> ``("crm", "/accounts/7")``; ``None`` if not routed."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    inner = path[len(API_PREFIX) :]
    segment = inner.split("/", 2)[1]
    service = RESOURCES.get(segment)
    return (service, inner) if service else None


def is_public(method: str, inner_path: str) -> bool:
    if (method, inner_path.rstrip("/") or "/") in PUBLIC_EXACT:
        return True
    return inner_path.startswith(PUBLIC_PREFIXES)

"""The company's users (``/users``): listing them, and for admins adding, changing and
deactivating them."""

from __future__ import annotations

from typing import Any

from app.api.client import GatewayClient
from app.api.paging import Page
from app.api.session import User

USERS_PAGE_SIZE = 200
"""The most users ``GET /users`` returns at once."""

UserPage = Page[User]
"""One page of ``GET /users`` (sorted by email)."""

_UNSET: Any = object()


class UsersApi:
    """The user administration calls.

    Args:
        client: The signed-in client (an admin's, for the changes).
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def page(self, cursor: str | None = None, limit: int = USERS_PAGE_SIZE) -> UserPage:
        """One page of the company's users, by email."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return await self._client.call_json("GET", "/api/v1/users", UserPage, params=params)

    async def create(
        self, *, email: str, name: str, role: str, password: str, manager_id: str | None = None
    ) -> User:
        """Add a user (admins only).

        Raises:
            ApiError: ``validation_error`` naming ``email``, ``password``, ``role`` or
                ``manager_id``; ``email_taken`` (409); ``forbidden`` (403).
        """
        body: dict[str, Any] = {"email": email, "name": name, "role": role, "password": password}
        if manager_id:
            body["manager_id"] = manager_id
        return await self._client.call_json("POST", "/api/v1/users", User, json=body, status=201)

    async def update(
        self,
        user_id: str,
        *,
        name: str | None = None,
        role: str | None = None,
        manager_id: str | None = _UNSET,
    ) -> User:
        """Rename, change the role or the manager of a user (admins only).

        Args:
            user_id: Whom to change.
            name: The new name, or ``None`` to keep it.
            role: The new role, or ``None`` to keep it.
            manager_id: The new manager's id, ``None`` for no manager; leave it out
                to keep the manager.

        Raises:
            ApiError: ``conflict`` (409) when it would leave the company without an
                admin; ``validation_error``; ``forbidden`` (403).
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if role is not None:
            body["role"] = role
        if manager_id is not _UNSET:
            body["manager_id"] = manager_id
        return await self._client.call_json("PATCH", f"/api/v1/users/{user_id}", User, json=body)

    async def deactivate(self, user_id: str) -> User:
        """Deactivate a user: they are signed out everywhere and cannot sign in."""
        return await self._client.call_json("POST", f"/api/v1/users/{user_id}/deactivate", User)

"""The user administration calls of the Users page, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from app.api.client import GatewayClient
from app.api.session import User
from app.api.users import UserPage, UsersApi
from app.ops import FailureHandler, Operations


@dataclass(frozen=True)
class NewUser:
    """What the "Add user" dialog collected.

    Attributes:
        email: Their sign-in email.
        name: Their name.
        role: ``"rep"``, ``"manager"`` or ``"admin"``.
        password: The initial password (they should change it).
        manager_id: Their manager, if any.
    """

    email: str
    name: str
    role: str
    password: str
    manager_id: str | None = None

    def __repr__(self) -> str:  # never print a password into a log
        return f"NewUser(email={self.email!r}, name={self.name!r}, role={self.role!r})"


@dataclass(frozen=True)
class UserChanges:
    """What the "Edit user" dialog changed.

    Attributes:
        name: The new name.
        role: The new role.
        manager_id: The new manager, ``None`` for none.
    """

    name: str
    role: str
    manager_id: str | None


class UserAdminOps:
    """Lists and changes the company's users through the gateway.

    Args:
        client: The signed-in client (an admin's, for the changes).
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._users = UsersApi(client)
        self._ops = ops

    def load_page(
        self, cursor: str | None, done: Callable[[UserPage], None], failed: FailureHandler
    ) -> asyncio.Task[UserPage]:
        """Fetch a page of users (the first one when ``cursor`` is ``None``)."""
        return self._ops.run(
            self._users.page(cursor), on_success=done, on_failure=failed, name="users"
        )

    def create(
        self, new: NewUser, done: Callable[[User], None], failed: FailureHandler
    ) -> asyncio.Task[User]:
        """Add a user."""
        return self._ops.run(
            self._users.create(
                email=new.email,
                name=new.name,
                role=new.role,
                password=new.password,
                manager_id=new.manager_id,
            ),
            on_success=done,
            on_failure=failed,
            name="create-user",
        )

    def update(
        self,
        user_id: str,
        changes: UserChanges,
        done: Callable[[User], None],
        failed: FailureHandler,
    ) -> asyncio.Task[User]:
        """Rename a user, or change their role or manager."""
        return self._ops.run(
            self._users.update(
                user_id, name=changes.name, role=changes.role, manager_id=changes.manager_id
            ),
            on_success=done,
            on_failure=failed,
            name="update-user",
        )

    def deactivate(
        self, user_id: str, done: Callable[[User], None], failed: FailureHandler
    ) -> asyncio.Task[User]:
        """Deactivate a user (they are signed out everywhere)."""
        return self._ops.run(
            self._users.deactivate(user_id),
            on_success=done,
            on_failure=failed,
            name="deactivate-user",
        )

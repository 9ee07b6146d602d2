"""Who owns what: the company's users by id, for the Owner columns, the owner pickers and
the "Assign to…" menus. Read once per window (``GET /users``, every page), then kept."""

from __future__ import annotations

import asyncio
import logging

from app.api.client import GatewayClient
from app.api.session import User
from app.api.users import UsersApi
from app.errors import UserMessage
from app.ops import Operations
from app.qt.core import QObject, Signal

log = logging.getLogger(__name__)

UNKNOWN_OWNER = "Someone else"
"""An owner whose name is not known (yet, or a user gone from the company's list)."""
NO_OWNER = "—"


class OwnerDirectory(QObject):
    """The colleagues' names, and who "me" is.

    Args:
        client: The signed-in client (its session says who "me" is).
        ops: Runs the call.
        parent: The parent object.

    Signals:
        changed(): The names arrived (owner columns and pickers show them now).
    """

    changed = Signal()

    def __init__(self, client: GatewayClient, ops: Operations, parent: QObject | None = None):
        super().__init__(parent)
        self._users = UsersApi(client)
        self._client = client
        self._ops = ops
        self._by_id: dict[str, User] = {}
        self._task: asyncio.Task[list[User]] | None = None
        self.loaded = False

    @property
    def me(self) -> str:
        """The signed-in user's id (``""`` before sign-in)."""
        session = self._client.session
        return session.user.id if session is not None else ""

    def load(self) -> None:
        """Read the users once (later calls do nothing)."""
        if self.loaded or self._task is not None:
            return

        def done(users: list[User]) -> None:
            self._task = None
            self.set_users(users)

        def failed(message: UserMessage) -> None:
            self._task = None
            log.info("colleagues' names not read: %s", message.title)

        self._task = self._ops.run(self._all(), on_success=done, on_failure=failed, name="owners")

    async def _all(self) -> list[User]:
        users: list[User] = []
        cursor: str | None = None
        while True:
            page = await self._users.page(cursor)
            users.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return users

    def set_users(self, users: list[User]) -> None:
        """Know these users (what :meth:`load` does when they arrive)."""
        self._by_id = {user.id: user for user in users}
        self.loaded = True
        self.changed.emit()

    def name(self, user_id: str | None) -> str:
        """How an owner reads: their name, "Me" for the signed-in user (with the name in
        the tooltip), "—" for none."""
        if not user_id:
            return NO_OWNER
        user = self._by_id.get(user_id)
        if user is not None:
            return user.name
        session = self._client.session
        if session is not None and session.user.id == user_id:
            return session.user.name
        return UNKNOWN_OWNER if self.loaded else "…"

    def everyone(self) -> list[User]:
        """Every user known, the signed-in one first, then by name (an owner filter)."""
        me = self.me
        return sorted(self._by_id.values(), key=lambda u: (u.id != me, u.name.casefold()))

    def assignable(self) -> list[User]:
        """Whom the signed-in user may give records to, themselves first, then by name:
        an admin anyone active, a manager their team, a rep only themselves (the server
        checks it again)."""
        session = self._client.session
        if session is None:
            return []
        me = session.user
        active = [user for user in self._by_id.values() if user.is_active]
        if me.role == "admin":
            chosen = active
        elif me.role == "manager":
            chosen = [u for u in active if u.id == me.id or u.manager_id == me.id]
        else:
            chosen = [u for u in active if u.id == me.id]
        if all(u.id != me.id for u in chosen):
            chosen.append(me)
        return sorted(chosen, key=lambda u: (u.id != me.id, u.name.casefold()))

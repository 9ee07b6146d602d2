"""The company's users as a paged table model (no widgets, no I/O here).

The server pages users by email, ~200 at a time. The model holds the pages
loaded so far; when a view scrolls to the end it asks for more through
:attr:`UsersTableModel.more_wanted`, and whoever loads pages answers with
:meth:`UsersTableModel.append_page`.
"""

from __future__ import annotations

from typing import Any

from app.api.session import User
from app.api.users import UserPage
from app.qt.core import QModelIndex, QPersistentModelIndex, Qt
from app.widgets.row_table import PagedRowTableModel
from app.widgets.tones import Tone, dot_icon, tone_color


class UsersTableModel(PagedRowTableModel[User]):
    """One row per user: name, email, role, manager, active.

    Args:
        parent: The parent object.

    Signals:
        more_wanted(str): The view wants the page after this cursor (inherited).
    """

    NAME, EMAIL, ROLE, MANAGER, STATUS = range(5)
    HEADERS = ("Name", "Email", "Role", "Manager", "Status")
    UserRole = Qt.ItemDataRole.UserRole + 1
    """The row's :class:`~app.api.session.User`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._by_id: dict[str, User] = {}

    # ------------------------------------------------------------------ content

    def reset(self, page: UserPage) -> None:
        """Show the first page (after a load or a change)."""
        self._by_id = {user.id: user for user in page.items}
        self._set_first_page(page.items, page.next_cursor)

    def append_page(self, page: UserPage) -> None:
        """Add the next page at the end."""
        new = [user for user in page.items if user.id not in self._by_id]
        self._by_id.update((user.id, user) for user in new)
        self._add_page(new, page.next_cursor)
        if new:  # managers of earlier rows may be on this page
            self.dataChanged.emit(
                self.index(0, self.MANAGER), self.index(len(self._rows) - 1, self.MANAGER)
            )

    def user_at(self, row: int) -> User:
        """The user in ``row``."""
        return self._rows[row]

    def row_of(self, email: str) -> int | None:
        """The row of the user with ``email`` (among those loaded), or ``None``."""
        for row, user in enumerate(self._rows):
            if user.email == email:
                return row
        return None

    def users(self) -> list[User]:
        """Every user loaded so far, in order."""
        return list(self._rows)

    def possible_managers(self, excluding: str | None = None) -> list[User]:
        """Active managers and admins (among those loaded), by name."""
        found = [
            user
            for user in self._rows
            if user.is_active and user.role in ("manager", "admin") and user.id != excluding
        ]
        return sorted(found, key=lambda user: user.name.casefold())

    def manager_name(self, user: User) -> str:
        """The name of the user's manager ("—" for none; "Not loaded" if not seen yet)."""
        if user.manager_id is None:
            return "—"
        manager = self._by_id.get(user.manager_id)
        return manager.name if manager is not None else "Not loaded"

    # ------------------------------------------------------------------ Qt

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        user = self.row_at(index)
        if user is None:
            return None
        column = index.column()
        if role == self.UserRole:
            return user
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return user.name
            if column == self.EMAIL:
                return user.email
            if column == self.ROLE:
                return user.role_label
            if column == self.MANAGER:
                return self.manager_name(user)
            if column == self.STATUS:
                return "Active" if user.is_active else "Deactivated"
        if role == Qt.ItemDataRole.DecorationRole and column == self.STATUS:
            return dot_icon(Tone.POSITIVE if user.is_active else Tone.NEUTRAL)
        if role == Qt.ItemDataRole.ForegroundRole and not user.is_active:
            return tone_color(Tone.NEUTRAL)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.EMAIL:
            return user.email
        return None

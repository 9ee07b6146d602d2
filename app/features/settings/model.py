"""The signed-in devices as a table model, and how their details read (no widgets here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from app.api.auth import DeviceSession
from app.qt.core import QModelIndex, QPersistentModelIndex, Qt
from app.widgets.row_table import RowTableModel

_DESKTOP_AGENT = re.compile(
    r"^SalesOS Desktop/(?P<version>\S+) \((?P<system>[^;]+); (?P<host>.+)\)$"
)


def describe_device(user_agent: str) -> str:
    """A device as people read it.

    ``SalesOS Desktop/0.1.0 (Linux; alex-laptop)`` → "alex-laptop · Linux app";
    anything else is shown as sent, and nothing as "Unknown device".
    """
    agent = user_agent.strip()
    match = _DESKTOP_AGENT.match(agent)
    if match:
        return f"{match['host']} · {match['system']} app"
    return agent or "Unknown device"


def format_moment(moment: datetime, now: datetime) -> str:
    """A point in time, short: "Today 14:03", "Yesterday 09:12", "3 Mar 2025 17:40"."""
    local = moment.astimezone()
    today = now.astimezone().date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"Today {clock}"
    if (today - local.date()).days == 1:
        return f"Yesterday {clock}"
    return f"{local.day} {local.strftime('%b %Y')} {clock}"


def format_ago(moment: datetime, now: datetime) -> str:
    """How long ago, for recent times ("Just now", "12 minutes ago"); else the moment."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "Just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if seconds < 6 * 3600:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return format_moment(moment, now)


class DeviceSessionsModel(RowTableModel[DeviceSession]):
    """The user's signed-in devices, this one first, then the most recently active.

    Args:
        clock: The current time (injectable for tests).
        parent: The parent object.
    """

    DEVICE, ADDRESS, SIGNED_IN, LAST_ACTIVE, ACTION = range(5)
    HEADERS = ("Device", "Address", "Signed in", "Last active", "")
    IdRole = Qt.ItemDataRole.UserRole + 1
    """The session's id."""
    CurrentRole = Qt.ItemDataRole.UserRole + 2
    """Whether it is this device."""

    def __init__(
        self, clock: Callable[[], datetime] = lambda: datetime.now(UTC), parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock

    def set_sessions(self, sessions: Sequence[DeviceSession]) -> None:
        """Show a fresh list."""
        self.beginResetModel()
        self._rows = sorted(sessions, key=lambda s: (not s.current, -s.last_used_at.timestamp()))
        self.endResetModel()

    def session_at(self, row: int) -> DeviceSession:
        """The session shown in ``row``."""
        return self._rows[row]

    def others(self) -> int:
        """How many sessions are not this device."""
        return sum(not s.current for s in self._rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        session = self.row_at(index)
        if session is None:
            return None
        column = index.column()
        if role == self.IdRole:
            return session.id
        if role == self.CurrentRole:
            return session.current
        now = self._clock()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.DEVICE:
                return describe_device(session.user_agent)
            if column == self.ADDRESS:
                return session.ip or "—"
            if column == self.SIGNED_IN:
                return format_moment(session.created_at, now)
            if column == self.LAST_ACTIVE:
                return "Now" if session.current else format_ago(session.last_used_at, now)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.DEVICE:
                return session.user_agent or None
            if column in (self.SIGNED_IN, self.LAST_ACTIVE):
                moment = session.created_at if column == self.SIGNED_IN else session.last_used_at
                return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return None

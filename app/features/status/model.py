"""Health reports and the table model of the status page (no widgets here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.api.health import ComponentHealth, Health
from app.errors import UserMessage
from app.qt.core import QModelIndex, QPersistentModelIndex, Qt
from app.widgets.row_table import RowTableModel
from app.widgets.tones import Tone, dot_icon

COMPONENT_LABELS: dict[str, str] = {
    "database": "Database",
    "broker": "Message broker",
    "gateway": "Gateway",
    "auth": "Sign-in",
    "crm": "CRM records",
    "email": "Email",
    "calendar": "Calendar",
    "sequences": "Sequences",
    "activities": "Activities",
    "scoring": "Scoring",
    "sync": "CRM sync",
}
"""Names people read for the backend's component keys."""


OFFER_LABELS: dict[str, str] = {
    "auth": "sign-in",
    "users": "users",
    "accounts": "accounts",
    "contacts": "contacts",
    "opportunities": "deals",
    "pipelines": "pipelines",
    "custom-fields": "custom fields",
    "views": "saved views",
    "search": "search",
    "imports": "imports",
    "exports": "exports",
}
"""What people call what a service serves (its paths under ``/api/v1``)."""

NOTHING_YET = "Not in use yet"
"""A service that answers but serves nothing: it is not said to work."""


def offers_text(offers: tuple[str, ...]) -> str:
    """``("accounts", "opportunities")`` → "Accounts, deals"."""
    words = [OFFER_LABELS.get(path, path.replace("-", " ")) for path in offers]
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def component_label(key: str) -> str:
    """The readable name of a component key (``"crm"`` → "CRM records")."""
    return COMPONENT_LABELS.get(key, key.replace("_", " ").capitalize())


class Condition(StrEnum):
    """The backend's condition as the status bar shows it."""

    CHECKING = "checking"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True)
class HealthReport:
    """The result of one health check.

    Attributes:
        checked_at: When the check finished (local time).
        health: What the gateway answered, if it answered.
        error: Why there is no answer, if there is none.
    """

    checked_at: datetime
    health: Health | None = None
    error: UserMessage | None = None

    @property
    def condition(self) -> Condition:
        """Healthy, degraded, unreachable, or an error answering."""
        if self.health is not None:
            return Condition.HEALTHY if self.health.ok else Condition.DEGRADED
        if self.error is not None and not self.error.connection_lost:
            return Condition.ERROR
        return Condition.UNREACHABLE

    @property
    def tone(self) -> Tone:
        """The colour of :attr:`condition`."""
        return _CONDITION_TONES[self.condition]

    @property
    def summary(self) -> str:
        """A few words for the status bar: "Healthy", "Degraded: broker", "Unreachable"."""
        condition = self.condition
        if condition is Condition.DEGRADED and self.health is not None:
            restarting = [component_label(name) for name in self.health.restarting()]
            if restarting:
                return f"Restarting: {', '.join(restarting)}"
            problems = [component_label(name) for name in self.health.problems()]
            return f"Degraded: {', '.join(problems) or self.health.status}"
        if condition is Condition.ERROR and self.error is not None:
            return f"Error: {self.error.title}"
        return condition.value.capitalize()

    @property
    def headline(self) -> str:
        """A sentence for the status page."""
        condition = self.condition
        if condition is Condition.HEALTHY:
            return "Everything is working"
        if condition is Condition.DEGRADED and self.health is not None:
            restarting = [component_label(name) for name in self.health.restarting()]
            if restarting:
                return (
                    f"Restarting {', '.join(restarting).lower()}: it stopped and is starting again"
                )
            names = [component_label(name) for name in self.health.problems()]
            if not names:
                return "The server reports a problem"
            return f"Not working: {', '.join(names)}"
        if self.error is not None:
            return self.error.title
        return "The server cannot be reached"


_CONDITION_TONES: dict[Condition, Tone] = {
    Condition.CHECKING: Tone.NEUTRAL,
    Condition.HEALTHY: Tone.POSITIVE,
    Condition.DEGRADED: Tone.WARNING,
    Condition.UNREACHABLE: Tone.NEGATIVE,
    Condition.ERROR: Tone.NEGATIVE,
}


@dataclass(frozen=True)
class _Row:
    key: str
    group: str
    health: ComponentHealth | None


class HealthTableModel(RowTableModel[_Row]):
    """One row per component (database, broker, each service) with its state.

    Columns: component, status, detail. After a failed check the rows stay,
    marked "Unknown", so the page does not jump around while the server is away.

    Args:
        parent: The parent object.
    """

    COMPONENT, STATUS, DETAIL = range(3)
    HEADERS = ("Component", "Status", "Detail")
    KeyRole = Qt.ItemDataRole.UserRole + 1
    """The component's key (``"database"``, ``"crm"``, ...)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)

    def set_health(self, health: Health) -> None:
        """Show a fresh health report."""
        rows = [
            _Row("database", "Infrastructure", health.database),
            _Row("broker", "Infrastructure", health.broker),
        ]
        rows += [
            _Row(name, "Service", part)
            for name, part in sorted(
                health.services.items(), key=lambda item: component_label(item[0]).casefold()
            )
        ]
        self._replace(rows)

    def mark_unknown(self) -> None:
        """Keep the components, but their state is no longer known."""
        self._replace([_Row(row.key, row.group, None) for row in self._rows])

    def _replace(self, rows: list[_Row]) -> None:
        if [r.key for r in rows] == [r.key for r in self._rows]:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, 2))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        column = index.column()
        if role == self.KeyRole:
            return row.key
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COMPONENT:
                return component_label(row.key)
            if column == self.STATUS:
                return _status_text(row)
            if column == self.DETAIL:
                return _detail_text(row)
        if role == Qt.ItemDataRole.DecorationRole and column == self.STATUS:
            return dot_icon(_status_tone(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.DETAIL and _detail_text(row):
                return _detail_text(row)
            if column == self.COMPONENT:
                return f"{row.group}: {row.key}"
        return None


def _does_nothing(row: _Row) -> bool:
    """A service that answers but serves nothing yet."""
    return row.group == "Service" and row.health is not None and not row.health.offers


def _status_text(row: _Row) -> str:
    health = row.health
    if health is None:
        return "Unknown"
    if not health.ok:
        return health.status.capitalize()
    return NOTHING_YET if _does_nothing(row) else "Working"


def _detail_text(row: _Row) -> str:
    health = row.health
    if health is None:
        return ""
    if row.group == "Service" and health.ok:
        if not health.offers:
            return "It answers, but offers nothing you can use yet"
        return offers_text(health.offers)
    return health.detail


def _status_tone(row: _Row) -> Tone:
    health = row.health
    if health is None or (health.ok and _does_nothing(row)):
        return Tone.NEUTRAL
    return Tone.POSITIVE if health.ok else Tone.NEGATIVE

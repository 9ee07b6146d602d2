"""The command palette's results: hits grouped by kind, and what to say meanwhile.

No widgets and no I/O: the palette's view shows this model, and
:class:`~app.features.search.ops.LiveSearch` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.api.search import KINDS, SearchHit
from app.errors import UserMessage
from app.money import format_money
from app.qt.core import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

GROUP_TITLES: dict[str, str] = {
    "account": "Accounts",
    "contact": "Contacts",
    "opportunity": "Opportunities",
}
"""The heading of each kind's group."""

KIND_LABELS: dict[str, str] = {
    "account": "Account",
    "contact": "Contact",
    "opportunity": "Opportunity",
}
"""How one record of each kind is named."""

STATUS_LABELS: dict[str, str] = {"open": "Open", "won": "Won", "lost": "Lost"}

SEPARATOR = " · "

DEFAULT_CURRENCY = "USD"
"""The currency of an amount the server sent without one (it always sends one)."""


def secondary_line(hit: SearchHit) -> str:
    """The muted line under a hit's name.

    An account: its domain. A contact: their email (or title) and account. An
    opportunity: its amount in its currency, its account and whether it is open.
    """
    parts: list[str] = []
    if hit.type == "opportunity":
        if hit.amount is not None:
            parts.append(format_money(hit.amount, hit.currency or DEFAULT_CURRENCY))
        if hit.account_name:
            parts.append(hit.account_name)
        if hit.status:
            parts.append(STATUS_LABELS.get(hit.status, hit.status.capitalize()))
        if hit.subtitle:
            parts.append(hit.subtitle)
    else:
        if hit.subtitle:
            parts.append(hit.subtitle)
        if hit.type == "contact" and hit.account_name:
            parts.append(hit.account_name)
    return SEPARATOR.join(parts)


class SearchState(StrEnum):
    """Where the palette's search is."""

    IDLE = "idle"
    """Nothing typed yet."""
    SEARCHING = "searching"
    """A query is waiting for its answer."""
    READY = "ready"
    """The rows are the answer to the query."""
    FAILED = "failed"
    """The query could not be answered."""


@dataclass(frozen=True)
class ResultRow:
    """One row of the list: a group's heading, or a hit."""

    kind: str
    hit: SearchHit | None = None
    count: int = 0

    @property
    def is_heading(self) -> bool:
        """Whether the row names a group rather than a record."""
        return self.hit is None


class SearchResultsModel(QAbstractListModel):
    """Hits grouped Accounts, Contacts, Opportunities, each group under a heading row.

    Within a group the server's order (closest first) is kept. Heading rows are
    neither selectable nor enabled, so keyboard moves skip them.

    Args:
        parent: The parent object.

    Signals:
        state_changed(): :attr:`state`, :attr:`query` or the rows changed.
    """

    KIND_ROLE = Qt.ItemDataRole.UserRole + 1
    """``"account"``, ``"contact"`` or ``"opportunity"``."""
    ID_ROLE = Qt.ItemDataRole.UserRole + 2
    """The record's id (``None`` on a heading)."""
    SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 3
    """The muted line under the name."""
    HEADING_ROLE = Qt.ItemDataRole.UserRole + 4
    """Whether the row is a group's heading."""
    COUNT_ROLE = Qt.ItemDataRole.UserRole + 5
    """How many hits a heading's group has."""
    HIT_ROLE = Qt.ItemDataRole.UserRole + 6
    """The :class:`~app.api.search.SearchHit` itself (``None`` on a heading)."""

    state_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultRow] = []
        self._query = ""
        self._answered = ""
        self._state = SearchState.IDLE
        self._failure: UserMessage | None = None

    # ------------------------------------------------------------------ state

    @property
    def query(self) -> str:
        """The text the user typed last (stripped)."""
        return self._query

    @property
    def answered_query(self) -> str:
        """The query the rows answer (may lag :attr:`query` while searching)."""
        return self._answered

    @property
    def state(self) -> SearchState:
        """Where the search is."""
        return self._state

    @property
    def failure(self) -> UserMessage | None:
        """Why the last search failed, while :attr:`state` is ``FAILED``."""
        return self._failure

    def hits(self) -> list[SearchHit]:
        """The hits shown, in list order."""
        return [row.hit for row in self._rows if row.hit is not None]

    def status_text(self) -> str:
        """What to say in place of the list when there are no rows ("" when there are)."""
        if self._state is SearchState.FAILED:
            title = self._failure.title if self._failure is not None else ""
            return f"Search failed. {title}".strip()
        if self._rows:
            return ""
        if self._state is SearchState.IDLE:
            return "Find any account, contact or opportunity"
        if self._state is SearchState.SEARCHING:
            return "Searching…"
        return f"No results for “{self._answered}”"

    def status_hint(self) -> str:
        """A muted line under :meth:`status_text`: what to try ("" for none)."""
        if self._state is SearchState.FAILED:
            return self._failure.text if self._failure is not None else ""
        if self._rows:
            return ""
        if self._state is SearchState.IDLE:
            return "Type part of a name, an email address or a domain."
        if self._state is SearchState.READY:
            return "Check the spelling, or try part of the name, an email address or a domain."
        return ""

    def begin(self, query: str) -> None:
        """The user typed ``query``: searching now (the rows shown stay until the answer)."""
        query = query.strip()
        self._query = query
        if not query:
            self.clear()
            return
        self._state = SearchState.SEARCHING
        self._failure = None
        self.state_changed.emit()

    def clear(self) -> None:
        """Nothing typed: no rows, the idle hint."""
        self.beginResetModel()
        self._rows = []
        self._query = self._answered = ""
        self._state = SearchState.IDLE
        self._failure = None
        self.endResetModel()
        self.state_changed.emit()

    def show_results(self, query: str, hits: list[SearchHit]) -> bool:
        """Show the answer to ``query``; an answer to an older query is ignored.

        Returns:
            Whether the rows were replaced.
        """
        query = query.strip()
        if query != self._query:
            return False
        self.beginResetModel()
        self._rows = group_rows(hits)
        self._answered = query
        self._state = SearchState.READY
        self._failure = None
        self.endResetModel()
        self.state_changed.emit()
        return True

    def show_failure(self, query: str, message: UserMessage) -> bool:
        """Say why ``query`` could not be answered (ignored for an older query)."""
        query = query.strip()
        if query != self._query:
            return False
        self.beginResetModel()
        self._rows = []
        self._answered = query
        self._state = SearchState.FAILED
        self._failure = message
        self.endResetModel()
        self.state_changed.emit()
        return True

    # ------------------------------------------------------------------ rows

    def row_at(self, row: int) -> ResultRow | None:
        """The row ``row``, or ``None`` outside the list."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def hit_row(self, row: int, step: int) -> int:
        """The first hit at or after ``row`` going by ``step`` (±1); -1 if none."""
        while 0 <= row < len(self._rows):
            if not self._rows[row].is_heading:
                return row
            row += step
        return -1

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or row.is_heading:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        hit = item.hit
        if role == Qt.ItemDataRole.DisplayRole:
            return GROUP_TITLES.get(item.kind, item.kind) if hit is None else hit.title
        if role == Qt.ItemDataRole.ToolTipRole and hit is not None:
            detail = secondary_line(hit)
            label = KIND_LABELS.get(hit.type, hit.type)
            return f"{label}: {hit.title}" + (f"\n{detail}" if detail else "")
        if role == self.KIND_ROLE:
            return item.kind
        if role == self.ID_ROLE:
            return hit.id if hit is not None else None
        if role == self.SECONDARY_ROLE:
            return secondary_line(hit) if hit is not None else ""
        if role == self.HEADING_ROLE:
            return hit is None
        if role == self.COUNT_ROLE:
            return item.count
        if role == self.HIT_ROLE:
            return hit
        return None


def group_rows(hits: list[SearchHit]) -> list[ResultRow]:
    """Hits as rows: for each kind that has hits, a heading, then its hits in order.

    Kinds this client does not know come last, under their own word.
    """
    kinds = [*KINDS, *sorted({hit.type for hit in hits} - set(KINDS))]
    rows: list[ResultRow] = []
    for kind in kinds:
        group = [hit for hit in hits if hit.type == kind]
        if group:
            rows.append(ResultRow(kind, count=len(group)))
            rows.extend(ResultRow(kind, hit) for hit in group)
    return rows

"""A table of CRM records that the server pages, sorts and filters (no widgets, no I/O).

The model holds the query (sort key and quick-filter text) and the pages loaded
so far. Changing the query asks for a first page through
:attr:`RecordTableModel.first_page_wanted`; scrolling to the end asks for the
next through :attr:`RecordTableModel.more_wanted`. Whoever loads pages answers
with :meth:`RecordTableModel.reset` and :meth:`RecordTableModel.append_page`.
Nothing is sorted or filtered here: lists can be far too long for that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from app.qt.gui import QColor, QFont
from app.widgets.row_table import PagedRowTableModel

T = TypeVar("T")


@dataclass(frozen=True)
class RecordQuery:
    """What the server is asked for.

    Attributes:
        sort: A field, ``-field`` for descending.
        filters: ``field:op:value`` conditions.
        quick: The filter box's text (the server matches it against the record's
            everyday fields: name, email, domain, phone, city).
    """

    sort: str
    filters: tuple[str, ...] = ()
    quick: str = ""

    def saved_filters(self) -> tuple[str, ...]:
        """The conditions a saved view keeps: the filter box's text as ``q:contains:``."""
        return self.filters + ((f"{QUICK}:contains:{self.quick}",) if self.quick else ())


QUICK = "q"
"""How a saved view names the filter box's text (``q:contains:lyon``)."""

ME = "me"
"""The signed-in user, in a condition (``owner_id:eq:me``)."""

OWNER_FIELD = "owner_id"

TEXT, NUMBER, DATE, BOOL, CHOICE, MULTI, OWNER = (
    "text",
    "number",
    "date",
    "bool",
    "choice",
    "multi",
    "owner",
)
"""The kinds of value a list can be filtered on (what the filter editor offers for each)."""


@dataclass(frozen=True)
class Gap:
    """The row between a list's first pages and its last one (after Ctrl+End).

    Attributes:
        hidden: How many records it stands for (``None``: not known).
        exact: Whether that number was counted or estimated.
    """

    hidden: int | None
    exact: bool = True


NO_VALUE = "—"
"""What an empty field shows (never "None")."""

ARROW_ROOM = "\u2007" * 2
"""Figure spaces after a right-aligned header the list is sorted by: the sort arrow is
drawn at the section's right edge, over the end of the text otherwise."""


def short_date(moment: datetime | None) -> str:
    """``2026-11-25`` for a moment, in local time; "—" for none."""
    return moment.astimezone().strftime("%Y-%m-%d") if moment is not None else NO_VALUE


def text_or_dash(value: object) -> str:
    """``value`` as text; "—" for ``None`` or ""."""
    return NO_VALUE if value is None or value == "" else str(value)


class RecordTableModel(PagedRowTableModel[T]):
    """Rows of records under ``HEADERS``, in the order the server gave them.

    Subclasses set ``SORT_KEYS`` (the server's sort field of each column, ``None``
    for a column the server cannot sort by), ``DEFAULT_SORT``, ``FILTER_FIELD``,
    ``NUMBER_COLUMNS`` (right-aligned, header too) and the empty-state wording, and
    implement :meth:`cell`.

    Args:
        parent: The parent object.

    Signals:
        first_page_wanted(): The query changed: load the first page again.
        more_wanted(str): The view wants the page after this cursor.
        state_changed(): Loading started or ended, or the rows changed.
    """

    first_page_wanted = Signal()
    state_changed = Signal()

    SORT_KEYS: tuple[str | None, ...] = ()
    NUMBER_COLUMNS: tuple[int, ...] = ()
    """Columns of numbers: right-aligned (header too) so their digits line up."""
    SPARE_COLUMNS: tuple[int, ...] = ()
    """Columns that give way, the first named first, while the list is too narrow for
    them (a small window, a detail panel beside the list); they come back with room."""
    DEFAULT_SORT = "name"
    FILTER_FIELD = "name"
    FILTER_LABEL = "name"
    """How the filter box describes what it matches (its placeholder)."""
    OWNER_COLUMN = -1
    """The column of the record's owner (named through :meth:`set_owner_names`)."""
    FILTERS: tuple[tuple[str, str, str], ...] = ()
    """What the filter editor offers besides the owner and custom fields: (server field,
    label, kind of value)."""
    NOUN = "record"
    EMPTY_TEXT = "No records yet"
    NO_MATCH_TEXT = "No records match"
    RecordRole = Qt.ItemDataRole.UserRole + 1
    """The row's record."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sort = self.DEFAULT_SORT
        self._text = ""
        self._fixed: tuple[str, ...] = ()
        self._loading = False
        self._loaded = False
        self._gap_at: int | None = None
        """Where the gap row is (the number of first-page rows above it), after Ctrl+End."""
        self._gap = Gap(None)
        self._total: tuple[int, bool] | None = None
        self._owner_name: Callable[[str | None], str] = lambda owner: owner or NO_VALUE

    # ------------------------------------------------------------------ owners, totals

    def set_owner_names(self, name_of: Callable[[str | None], str]) -> None:
        """Name owners with ``name_of`` (a user id → "Riley Rep"), and show them again."""
        self._owner_name = name_of
        self.owners_changed()

    def owners_changed(self) -> None:
        """The owners' names arrived or changed: the Owner column shows them."""
        if self.OWNER_COLUMN >= 0 and self.rowCount():
            self.dataChanged.emit(
                self.index(0, self.OWNER_COLUMN), self.index(self.rowCount() - 1, self.OWNER_COLUMN)
            )

    def owner_text(self, record: T) -> str:
        """The record's owner as the Owner column shows them."""
        return self._owner_name(getattr(record, "owner_id", None))

    @property
    def total(self) -> tuple[int, bool] | None:
        """How many records the list holds, and whether that was counted exactly (``None``
        while it is not known)."""
        return self._total

    def set_total(self, count: int, exact: bool) -> None:
        """The server counted the list (or estimated it, for a long one)."""
        self._total = (count, exact)
        self._update_gap()
        self.state_changed.emit()

    # ------------------------------------------------------------------ the query

    def query(self) -> RecordQuery:
        """What the first page should be asked with."""
        return RecordQuery(self._sort, self._fixed, self._text)

    @property
    def fixed_filters(self) -> tuple[str, ...]:
        """Conditions a saved view brought besides the quick filter (``size:gte:100``)."""
        return self._fixed

    def apply_query(self, filters: Sequence[str], sort: str | None) -> None:
        """Ask for ``filters`` in ``sort`` order (a saved view); ``None`` sorts by default.

        A ``q:contains:`` condition (or, from views saved before the filter box matched
        several fields, ``<filter field>:contains:``) becomes the filter box's text; the
        others stay as :attr:`fixed_filters`. The server is asked once.
        """
        prefixes = (f"{QUICK}:contains:", f"{self.FILTER_FIELD}:contains:")
        text = ""
        fixed: list[str] = []
        for condition in filters:
            prefix = next((p for p in prefixes if condition.startswith(p)), "")
            if not text and prefix and condition[len(prefix) :].strip():
                text = condition[len(prefix) :].strip()
            else:
                fixed.append(condition)
        self._text = text
        self._fixed = tuple(fixed)
        self._sort = sort or self.DEFAULT_SORT
        self._sort_changed()
        self.first_page_wanted.emit()

    def column_keys(self) -> tuple[str, ...]:
        """A stable key per column, as saved views name them (the sort fields)."""
        return tuple(
            key if key is not None else header.lower().replace(" ", "_")
            for key, header in zip(self.SORT_KEYS, self.HEADERS, strict=False)
        )

    def number_fields(self) -> frozenset[str]:
        """The list fields that hold numbers (``size``): a saved view's conditions on
        them read as numbers ("at least 1,000"), not as quoted text."""
        return frozenset(
            key
            for column in self.NUMBER_COLUMNS
            if 0 <= column < len(self.SORT_KEYS) and (key := self.SORT_KEYS[column]) is not None
        )

    @property
    def sort_key(self) -> str:
        """The server's sort parameter in use (``name``, ``-updated_at``, ...)."""
        return self._sort

    @property
    def filter_text(self) -> str:
        """The quick filter in use ("" for none)."""
        return self._text

    def set_filter_text(self, text: str) -> None:
        """Show only records whose filter field contains ``text`` (asks the server)."""
        text = text.strip()
        if text == self._text:
            return
        self._text = text
        self.first_page_wanted.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``: the server is asked again (nothing is sorted here)."""
        if not 0 <= column < len(self.SORT_KEYS):
            return
        key = self.SORT_KEYS[column]
        if key is None:
            return
        wanted = key if order == Qt.SortOrder.AscendingOrder else f"-{key}"
        if wanted == self._sort:
            return
        self._sort = wanted
        self._sort_changed()
        self.first_page_wanted.emit()

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        """The column and order the current sort key stands for (column -1 if none)."""
        key = self._sort.removeprefix("-")
        order = (
            Qt.SortOrder.DescendingOrder
            if self._sort.startswith("-")
            else (Qt.SortOrder.AscendingOrder)
        )
        column = self.SORT_KEYS.index(key) if key in self.SORT_KEYS else -1
        return column, order

    # ------------------------------------------------------------------ states

    @property
    def loading(self) -> bool:
        """Whether a first page is being loaded."""
        return self._loading

    @property
    def loaded(self) -> bool:
        """Whether a first page has arrived since the last query change."""
        return self._loaded

    def empty_text(self) -> str:
        """What to say instead of an empty table ("" while rows exist or nothing is known)."""
        if self._rows or not self._loaded or self._loading:
            return ""
        return self.NO_MATCH_TEXT if self._text or self._fixed else self.EMPTY_TEXT

    def begin_load(self) -> None:
        """A first page is being asked for (the count is asked for again too)."""
        self._loading = True
        self._loading_more = False
        self._total = None
        self.state_changed.emit()

    def load_failed(self) -> None:
        """The first page could not be loaded; the rows shown stay."""
        self._loading = False
        self.state_changed.emit()

    # ------------------------------------------------------------------ content

    def reset(self, items: Sequence[T], next_cursor: str | None) -> None:
        """Show a first page (what a load does when it finishes)."""
        self._loading = False
        self._loaded = True
        self._gap_at = None
        self._set_first_page(items, next_cursor)
        self.state_changed.emit()

    def append_page(self, items: Sequence[T], next_cursor: str | None) -> None:
        """Add the next page after the rows from the start (above the gap, if the list's
        end is shown too; once they meet, the gap goes)."""
        if self._gap_at is None:
            self._add_page(items, next_cursor)
        else:
            self._fill_gap_with(items, next_cursor)
        self.state_changed.emit()

    # ------------------------------------------------------------------ the end (Ctrl+End)

    @property
    def has_gap(self) -> bool:
        """Whether the list's last page shows below a gap (not everything between loaded)."""
        return self._gap_at is not None

    def gap_row(self) -> int | None:
        """The view row of the gap, if there is one."""
        return self._gap_at

    def is_gap(self, row: int) -> bool:
        """Whether view row ``row`` is the gap."""
        return self._gap_at is not None and row == self._gap_at

    def show_end(self, items: Sequence[T]) -> None:
        """Show the list's last page (the server's ``end``) after the rows loaded from the
        start, with a gap row between them unless they meet."""
        if not self.has_more() or self._gap_at is not None:
            return
        known = {getattr(r, "id", None) for r in self._rows}
        tail = [item for item in items if getattr(item, "id", None) not in known]
        if len(tail) < len(items):  # they meet: the whole list is here
            self._add_page(tail, None)
            self.state_changed.emit()
            return
        gap = len(self._rows)
        self.beginInsertRows(QModelIndex(), gap, gap + len(tail))
        self._rows.extend(tail)
        self._gap_at = gap
        self.endInsertRows()
        self._update_gap()
        self.state_changed.emit()

    def fill_gap(self) -> None:
        """Ask for the next page from the start (the gap row came into sight)."""
        if self._gap_at is not None and self._next_cursor is not None and not self._loading_more:
            self._loading_more = True
            self.more_wanted.emit(self._next_cursor)

    def _fill_gap_with(self, items: Sequence[T], next_cursor: str | None) -> None:
        assert self._gap_at is not None
        self._loading_more = False
        tail_ids = {getattr(r, "id", None) for r in self._rows[self._gap_at :]}
        fresh: list[T] = []
        met = False
        for item in items:
            if getattr(item, "id", None) in tail_ids:
                met = True
                break
            fresh.append(item)
        gap = self._gap_at
        if fresh:
            self.beginInsertRows(QModelIndex(), gap, gap + len(fresh) - 1)
            self._rows[gap:gap] = fresh
            self._gap_at = gap + len(fresh)
            self.endInsertRows()
        if met or next_cursor is None:
            row = self._gap_at
            self.beginRemoveRows(QModelIndex(), row, row)
            self._gap_at = None
            self.endRemoveRows()
            self._next_cursor = None
        else:
            self._next_cursor = next_cursor
            self._update_gap()

    def _update_gap(self) -> None:
        if self._gap_at is None:
            return
        hidden: int | None = None
        exact = True
        if self._total is not None:
            count, exact = self._total
            hidden = max(count - len(self._rows), 0)
        self._gap = Gap(hidden, exact)
        self.dataChanged.emit(self.index(self._gap_at, 0), self.index(self._gap_at, 0))

    def gap_text(self) -> str:
        """What the gap row says ("… 99,850 more accounts …")."""
        hidden = self._gap.hidden
        if hidden is None:
            many = f"More {self.NOUN}s"
        else:
            about = "" if self._gap.exact else "about "
            many = f"{about}{hidden:,} more {self.NOUN}{'' if hidden == 1 else 's'}".capitalize()
        return f"⋯  {many} between here and the end · scroll up to load them, Ctrl+Home for the top"

    # ------------------------------------------------------------------ rows

    def _store(self, row: int) -> int | None:
        """The index in the loaded rows of view row ``row`` (``None`` for the gap)."""
        if self._gap_at is None or row < self._gap_at:
            return row
        return None if row == self._gap_at else row - 1

    def _view(self, stored: int) -> int:
        """The view row of loaded row ``stored``."""
        return stored + 1 if self._gap_at is not None and stored >= self._gap_at else stored

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        rows = super().rowCount(parent)
        return rows + 1 if rows and self._gap_at is not None else rows

    def row_at(self, index: QModelIndex | QPersistentModelIndex) -> T | None:
        if not index.isValid():
            return None
        stored = self._store(index.row())
        if stored is None or not 0 <= stored < len(self._rows):
            return None
        return self._rows[stored]

    def record_at(self, row: int) -> T:
        """The record in view row ``row`` (not the gap's).

        Raises:
            IndexError: ``row`` is the gap, or out of range.
        """
        stored = self._store(row)
        if stored is None:
            raise IndexError(f"row {row} is the gap")
        return self._rows[stored]

    def row_of_id(self, record_id: str) -> int | None:
        """The view row of the record with ``record_id`` among those loaded, if any."""
        for stored, record in enumerate(self._rows):
            if getattr(record, "id", None) == record_id:
                return self._view(stored)
        return None

    def records(self) -> list[T]:
        """Every record loaded so far, in the server's order."""
        return list(self._rows)

    def canFetchMore(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> bool:
        # After Ctrl+End the end is at the bottom already: rows from the start come in
        # above the gap when it is in sight (fill_gap), never from scrolling to the end.
        return self._gap_at is None and super().canFetchMore(parent)

    def replace_record(self, record: T) -> int | None:
        """Show ``record`` in place of the row with its id (someone changed it).

        The row stays where it is, even if the sort would now put it elsewhere: a
        list that moves under the user's hand is worse than one slightly out of
        order. Selection and scroll position are untouched (no reset).

        Returns:
            The row, or ``None`` if no row has that record.
        """
        row = self.row_of_id(str(getattr(record, "id", "")))
        if row is None:
            return None
        stored = self._store(row)
        assert stored is not None
        self._rows[stored] = record
        last = max(self.columnCount() - 1, 0)
        self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return row

    def remove_record(self, record_id: str) -> bool:
        """Take the row of ``record_id`` out of the list (it was deleted elsewhere).

        Returns:
            Whether there was such a row.
        """
        row = self.row_of_id(record_id)
        stored = self._store(row) if row is not None else None
        if row is None or stored is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[stored]
        if self._gap_at is not None and stored < self._gap_at:
            self._gap_at -= 1
        self.endRemoveRows()
        self.state_changed.emit()
        return True

    def cell(self, record: T, column: int) -> str:
        """The text of ``record`` in ``column``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ Qt

    def _paging_paused(self) -> bool:
        return self._loading  # a new first page is on its way

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if index.isValid() and self.is_gap(index.row()):
            return self._gap_data(index.column(), role)
        record = self.row_at(index)
        if record is None:
            return None
        if role == self.RecordRole:
            return record
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == self.OWNER_COLUMN:
                return self.owner_text(record)
            return self.cell(record, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(index.column())
        return None

    GapRole = Qt.ItemDataRole.UserRole + 2
    """``True`` on the gap row (the view draws it across the columns, muted)."""

    def _gap_data(self, column: int, role: int) -> Any:
        if role == self.GapRole:
            return True
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and column == 0:
            return self.gap_text()
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#64748b")
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if index.isValid() and self.is_gap(index.row()):
            return Qt.ItemFlag.ItemIsEnabled  # not selectable: it is no record
        return super().flags(index)

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        """Numbers to the right, everything else to the left; centred vertically."""
        side = (
            Qt.AlignmentFlag.AlignRight
            if column in self.NUMBER_COLUMNS
            else Qt.AlignmentFlag.AlignLeft
        )
        return side | Qt.AlignmentFlag.AlignVCenter

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self.alignment(section)
            if (
                role == Qt.ItemDataRole.DisplayRole
                and section in self.NUMBER_COLUMNS
                and section == self.sort_column()[0]
            ):
                return self.HEADERS[section] + ARROW_ROOM
        return super().headerData(section, orientation, role)

    def _sort_changed(self) -> None:
        """The sort arrow moved: the right-aligned headers make room for it, or stop."""
        if self.NUMBER_COLUMNS:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

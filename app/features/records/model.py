"""A table of CRM records that the server pages, sorts and filters (no widgets, no I/O).

The model holds the query (sort key and quick-filter text) and the pages loaded
so far. Changing the query asks for a first page through
:attr:`RecordTableModel.first_page_wanted`; scrolling to the end asks for the
next through :attr:`RecordTableModel.more_wanted`. Whoever loads pages answers
with :meth:`RecordTableModel.reset` and :meth:`RecordTableModel.append_page`.
Nothing is sorted or filtered here: lists can be far too long for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from app.widgets.row_table import PagedRowTableModel

T = TypeVar("T")


@dataclass(frozen=True)
class RecordQuery:
    """What the server is asked for.

    Attributes:
        sort: A field, ``-field`` for descending.
        filters: ``field:op:value`` conditions.
    """

    sort: str
    filters: tuple[str, ...] = ()


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
    DEFAULT_SORT = "name"
    FILTER_FIELD = "name"
    FILTER_LABEL = "name"
    """How the filter box describes what it matches (its placeholder)."""
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

    # ------------------------------------------------------------------ the query

    def query(self) -> RecordQuery:
        """What the first page should be asked with."""
        quick = (f"{self.FILTER_FIELD}:contains:{self._text}",) if self._text else ()
        return RecordQuery(self._sort, self._fixed + quick)

    @property
    def fixed_filters(self) -> tuple[str, ...]:
        """Conditions a saved view brought besides the quick filter (``size:gte:100``)."""
        return self._fixed

    def apply_query(self, filters: Sequence[str], sort: str | None) -> None:
        """Ask for ``filters`` in ``sort`` order (a saved view); ``None`` sorts by default.

        A ``<filter field>:contains:`` condition becomes the quick filter's text; the
        others stay as :attr:`fixed_filters`. The server is asked once.
        """
        prefix = f"{self.FILTER_FIELD}:contains:"
        text = ""
        fixed: list[str] = []
        for condition in filters:
            if not text and condition.startswith(prefix) and condition[len(prefix) :].strip():
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
        """A first page is being asked for."""
        self._loading = True
        self._loading_more = False
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
        self._set_first_page(items, next_cursor)
        self.state_changed.emit()

    def append_page(self, items: Sequence[T], next_cursor: str | None) -> None:
        """Add the next page at the end."""
        self._add_page(items, next_cursor)
        self.state_changed.emit()

    def record_at(self, row: int) -> T:
        """The record in ``row``."""
        return self._rows[row]

    def row_of_id(self, record_id: str) -> int | None:
        """The row of the record with ``record_id`` among those loaded, if any."""
        for row, record in enumerate(self._rows):
            if getattr(record, "id", None) == record_id:
                return row
        return None

    def records(self) -> list[T]:
        """Every record loaded so far, in the server's order."""
        return list(self._rows)

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
        self._rows[row] = record
        last = max(self.columnCount() - 1, 0)
        self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return row

    def remove_record(self, record_id: str) -> bool:
        """Take the row of ``record_id`` out of the list (it was deleted elsewhere).

        Returns:
            Whether there was such a row.
        """
        row = self.row_of_id(record_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
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
        record = self.row_at(index)
        if record is None:
            return None
        if role == self.RecordRole:
            return record
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(record, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(index.column())
        return None

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

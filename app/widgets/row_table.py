"""A table model over a list of rows with fixed column headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from app.qt.core import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

T = TypeVar("T")


class RowTableModel(QAbstractTableModel, Generic[T]):
    """Rows of ``T`` under ``HEADERS``; subclasses implement ``data`` with :meth:`row_at`.

    Args:
        parent: The parent object.
    """

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def row_at(self, index: QModelIndex | QPersistentModelIndex) -> T | None:
        """The row behind ``index``, or ``None`` for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


class PagedRowTableModel(RowTableModel[T]):
    """A :class:`RowTableModel` filled page by page from a cursor-paged server list.

    When a view scrolls to the end, Qt calls :meth:`fetchMore`, which asks for the
    next page through :attr:`more_wanted`; whoever loads pages answers with
    :meth:`_set_first_page` / :meth:`_add_page` (through the subclass) or
    :meth:`more_failed`.

    Signals:
        more_wanted(str): The view wants the page after this cursor.
    """

    more_wanted = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_cursor: str | None = None
        self._loading_more = False

    def has_more(self) -> bool:
        """Whether the server has more rows than those loaded."""
        return self._next_cursor is not None

    def more_failed(self) -> None:
        """Loading the next page failed; scrolling to the end may ask again."""
        self._loading_more = False

    def _set_first_page(self, items: Sequence[T], next_cursor: str | None) -> None:
        self.beginResetModel()
        self._rows = list(items)
        self._next_cursor = next_cursor
        self._loading_more = False
        self.endResetModel()

    def _add_page(self, items: Sequence[T], next_cursor: str | None) -> None:
        self._loading_more = False
        if items:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
            self._rows.extend(items)
            self.endInsertRows()
        self._next_cursor = next_cursor

    def _paging_paused(self) -> bool:
        """Subclasses: ``True`` while more pages must not be asked for."""
        return False

    def canFetchMore(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> bool:
        return (
            not parent.isValid()
            and self._next_cursor is not None
            and not self._loading_more
            and not self._paging_paused()
        )

    def fetchMore(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> None:
        if self.canFetchMore(parent) and self._next_cursor is not None:
            self._loading_more = True
            self.more_wanted.emit(self._next_cursor)

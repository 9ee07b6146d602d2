"""The Account column of a list whose records name their account by id (contacts, deals).

The server cannot sort such a list by the account's name, nor does a row carry it: rows
come with an ``account_id`` and the names are asked for once per page
(:attr:`AccountNamesModel.account_names_wanted`, answered by
:meth:`AccountNamesModel.set_account_names`); the rows show at once and their names fill
in. :class:`~app.features.records.account_lookup.AccountNameLookup` is the page's side:
it asks (one ``id:in`` call per page) and asks again for the accounts renamed or trashed
elsewhere.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from app.features.records.model import NO_VALUE, RecordTableModel
from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

T = TypeVar("T")

NAME_PENDING = "…"
"""An account's name on its way from the server."""
NAME_UNAVAILABLE = "(unavailable)"
"""An account the record has that the user cannot read (in the trash, out of reach)."""
UNAVAILABLE_TIP = "This account is in the trash, or not yours to see."
FAILED_TIP = "The account's name could not be loaded."


def account_of(record: object) -> str | None:
    """The id of the account ``record`` names, if any."""
    value = getattr(record, "account_id", None)
    return value if isinstance(value, str) else None


class AccountNamesModel(RecordTableModel[T]):
    """A record table with an Account column (:attr:`ACCOUNT_COLUMN`) filled by name.

    Signals:
        account_names_wanted(object): A ``list`` of the account ids whose names
            the rows need and nobody asked for since the list (re)loaded.
    """

    account_names_wanted = Signal(object)

    ACCOUNT_COLUMN = -1
    """The column that shows the account's name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: dict[str, str | None] = {}
        """Account names by id; ``None`` for an account the user cannot read."""
        self._asked: set[str] = set()
        """Ids asked for since the list last started over (a newer load asks again)."""
        self._failed: set[str] = set()

    def account_name(self, account_id: str) -> str | None:
        """The name shown for ``account_id`` (``None``: not known yet, or unreadable)."""
        return self._names.get(account_id)

    def _wanted(self, records: Sequence[T]) -> None:
        ids = sorted({a for r in records if (a := account_of(r)) is not None} - self._asked)
        if ids:
            self._asked.update(ids)
            self._failed.difference_update(ids)
            self.account_names_wanted.emit(ids)

    def names_changed(self, account_ids: Collection[str]) -> None:
        """These accounts changed (renamed, trashed…): ask again for the names of those
        the rows show; the old names stay until the new ones arrive."""
        shown = {a for r in self._rows if (a := account_of(r)) is not None}
        again = sorted(shown.intersection(account_ids))
        if again:
            self._asked.difference_update(again)
            self._wanted([r for r in self._rows if account_of(r) in again])

    def set_account_names(self, names: Mapping[str, str], asked: Collection[str]) -> None:
        """Show the account names that arrived; ids ``asked`` for but not among them
        belong to accounts the user cannot read."""
        for account_id in asked:
            self._names[account_id] = names.get(account_id)
        self._names.update(names)
        self._account_cells_changed()

    def account_names_failed(self, asked: Collection[str]) -> None:
        """The names of ``asked`` could not be loaded: their cells stop waiting; the
        next load of the list asks again."""
        self._failed.update(asked)
        self._asked.difference_update(asked)
        self._account_cells_changed()

    def _account_cells_changed(self) -> None:
        if self._rows and self.ACCOUNT_COLUMN >= 0:
            last = self.rowCount() - 1
            self.dataChanged.emit(
                self.index(0, self.ACCOUNT_COLUMN),
                self.index(last, self.ACCOUNT_COLUMN),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
            )

    # ------------------------------------------------------------------ rows

    def reset(self, items: Sequence[T], next_cursor: str | None) -> None:
        # A first page again: names are asked afresh (an account may have been renamed),
        # while the ones known keep showing until the new ones arrive.
        self._asked.clear()
        super().reset(items, next_cursor)
        self._wanted(items)

    def append_page(self, items: Sequence[T], next_cursor: str | None) -> None:
        super().append_page(items, next_cursor)
        self._wanted(items)

    def show_end(self, items: Sequence[T]) -> None:
        super().show_end(items)
        self._wanted(items)

    def replace_record(self, record: T) -> int | None:
        row = super().replace_record(record)
        if row is not None:
            self._wanted([record])  # it may have moved to an account not listed yet
        return row

    # ------------------------------------------------------------------ cells

    def account_text(self, account_id: str | None) -> str:
        """What the Account column shows for ``account_id``."""
        if account_id is None:
            return NO_VALUE
        if account_id in self._names:
            return self._names[account_id] or NAME_UNAVAILABLE
        return "" if account_id in self._failed else NAME_PENDING

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.ACCOUNT_COLUMN:
            account_id = account_of(self.row_at(index))
            if account_id is not None and account_id in self._failed:
                return FAILED_TIP
            if account_id is not None and account_id in self._names:
                return self._names[account_id] or UNAVAILABLE_TIP
        return super().data(index, role)

"""The Account column of a list whose records name their account by id (contacts, deals).

The server cannot sort such a list by the account's name, nor does a row carry it: rows
come with an ``account_id`` and the names are asked for once per page
(:attr:`AccountNamesModel.account_names_wanted`, answered by
:meth:`AccountNamesModel.set_account_names`); the rows show at once and their names fill
in. :class:`AccountNameLookup` is the page's side: it asks (one ``id:in`` call per page)
and asks again for the accounts renamed or trashed elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from app.api.live import Change
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.records.live import GATHER_MS
from app.features.records.model import NO_VALUE, RecordTableModel
from app.features.records.notices import message_text
from app.ops import FailureHandler
from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from app.widgets.record_form import ActionBanner

T = TypeVar("T")

NAME_PENDING = "…"
"""An account's name on its way from the server."""
NAME_UNAVAILABLE = "(unavailable)"
"""An account the record has that the user cannot read (in the trash, out of reach)."""
UNAVAILABLE_TIP = "This account is in the trash, or not yours to see."
FAILED_TIP = "The account's name could not be loaded."

LookUpNames = Callable[
    [Sequence[str], Callable[[dict[str, str]], None], FailureHandler],
    "asyncio.Task[dict[str, str]]",
]
"""Reads the names of some accounts by id (:meth:`RecordOps.account_names`)."""


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


class AccountNameLookup(QObject):
    """Answers a list's wishes for account names, and asks again after changes elsewhere.

    Args:
        model: The list's model.
        look_up: Reads account names by id.
        banner: Where a failure is said.
        noun: The records, plural, for that message ("contacts").
        parent: The parent object.

    Signals:
        arrived(object): The names that arrived (``dict`` of id → name).
    """

    arrived = Signal(object)

    def __init__(
        self,
        model: AccountNamesModel[Any],
        look_up: LookUpNames,
        banner: ActionBanner,
        noun: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._look_up = look_up
        self._banner = banner
        self._noun = noun
        self._changed: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GATHER_MS)
        self._timer.timeout.connect(self._names_changed)
        model.account_names_wanted.connect(self.load)

    def follow(self, live: LiveChanges) -> None:
        """Read again the names of accounts changed elsewhere (renamed, trashed), a burst
        of such changes in one call."""
        live.changed.connect(self.account_changed)
        live.stopped.connect(self._timer.stop)

    def account_changed(self, change: Change) -> None:
        """An account changed somewhere: read its name again soon if a row shows it."""
        if change.kind != "account" or change.created:
            return
        self._changed.add(change.id)
        if not self._timer.isActive():
            self._timer.start()

    def _names_changed(self) -> None:
        changed, self._changed = self._changed, set()
        self._model.names_changed(changed)

    def load(self, account_ids: list[str]) -> None:
        """Ask for the names of ``account_ids`` (the accounts of a page) in one call; the
        Account column fills in when they arrive."""
        model = self._model

        def arrived(names: dict[str, str]) -> None:
            model.set_account_names(names, account_ids)
            self.arrived.emit(names)

        def failed(message: UserMessage) -> None:
            model.account_names_failed(account_ids)
            text = f"The {self._noun}' account names could not be loaded. {message_text(message)}"
            self._banner.show_message(text, "error")

        self._look_up(account_ids, arrived, failed)

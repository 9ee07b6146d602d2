"""Contacts as a server-paged table, with the names of their accounts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from app.api.records import Contact
from app.features.records.model import (
    BOOL,
    DATE,
    NO_VALUE,
    TEXT,
    RecordTableModel,
    short_date,
    text_or_dash,
)
from app.qt.core import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

NAME_PENDING = "…"
"""An account's name on its way from the server."""
NAME_UNAVAILABLE = "(unavailable)"
"""An account the contact has that the user cannot read (in the trash, out of reach)."""
UNAVAILABLE_TIP = "This account is in the trash, or not yours to see."
FAILED_TIP = "The account's name could not be loaded."


class ContactsTableModel(RecordTableModel[Contact]):
    """One row per contact: name, account, email, title, phone, owner, updated.

    The filter box matches the whole name, the email, the phone or the mobile; the
    Name column sorts by last name. The server cannot sort by the account's name, nor does a
    contact carry it: rows come with an ``account_id`` and the names are asked for
    once per page (:attr:`account_names_wanted`, answered by
    :meth:`set_account_names`); the rows show at once and their names fill in.

    Signals:
        account_names_wanted(object): A ``list`` of the account ids whose names
            the rows need and nobody asked for since the list (re)loaded.
    """

    account_names_wanted = Signal(object)

    NAME, ACCOUNT, EMAIL, TITLE, PHONE, OWNER, UPDATED = range(7)
    HEADERS = ("Name", "Account", "Email", "Title", "Phone", "Owner", "Updated")
    SORT_KEYS = ("last_name", None, "email", "title", "phone", None, "updated_at")
    OWNER_COLUMN = OWNER
    DEFAULT_SORT = "last_name"
    FILTER_FIELD = "last_name"
    FILTER_LABEL = "name, email or phone"
    FILTERS: tuple[tuple[str, str, str], ...] = (
        ("first_name", "First name", TEXT),
        ("last_name", "Last name", TEXT),
        ("email", "Email", TEXT),
        ("phone", "Phone", TEXT),
        ("mobile", "Mobile", TEXT),
        ("title", "Title", TEXT),
        ("time_zone", "Time zone", TEXT),
        ("do_not_contact", "Do not contact", BOOL),
        ("created_at", "Created", DATE),
        ("updated_at", "Updated", DATE),
    )
    NOUN = "contact"
    EMPTY_TEXT = "No contacts yet"
    NO_MATCH_TEXT = "No contacts match"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: dict[str, str | None] = {}
        """Account names by id; ``None`` for an account the user cannot read."""
        self._asked: set[str] = set()
        """Ids asked for since the list last started over (a newer load asks again)."""
        self._failed: set[str] = set()

    # ------------------------------------------------------------------ account names

    def account_name(self, account_id: str) -> str | None:
        """The name shown for ``account_id`` (``None``: not known yet, or unreadable)."""
        return self._names.get(account_id)

    def _wanted(self, records: Sequence[Contact]) -> None:
        ids = sorted(
            {r.account_id for r in records if r.account_id is not None} - self._asked,
        )
        if ids:
            self._asked.update(ids)
            self._failed.difference_update(ids)
            self.account_names_wanted.emit(ids)

    def names_changed(self, account_ids: Collection[str]) -> None:
        """These accounts changed (renamed, trashed…): ask again for the names of those
        the rows show; the old names stay until the new ones arrive."""
        shown = {r.account_id for r in self._rows if r.account_id is not None}
        again = sorted(shown.intersection(account_ids))
        if again:
            self._asked.difference_update(again)
            self._wanted([r for r in self._rows if r.account_id in again])

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
        if self._rows:
            last = self.rowCount() - 1
            self.dataChanged.emit(
                self.index(0, self.ACCOUNT),
                self.index(last, self.ACCOUNT),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
            )

    # ------------------------------------------------------------------ rows

    def reset(self, items: Sequence[Contact], next_cursor: str | None) -> None:
        # A first page again: names are asked afresh (an account may have been renamed),
        # while the ones known keep showing until the new ones arrive.
        self._asked.clear()
        super().reset(items, next_cursor)
        self._wanted(items)

    def append_page(self, items: Sequence[Contact], next_cursor: str | None) -> None:
        super().append_page(items, next_cursor)
        self._wanted(items)

    def show_end(self, items: Sequence[Contact]) -> None:
        super().show_end(items)
        self._wanted(items)

    def replace_record(self, record: Contact) -> int | None:
        row = super().replace_record(record)
        if row is not None:
            self._wanted([record])  # it may have moved to an account not listed yet
        return row

    # ------------------------------------------------------------------ cells

    def cell(self, record: Contact, column: int) -> str:
        if column == self.NAME:
            return record.full_name or NO_VALUE
        if column == self.ACCOUNT:
            return self._account_text(record.account_id)
        if column == self.EMAIL:
            return text_or_dash(record.email)
        if column == self.TITLE:
            return text_or_dash(record.title)
        if column == self.PHONE:
            return text_or_dash(record.phone or record.mobile)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

    def _account_text(self, account_id: str | None) -> str:
        if account_id is None:
            return NO_VALUE
        if account_id in self._names:
            return self._names[account_id] or NAME_UNAVAILABLE
        return "" if account_id in self._failed else NAME_PENDING

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.ACCOUNT:
            record = self.row_at(index)
            account_id = record.account_id if record is not None else None
            if account_id is not None and account_id in self._failed:
                return FAILED_TIP
            if account_id is not None and account_id in self._names:
                return self._names[account_id] or UNAVAILABLE_TIP
        return super().data(index, role)

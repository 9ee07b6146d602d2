"""Keeps a record list in step with changes made elsewhere, without moving it under the user.

Wiring (done by the page's ``follow``)::

    rows = LiveRows("account", model, loader, records)
    rows.follow(live)              # a LiveChanges of the signed-in window
    rows.new_count_changed.connect(notice.set_count)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from app.api.live import Change, Echoes
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.records.model import RecordTableModel
from app.features.records.ops import MAX_READ_AT_ONCE, EditableRecord, RecordLoader, RecordOps
from app.qt.core import QObject, QTimer, Signal

log = logging.getLogger(__name__)

E = TypeVar("E", bound=EditableRecord)

GATHER_MS = 150
"""How long changes are gathered before the records they name are read (one call for
a burst of changes, such as an import updating many rows)."""


class LiveRows(QObject, Generic[E]):
    """Applies the changes a :class:`~app.features.live.model.LiveChanges` hears to a list
    of one kind of record.

    * updated: the record is read again and replaces its row in place (no reload,
      so the scroll position and the selection stay); only records the list has
      loaded, or the page shows beside it (``shown``), are read, a burst of
      changes in one call. A record that can no longer be read (deleted meanwhile,
      or out of the user's reach now) loses its row.
    * deleted: its row goes.
    * created or restored: counted, not inserted (the list would jump); the page
      says how many and offers to load the list again. Only records the list would
      show and the user may read count: they are read first, with the list's filters
      (a burst in one call), and those already listed are left out.
    * resync (the server dropped changes): :attr:`resync_wanted`.

    What is no news is left alone, as :class:`~app.api.live.Echoes` tells it: this
    window's own changes coming back (the page shows them already: an edit, a
    record it added or restored, one it deleted), and changes to a version the row
    and the panel show already. Nothing is read for them (:attr:`ignored`).

    Args:
        object_type: The kind of record the list shows (``"account"``), as changes
            name it.
        model: The list's rows.
        loader: Loads the list's pages (a new first page starts the count over).
        records: Reads records by id.
        shown: The record the page shows beside the list now (``None``: none).
        parent: The parent object.

    Signals:
        record_updated(object): A record changed elsewhere was read again and is
            newer than the list's row (which already shows it).
        record_deleted(str): The record with this id went to the trash (its row, if
            any, is gone).
        record_unreadable(str): The record with this id changed and can no longer be
            read: deleted meanwhile, or out of the user's reach now (its row is gone).
        new_count_changed(int): How many records were added since the list loaded.
        resync_wanted(): Changes were missed: load the list again.
        ignored(object): A :class:`~app.api.live.Change` of this list's kind that was
            no news (an echo of this window's own change, or a version shown already).
    """

    record_updated = Signal(object)
    record_deleted = Signal(str)
    record_unreadable = Signal(str)
    new_count_changed = Signal(int)
    resync_wanted = Signal()
    ignored = Signal(object)

    def __init__(
        self,
        object_type: str,
        model: RecordTableModel[E],
        loader: RecordLoader[E],
        records: RecordOps[E],
        shown: Callable[[], E | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.object_type = object_type
        self._model = model
        self._records = records
        self._echoes = Echoes(records.client)
        self._new: set[str] = set()
        self._shown = shown
        self._wanted: set[str] = set()
        self._reading: asyncio.Task[list[E]] | None = None
        self._maybe_new: set[str] = set()
        self._checking: asyncio.Task[list[E]] | None = None
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(GATHER_MS)
        self._check_timer.timeout.connect(self._check_new)
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(GATHER_MS)
        self._gather.timeout.connect(self._read_wanted)
        self.paused = False
        """While ``True`` (an import of this window runs), added records are not counted:
        the import's own end loads the list again."""
        loader.reloading.connect(self._starting_over)
        loader.loaded.connect(self._drop_listed)

    @property
    def new_count(self) -> int:
        """How many records were added since the list loaded."""
        return len(self._new)

    @property
    def reading(self) -> bool:
        """Whether changed or added records are waiting to be read, or being read."""
        return (
            bool(self._wanted or self._maybe_new)
            or self._reading is not None
            or self._checking is not None
        )

    def follow(self, live: LiveChanges) -> None:
        """Apply what ``live`` hears from now on (until it stops)."""
        live.changed.connect(self.apply)
        live.resync.connect(self.resync_wanted)
        live.stopped.connect(self.halt)

    def halt(self) -> None:
        """Stop reading changed records (the window signs out or closes)."""
        self._gather.stop()
        self._check_timer.stop()
        self._wanted.clear()
        self._maybe_new.clear()
        for task in (self._reading, self._checking):
            if task is not None:
                task.cancel()
        self._reading = self._checking = None

    # ------------------------------------------------------------------ changes

    def apply(self, change: Change) -> None:
        """Apply one change (changes of other kinds are ignored)."""
        if change.kind != self.object_type:
            return
        if not self._echoes.is_news(change, self._shown_version(change.id)):
            self.ignored.emit(change)
        elif change.deleted:
            self._forget_new(change.id)
            self._gone(change.id)
        elif change.created:
            self._added(change.id)
        elif not self._on_screen(change.id):
            return  # not on screen: nothing to keep up to date
        else:
            self._wanted.add(change.id)
            if self._reading is None and not self._gather.isActive():
                self._gather.start()

    def _copies(self, record_id: str) -> list[E]:
        """The copies of the record the page shows: its row, the panel beside the list."""
        copies: list[E] = []
        row = self._model.row_of_id(record_id)
        if row is not None:
            copies.append(self._model.record_at(row))
        shown = self._shown()
        if shown is not None and shown.id == record_id:
            copies.append(shown)
        return copies

    def _on_screen(self, record_id: str) -> bool:
        return bool(self._copies(record_id))

    def _shown_version(self, record_id: str) -> int | None:
        """The oldest version the page shows of the record (``None``: it shows none)."""
        versions = [copy.version for copy in self._copies(record_id)]
        return min(versions) if versions else None

    def _added(self, record_id: str) -> None:
        if (
            self.paused
            or not self._model.loaded  # the first page, on its way, will have it
            or record_id in self._new
            or self._model.row_of_id(record_id) is not None
        ):
            return
        self._maybe_new.add(record_id)
        if self._checking is None and not self._check_timer.isActive():
            self._check_timer.start()

    def _check_new(self) -> None:
        """Read the records added elsewhere with the list's filters: only those the
        list would show, that the user may read and that it does not show yet are news
        (an event can name a record now out of reach, or one a demo load changed)."""
        if self._checking is not None or not self._maybe_new:
            return
        asked = sorted(self._maybe_new)[:MAX_READ_AT_ONCE]
        self._maybe_new.difference_update(asked)
        query = self._model.query()

        def done(records: list[E]) -> None:
            self._checking = None
            if self._model.query() == query and not self.paused:
                fresh = {r.id for r in records if self._model.row_of_id(r.id) is None} - self._new
                if fresh:
                    self._new |= fresh
                    self.new_count_changed.emit(len(self._new))
            self._check_new()

        def failed(message: UserMessage) -> None:
            self._checking = None
            log.info("added %ss not read: %s", self.object_type, message.title)
            self._check_new()

        self._checking = self._records.matching(asked, query, done, failed)

    def _read_wanted(self) -> None:
        if self._reading is not None or not self._wanted:
            return  # the read under way starts the next one when it is back
        asked = sorted(self._wanted)[:MAX_READ_AT_ONCE]
        self._wanted.difference_update(asked)

        def done(records: list[E]) -> None:
            self._reading = None
            found = {record.id for record in records}
            for record in records:
                self._read_back(record)
            for record_id in asked:
                if record_id not in found:  # deleted meanwhile, or out of reach now
                    self._model.remove_record(record_id)
                    self.record_unreadable.emit(record_id)
            self._read_wanted()

        def failed(message: UserMessage) -> None:
            # The rows stay as they were; the next change or reload catches up.
            self._reading = None
            log.info("changed %ss not read: %s", self.object_type, message.title)
            self._read_wanted()

        self._reading = self._records.get_many(asked, done, failed)

    def _read_back(self, record: E) -> None:
        row = self._model.row_of_id(record.id)
        newer = False
        if row is not None and self._model.record_at(row).version < record.version:
            self._model.replace_record(record)
            newer = True
        shown = self._shown()
        if shown is not None and shown.id == record.id and shown.version < record.version:
            newer = True
        if newer:
            self.record_updated.emit(record)

    def _gone(self, record_id: str) -> None:
        self._model.remove_record(record_id)
        self.record_deleted.emit(record_id)

    # ------------------------------------------------------------------ the count

    def _forget_new(self, record_id: str) -> None:
        if record_id in self._new:
            self._new.discard(record_id)
            self.new_count_changed.emit(len(self._new))

    def _starting_over(self) -> None:
        self._maybe_new.clear()
        if self._new:
            self._new.clear()
            self.new_count_changed.emit(0)

    def _drop_listed(self) -> None:
        listed = {r for r in self._new if self._model.row_of_id(r) is not None}
        if listed:
            self._new -= listed
            self.new_count_changed.emit(len(self._new))

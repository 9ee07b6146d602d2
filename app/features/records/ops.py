"""The background calls of the record pages: loading a list's pages, and reading and
changing records, their custom fields and saved views (:class:`RecordOps`, which each
record feature's ops extend)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from app.api.client import GatewayClient
from app.api.fields import CustomField, FieldsApi, SavedView
from app.api.merge import DuplicateGroup, LikelyDuplicate, MergeApi, MergeResult
from app.api.paging import ID_BATCH, batches
from app.api.records import ACCOUNTS, RecordCount, RecordKind, RecordsApi
from app.errors import UserMessage
from app.features.records.model import RecordQuery, RecordTableModel
from app.ops import FailureHandler, Operations
from app.qt.core import QObject, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

BULK_AT_ONCE = 1000
"""The most records one bulk change names (the server's limit)."""


def join_csv(parts: Sequence[bytes]) -> bytes:
    """CSV files of one export format as one: the first one's header, every one's rows."""
    if not parts:
        return b""
    lines = [parts[0].rstrip(b"\r\n")]
    for part in parts[1:]:
        _header, _, rows = part.partition(b"\n")
        if rows.strip():
            lines.append(rows.rstrip(b"\r\n"))
    return b"\r\n".join(lines) + b"\r\n"


MAX_READ_AT_ONCE = ID_BATCH
"""How many records :meth:`RecordOps.get_many` asks for in one call (the server lists up
to 200; 100 ids keep the URL a few kilobytes)."""


class RecordPage(Protocol[T_co]):
    """What a list call answers: some records and the cursor of the next page."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


FetchPage = Callable[[RecordQuery, str | None], Coroutine[Any, Any, RecordPage[T]]]
"""Asks the server for the page after a cursor (``None``: the first) of a query."""
FetchCount = Callable[[RecordQuery], Coroutine[Any, Any, RecordCount]]
"""Asks the server how many records a query's list holds."""
FetchEnd = Callable[[RecordQuery], Coroutine[Any, Any, RecordPage[T]]]
"""Asks the server for a query's last page."""


class RecordLoader(QObject, Generic[T]):
    """Answers a record model's wishes for pages with calls to the server.

    A newer first-page load cancels an older one still running, so a slow answer
    to an old filter never replaces the rows of the new one.

    The list is counted once its first page shows (never delaying its rows; not at
    all when that page is the whole list, nor when only the order changed);
    :meth:`load_end` reads the list's last page (Ctrl+End).

    Args:
        model: The model to fill.
        fetch: Fetches one page.
        ops: Runs the calls on the app's loop.
        parent: The parent object.
        count: Counts the list (none: the list says how many rows it shows).
        end: Fetches the list's last page (none: Ctrl+End goes to the last row loaded).

    Signals:
        failed(object): A load failed; the :class:`~app.errors.UserMessage` says why.
        loaded(): A page arrived.
        reloading(): A first page is being asked for (the list starts over).
        end_loaded(): The list's last page arrived and shows below the gap.
    """

    failed = Signal(object)
    loaded = Signal()
    reloading = Signal()
    end_loaded = Signal()

    def __init__(
        self,
        model: RecordTableModel[T],
        fetch: FetchPage[T],
        ops: Operations,
        parent: QObject | None = None,
        *,
        count: FetchCount | None = None,
        end: FetchEnd[T] | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._fetch = fetch
        self._fetch_count = count
        self._fetch_end = end
        self._ops = ops
        self._first: asyncio.Task[RecordPage[T]] | None = None
        self._counting: asyncio.Task[RecordCount] | None = None
        self._ending: asyncio.Task[RecordPage[T]] | None = None
        self._counted: tuple[RecordQuery, RecordCount] | None = None
        """The last count and the query it was of."""
        self.counts_asked = 0
        """How many times the server was asked to count the list."""
        model.first_page_wanted.connect(self.reload)
        model.more_wanted.connect(self._load_more)

    def reload(self) -> None:
        """Load the first page of the model's query again (and count it)."""
        for task in (self._first, self._counting, self._ending):
            if task is not None and not task.done():
                task.cancel()
        self._model.begin_load()
        self.reloading.emit()
        query = self._model.query()
        self._first = self._ops.run(
            self._fetch(query, None),
            on_success=lambda page: self._first_loaded(page, query),
            on_failure=self._first_failed,
            name="records-first-page",
        )

    def _count(self, query: RecordQuery, first: RecordPage[T]) -> None:
        """Say how long the list is, once its first rows show (asking for the count
        beside the first page made the rows wait for the server's counting)."""
        known = self._counted
        if first.next_cursor is None:  # the whole list is here: no need to ask
            answer = RecordCount(count=len(first.items), exact=True)
        elif (
            known is not None
            and known[0].sort != query.sort
            and (known[0].filters, known[0].quick) == (query.filters, query.quick)
        ):
            # Only the order changed: the same records, so the same count (a header
            # click must not make the server count 100,000 rows again).
            answer = known[1]
        else:
            answer = None
        if answer is not None:
            self._counted = (query, answer)
            self._model.set_total(answer.count, answer.exact)
            return
        if self._fetch_count is None:
            return

        def counted(answer: RecordCount) -> None:
            if self._model.query() == query:
                self._counted = (query, answer)
                self._model.set_total(answer.count, answer.exact)

        def not_counted(message: UserMessage) -> None:
            log.info("list not counted: %s", message.title)  # it says "N shown" instead

        self.counts_asked += 1
        self._counting = self._ops.run(
            self._fetch_count(query),
            on_success=counted,
            on_failure=not_counted,
            name="records-count",
        )

    @property
    def can_load_end(self) -> bool:
        """Whether the list's last page can be read (Ctrl+End)."""
        return self._fetch_end is not None

    def load_end(self) -> None:
        """Read the list's last page; it shows below a gap after the rows loaded so far."""
        if self._fetch_end is None or not self._model.has_more() or self._model.has_gap:
            self.end_loaded.emit()
            return
        if self._ending is not None and not self._ending.done():
            return
        query = self._model.query()

        def arrived(page: RecordPage[T]) -> None:
            if self._model.query() != query or self._model.loading:
                return
            self._model.show_end(page.items)
            self.loaded.emit()
            self.end_loaded.emit()

        self._ending = self._ops.run(
            self._fetch_end(query),
            on_success=arrived,
            on_failure=self.failed.emit,
            name="records-end",
        )

    def _first_loaded(self, page: RecordPage[T], query: RecordQuery) -> None:
        self._model.reset(page.items, page.next_cursor)
        self.loaded.emit()
        self._count(query, page)

    def _first_failed(self, message: UserMessage) -> None:
        self._model.load_failed()
        self.failed.emit(message)

    def _load_more(self, cursor: str) -> None:
        query = self._model.query()

        def arrived(page: RecordPage[T]) -> None:
            if self._model.query() != query or self._model.loading:
                return  # the list was asked for again meanwhile
            self._model.append_page(page.items, page.next_cursor)
            self.loaded.emit()

        def failed(message: UserMessage) -> None:
            self._model.more_failed()
            self.failed.emit(message)

        self._ops.run(
            self._fetch(query, cursor), on_success=arrived, on_failure=failed, name="records-more"
        )


class EditableRecord(Protocol):
    """What the editing screens need of any record."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def custom_fields(self) -> dict[str, Any]: ...


E = TypeVar("E", bound=EditableRecord)


class RecordOps(Generic[E]):
    """The background calls that read and change one kind of record, its custom field
    definitions and the user's saved views of it.

    Each call takes what to do when it succeeds and when it fails (a
    :class:`~app.errors.UserMessage`), and returns its task. A record feature's ops
    (``AccountRecordOps``, ``ContactRecordOps``) extend it with what its detail
    panel and form need.

    Args:
        client: The signed-in client.
        kind: Which kind of record (``ACCOUNTS``, ``CONTACTS``).
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, kind: RecordKind[Any], ops: Operations) -> None:
        self.client = client
        self.kind = kind
        self.ops = ops
        self.records = RecordsApi(client)
        self.fields = FieldsApi(client)
        self.merging = MergeApi(client)

    @property
    def object_type(self) -> str:
        """``account`` or ``contact``."""
        return self.kind.object_type

    async def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage[E]:
        """One page of records for ``query``."""
        page: RecordPage[E] = await self.records.page(
            self.kind, cursor=cursor, sort=query.sort, filters=query.filters, quick=query.quick
        )
        return page

    async def fetch_end(self, query: RecordQuery) -> RecordPage[E]:
        """The last page of ``query``'s list."""
        page: RecordPage[E] = await self.records.page(
            self.kind, sort=query.sort, filters=query.filters, quick=query.quick, end=True
        )
        return page

    async def fetch_count(self, query: RecordQuery) -> RecordCount:
        """How many records ``query``'s list holds."""
        return await self.records.count(self.kind, filters=query.filters, quick=query.quick)

    def loader(self, model: RecordTableModel[E], parent: QObject | None = None) -> RecordLoader[E]:
        """A loader of ``model``'s pages, its count and its end from these records."""
        return RecordLoader(
            model, self.fetch_page, self.ops, parent, count=self.fetch_count, end=self.fetch_end
        )

    async def _matching(self, record_ids: Sequence[str], query: RecordQuery) -> list[E]:
        found: list[E] = []
        for chunk in batches(list(record_ids)):
            page: RecordPage[E] = await self.records.page(
                self.kind,
                filters=(f"id:in:{','.join(chunk)}", *query.filters),
                quick=query.quick,
                limit=len(chunk),
            )
            found.extend(page.items)
        return found

    def matching(
        self,
        record_ids: Sequence[str],
        query: RecordQuery,
        done: Callable[[list[E]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[list[E]]:
        """Which of ``record_ids`` the user may read and ``query``'s list would show (the
        records added elsewhere that are news to this list)."""
        return self._run(self._matching(record_ids, query), done, failed, "records-matching")

    def _run(
        self,
        work: Coroutine[Any, Any, T],
        done: Callable[[T], None],
        failed: FailureHandler,
        name: str,
    ) -> asyncio.Task[T]:
        return self.ops.run(work, on_success=done, on_failure=failed, name=name)

    def load_custom_fields(
        self, done: Callable[[list[CustomField]], None], failed: FailureHandler
    ) -> asyncio.Task[list[CustomField]]:
        """Fetch the company's custom fields of this kind."""
        work = self.fields.custom_fields(self.object_type)
        return self._run(work, done, failed, "custom-fields")

    def get(
        self, record_id: str, done: Callable[[E], None], failed: FailureHandler
    ) -> asyncio.Task[E]:
        """Fetch the record as it is now (after a conflict)."""
        return self._run(self.records.get(self.kind, record_id), done, failed, "record-get")

    async def _read_many(self, record_ids: Sequence[str]) -> list[E]:
        found: list[E] = await self.records.by_ids(self.kind, record_ids)
        return found

    def get_many(
        self, record_ids: Sequence[str], done: Callable[[list[E]], None], failed: FailureHandler
    ) -> asyncio.Task[list[E]]:
        """Fetch the records of ``record_ids`` as they are now, in one call (at most
        :data:`MAX_READ_AT_ONCE`); those in the trash or out of the user's reach are
        not among them."""
        return self._run(self._read_many(record_ids), done, failed, "records-get-many")

    async def _account_names(self, account_ids: Sequence[str]) -> dict[str, str]:
        return {a.id: a.name for a in await self.records.by_ids(ACCOUNTS, account_ids)}

    def account_names(
        self,
        account_ids: Sequence[str],
        done: Callable[[dict[str, str]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[dict[str, str]]:
        """The names of the accounts ``account_ids`` by id (one call per 100 ids, for the
        Account column of a page of contacts or deals). Accounts in the trash or out of
        the user's reach are not among them."""
        return self._run(self._account_names(list(account_ids)), done, failed, "account-names")

    def create(
        self, values: dict[str, Any], done: Callable[[E], None], failed: FailureHandler
    ) -> asyncio.Task[E]:
        """Add a record."""
        return self._run(self.records.create(self.kind, values), done, failed, "record-create")

    def update(
        self,
        record: EditableRecord,
        changes: dict[str, Any],
        done: Callable[[E], None],
        failed: FailureHandler,
    ) -> asyncio.Task[E]:
        """Change ``record`` unless someone else changed it since its ``version``."""
        work = self.records.update(self.kind, record.id, changes, record.version)
        return self._run(work, done, failed, "record-update")

    def delete(
        self, record: EditableRecord, done: Callable[[None], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Move ``record`` to the trash."""
        work = self.records.delete(self.kind, record.id, record.version)
        return self._run(work, done, failed, "record-delete")

    def restore(
        self, record_id: str, done: Callable[[E], None], failed: FailureHandler
    ) -> asyncio.Task[E]:
        """Take a record out of the trash."""
        work = self.records.restore(self.kind, record_id)
        return self._run(work, done, failed, "record-restore")

    # ------------------------------------------------------------------ duplicates, merge

    def likely_duplicates(
        self,
        values: dict[str, Any],
        done: Callable[[list[LikelyDuplicate]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[list[LikelyDuplicate]]:
        """The records a new one with ``values`` would duplicate, whoever owns them."""
        work = self.merging.likely(self.kind, values)
        return self._run(work, done, failed, "records-likely-duplicates")

    def duplicate_groups(
        self, done: Callable[[list[DuplicateGroup]], None], failed: FailureHandler
    ) -> asyncio.Task[list[DuplicateGroup]]:
        """Groups of records (within reach) that look like one."""
        return self._run(self.merging.duplicates(self.kind), done, failed, "records-duplicates")

    def merge(
        self,
        winner_id: str,
        loser_ids: Sequence[str],
        fields: dict[str, str],
        done: Callable[[MergeResult], None],
        failed: FailureHandler,
    ) -> asyncio.Task[MergeResult]:
        """Merge ``loser_ids`` into ``winner_id`` keeping, per field, the value of the
        record ``fields`` names."""
        work = self.merging.merge(self.kind, winner_id, loser_ids, fields)
        return self._run(work, done, failed, "records-merge")

    # ------------------------------------------------------------------ many at once

    def bulk_update(
        self,
        record_ids: Sequence[str],
        changes: dict[str, Any],
        done: Callable[[int], None],
        failed: FailureHandler,
    ) -> asyncio.Task[int]:
        """Make the same change to every record of ``record_ids`` (all or none)."""
        work = self._in_bulk(
            record_ids, lambda chunk: self.records.bulk_update(self.kind, chunk, changes)
        )
        return self._run(work, done, failed, "records-bulk-update")

    def bulk_delete(
        self, record_ids: Sequence[str], done: Callable[[int], None], failed: FailureHandler
    ) -> asyncio.Task[int]:
        """Move every record of ``record_ids`` to the trash."""
        work = self._in_bulk(record_ids, lambda chunk: self.records.bulk_delete(self.kind, chunk))
        return self._run(work, done, failed, "records-bulk-delete")

    async def _in_bulk(
        self, record_ids: Sequence[str], call: Callable[[list[str]], Coroutine[Any, Any, int]]
    ) -> int:
        changed = 0
        ids = list(record_ids)
        for start in range(0, len(ids), BULK_AT_ONCE):
            changed += await call(ids[start : start + BULK_AT_ONCE])
        return changed

    def restore_many(
        self, record_ids: Sequence[str], done: Callable[[list[E]], None], failed: FailureHandler
    ) -> asyncio.Task[list[E]]:
        """Take the records of ``record_ids`` out of the trash (Undo of a bulk delete)."""

        async def work() -> list[E]:
            restored: list[E] = []
            for record_id in record_ids:
                restored.append(await self.records.restore(self.kind, record_id))
            return restored

        return self._run(work(), done, failed, "records-restore-many")

    def export(
        self,
        path: Path,
        done: Callable[[Path], None],
        failed: FailureHandler,
        *,
        query: RecordQuery | None = None,
        record_ids: Sequence[str] = (),
    ) -> asyncio.Task[Path]:
        """Write the records of ``query``'s list (or the records ``record_ids``, in the
        list's order) to ``path`` as CSV, in the server's export format."""

        async def work() -> Path:
            if query is not None and not record_ids:
                content = await self.records.export_csv(
                    self.kind, filters=query.filters, sort=query.sort, quick=query.quick
                )
            else:
                parts = [
                    await self.records.export_csv(
                        self.kind,
                        filters=(f"id:in:{','.join(chunk)}",),
                        sort=query.sort if query is not None else None,
                    )
                    for chunk in batches(list(record_ids))
                ]
                content = join_csv(parts)
            await asyncio.to_thread(path.write_bytes, content)
            return path

        return self._run(work(), done, failed, "records-export")

    def load_views(
        self, done: Callable[[list[SavedView]], None], failed: FailureHandler
    ) -> asyncio.Task[list[SavedView]]:
        """Fetch the user's saved views of this kind."""
        return self._run(self.fields.views(self.object_type), done, failed, "views")

    def save_view(
        self,
        name: str,
        query: RecordQuery,
        columns: Sequence[str],
        done: Callable[[SavedView], None],
        failed: FailureHandler,
    ) -> asyncio.Task[SavedView]:
        """Save ``query`` and the ``columns`` shown as a view called ``name``."""
        work = self.fields.create_view(
            self.object_type, name, filters=query.saved_filters(), sort=query.sort, columns=columns
        )
        return self._run(work, done, failed, "view-save")

    def delete_view(
        self, view_id: str, done: Callable[[None], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Delete one of the user's views."""
        return self._run(self.fields.delete_view(view_id), done, failed, "view-delete")

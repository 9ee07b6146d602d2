"""The background calls of the record pages: loading a list's pages, and reading and
changing records, their custom fields and saved views (:class:`RecordOps`, which each
record feature's ops extend)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Generic, Protocol, TypeVar

from app.api.client import GatewayClient
from app.api.fields import CustomField, FieldsApi, SavedView
from app.api.paging import ID_BATCH
from app.api.records import RecordKind, RecordsApi
from app.errors import UserMessage
from app.features.records.model import RecordQuery, RecordTableModel
from app.ops import FailureHandler, Operations
from app.qt.core import QObject, Signal

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

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


class RecordLoader(QObject, Generic[T]):
    """Answers a record model's wishes for pages with calls to the server.

    A newer first-page load cancels an older one still running, so a slow answer
    to an old filter never replaces the rows of the new one.

    Args:
        model: The model to fill.
        fetch: Fetches one page.
        ops: Runs the calls on the app's loop.
        parent: The parent object.

    Signals:
        failed(object): A load failed; the :class:`~app.errors.UserMessage` says why.
        loaded(): A page arrived.
        reloading(): A first page is being asked for (the list starts over).
    """

    failed = Signal(object)
    loaded = Signal()
    reloading = Signal()

    def __init__(
        self,
        model: RecordTableModel[T],
        fetch: FetchPage[T],
        ops: Operations,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._fetch = fetch
        self._ops = ops
        self._first: asyncio.Task[RecordPage[T]] | None = None
        model.first_page_wanted.connect(self.reload)
        model.more_wanted.connect(self._load_more)

    def reload(self) -> None:
        """Load the first page of the model's query again."""
        if self._first is not None and not self._first.done():
            self._first.cancel()
        self._model.begin_load()
        self.reloading.emit()
        self._first = self._ops.run(
            self._fetch(self._model.query(), None),
            on_success=self._first_loaded,
            on_failure=self._first_failed,
            name="records-first-page",
        )

    def _first_loaded(self, page: RecordPage[T]) -> None:
        self._model.reset(page.items, page.next_cursor)
        self.loaded.emit()

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

    @property
    def object_type(self) -> str:
        """``account`` or ``contact``."""
        return self.kind.object_type

    async def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage[E]:
        """One page of records for ``query``."""
        page: RecordPage[E] = await self.records.page(
            self.kind, cursor=cursor, sort=query.sort, filters=query.filters
        )
        return page

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
            self.object_type, name, filters=query.filters, sort=query.sort, columns=columns
        )
        return self._run(work, done, failed, "view-save")

    def delete_view(
        self, view_id: str, done: Callable[[None], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Delete one of the user's views."""
        return self._run(self.fields.delete_view(view_id), done, failed, "view-delete")

"""Loads the pages of a :class:`~app.features.records.model.RecordTableModel` in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Generic, Protocol, TypeVar

from app.errors import UserMessage
from app.features.records.model import RecordQuery, RecordTableModel
from app.ops import Operations
from app.qt import QObject, Signal

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


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
    """

    failed = Signal(object)
    loaded = Signal()

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

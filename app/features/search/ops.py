"""The palette's call: search as the user types, one call per query."""

from __future__ import annotations

import asyncio
from typing import Any

from app.api.client import GatewayClient
from app.api.search import SearchApi, SearchHit
from app.errors import UserMessage
from app.features.search.model import SearchResultsModel
from app.ops import Operations
from app.qt.core import QObject, QTimer, Signal

SEARCH_DELAY_MS = 150
"""How long typing must pause before the server is asked."""


class SearchOps:
    """Searches through the gateway.

    Each hit comes with what the palette shows of it (account names, amounts),
    so a query costs one call.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._api = SearchApi(client)
        self._ops = ops

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    async def find(self, query: str) -> list[SearchHit]:
        """The hits for ``query``, closest first."""
        return await self._api.search(query)


class LiveSearch(QObject):
    """Asks the server as the user types, and puts the answers in the model.

    Typing waits :data:`SEARCH_DELAY_MS` for a pause. A new query cancels the
    call of the one before, and an answer is shown only if it belongs to the
    latest query, so an old answer never replaces a newer one, however late it
    comes.

    Args:
        search: The search calls.
        model: The results to fill.
        delay_ms: The pause typing must make.
        parent: The parent object.

    Signals:
        sent(str): A query went to the server.
        answered(str): The answer to a query is in the model.
    """

    sent = Signal(str)
    answered = Signal(str)

    def __init__(
        self,
        search: SearchOps,
        model: SearchResultsModel,
        delay_ms: int = SEARCH_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._model = model
        self._generation = 0
        self._tasks: list[asyncio.Task[Any]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.search_now)

    @property
    def model(self) -> SearchResultsModel:
        """The results this search fills."""
        return self._model

    @property
    def busy(self) -> bool:
        """Whether a query is waiting for the pause or for its answer."""
        return self._timer.isActive() or any(not task.done() for task in self._tasks)

    def set_query(self, text: str) -> None:
        """The user typed ``text``: search once typing pauses (nothing typed: clear)."""
        self._cancel()
        self._model.begin(text)
        if self._model.query:
            self._timer.start()
        else:
            self._timer.stop()

    def search_now(self) -> None:
        """Ask the server for the model's query at once (skip the pause)."""
        self._timer.stop()
        query = self._model.query
        if not query:
            return
        self._cancel()
        generation = self._generation

        def arrived(hits: list[SearchHit]) -> None:
            if generation != self._generation or not self._model.show_results(query, hits):
                return  # the user typed on meanwhile
            self.answered.emit(query)

        def failed(message: UserMessage) -> None:
            if generation == self._generation and self._model.show_failure(query, message):
                self.answered.emit(query)

        self._tasks.append(
            self._search.ops.run(
                self._search.find(query), on_success=arrived, on_failure=failed, name="search"
            )
        )
        self.sent.emit(query)

    def reset(self) -> None:
        """Forget the query and the rows (the palette closed)."""
        self._cancel()
        self._timer.stop()
        self._model.clear()

    def _cancel(self) -> None:
        """Cancel the calls of older queries; their answers, if already on the way, are
        recognised as stale by the generation they carry."""
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks = []

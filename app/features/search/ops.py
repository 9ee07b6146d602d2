"""The palette's calls: search as the user types, then the details of the hits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.api.client import GatewayClient
from app.api.models import Contact, Opportunity
from app.api.search import SearchApi, SearchHit
from app.errors import UserMessage
from app.features.search.model import HitExtra, SearchResultsModel
from app.ops import Operations
from app.qt import QObject, QTimer, Signal

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 150
"""How long typing must pause before the server is asked."""

PARALLEL_DETAILS = 6
"""How many record reads the details of one answer make at once."""

T = TypeVar("T")


class SearchOps:
    """Searches through the gateway and reads what the palette adds to the hits.

    The details (amounts, account names) are remembered until :meth:`forget`, so
    typing on does not read the same records again.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._api = SearchApi(client)
        self._ops = ops
        self._extras: dict[str, HitExtra] = {}
        self._account_names: dict[str, str] = {}

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    def forget(self) -> None:
        """Drop the remembered details (records may have changed since)."""
        self._extras.clear()
        self._account_names.clear()

    async def find(self, query: str) -> list[SearchHit]:
        """The hits for ``query``, closest first."""
        return await self._api.search(query)

    async def details(self, hits: list[SearchHit]) -> dict[str, HitExtra]:
        """Amounts, statuses and account names of the contact and opportunity hits.

        A record that cannot be read (deleted meanwhile, the connection dropped)
        keeps the server's one line; it is not an error worth a message.

        Returns:
            What to add, by record id (only hits there is something for).
        """
        for hit in hits:
            if hit.type == "account":
                self._account_names[hit.id] = hit.title
        limit = asyncio.Semaphore(PARALLEL_DETAILS)
        wanted = [hit for hit in hits if hit.type in ("contact", "opportunity")]
        missing = [hit for hit in wanted if hit.id not in self._extras]
        records = await asyncio.gather(
            *(self._bounded(limit, self._record(hit)) for hit in missing)
        )
        found: dict[str, Contact | Opportunity] = {
            hit.id: record for hit, record in zip(missing, records, strict=True) if record
        }
        account_ids = {r.account_id for r in found.values() if r.account_id} - set(
            self._account_names
        )
        names = await asyncio.gather(
            *(self._bounded(limit, self._account_name(aid)) for aid in sorted(account_ids))
        )
        for account_id, name in zip(sorted(account_ids), names, strict=True):
            if name is not None:
                self._account_names[account_id] = name
        for record_id, record in found.items():
            account = self._account_names.get(record.account_id or "")
            if isinstance(record, Opportunity):
                self._extras[record_id] = HitExtra(
                    account, record.amount, record.currency, record.status
                )
            else:
                self._extras[record_id] = HitExtra(account_name=account)
        return {hit.id: self._extras[hit.id] for hit in wanted if hit.id in self._extras}

    async def _record(self, hit: SearchHit) -> Contact | Opportunity | None:
        reader: Callable[[str], Awaitable[Contact | Opportunity]] = (
            self._api.opportunity if hit.type == "opportunity" else self._api.contact
        )
        try:
            return await reader(hit.id)
        except Exception as exc:  # a detail, not worth a failure
            log.debug("no details for %s %s: %s", hit.type, hit.id, exc)
            return None

    async def _account_name(self, account_id: str) -> str | None:
        try:
            return (await self._api.account(account_id)).name
        except Exception as exc:  # a detail, not worth a failure
            log.debug("no name for account %s: %s", account_id, exc)
            return None

    @staticmethod
    async def _bounded(limit: asyncio.Semaphore, work: Awaitable[T]) -> T:
        async with limit:
            return await work


class LiveSearch(QObject):
    """Asks the server as the user types, and puts the answers in the model.

    Typing waits :data:`SEARCH_DELAY_MS` for a pause. A new query cancels the
    call of the one before, and an answer is shown only if it belongs to the
    latest query, so an old answer never replaces a newer one, however late it
    comes. The details of the hits follow in a second call.

    Args:
        search: The search calls.
        model: The results to fill.
        delay_ms: The pause typing must make.
        parent: The parent object.

    Signals:
        sent(str): A query went to the server.
        answered(str): The answer to a query is in the model.
        details_added(): The amounts and account names of the hits shown arrived.
    """

    sent = Signal(str)
    answered = Signal(str)
    details_added = Signal()

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
            if any(hit.type in ("contact", "opportunity") for hit in hits):
                self._load_details(generation, hits)

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
        """Forget the query, the rows and the remembered details (the palette closed)."""
        self._cancel()
        self._timer.stop()
        self._search.forget()
        self._model.clear()

    def _load_details(self, generation: int, hits: list[SearchHit]) -> None:
        def arrived(extras: dict[str, HitExtra]) -> None:
            if generation == self._generation:
                self._model.add_extras(extras)
                self.details_added.emit()

        self._tasks.append(
            self._search.ops.run(
                self._search.details(hits),
                on_success=arrived,
                on_failure=lambda message: log.debug("no details: %s", message.title),
                name="search-details",
            )
        )

    def _cancel(self) -> None:
        """Cancel the calls of older queries; their answers, if already on the way, are
        recognised as stale by the generation they carry."""
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks = []

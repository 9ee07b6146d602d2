"""The calls of the Pipeline board, each in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.pipelines import (
    Board,
    OpportunityRecord,
    OpportunityRecordPage,
    Pipeline,
    PipelinesApi,
)
from app.errors import UserMessage
from app.ops import FailureHandler, Operations

log = logging.getLogger(__name__)

T = TypeVar("T")

BATCH_LOOKUP = 100
"""How many account ids one ``GET /accounts?filter=id:in:…`` names."""

SINGLE_LOOKUPS = 12
"""On a server that cannot list accounts by id, how many names a page of cards may
cost in single calls (the company's requests per minute are limited)."""

NAME_LOOKUPS_AT_ONCE = 4
"""How many single account calls run at the same time."""

GONE_ACCOUNT = "Account not found"
"""What a card says when its account was deleted or is out of the user's reach."""


def _logged(message: UserMessage) -> None:
    """Names on cards are a nicety: a failure to read them is logged, not shown."""
    log.info("card names not read: %s %s", message.title, message.details)


class PipelineOps:
    """Reads the board and moves deals through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._api = PipelinesApi(client)
        self._ops = ops
        self._batch_lookup = True

    @property
    def api(self) -> PipelinesApi:
        """The typed calls (the opportunity editor makes its own with them)."""
        return self._api

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    def _run(
        self,
        work: Any,
        done: Callable[[T], None],
        failed: FailureHandler | None,
        name: str,
    ) -> asyncio.Task[T]:
        return self._ops.run(work, on_success=done, on_failure=failed, name=name)

    def load_pipelines(
        self, done: Callable[[list[Pipeline]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Pipeline]]:
        """Fetch every pipeline with its stages."""
        return self._run(self._api.pipelines(), done, failed, "pipelines")

    def load_board(
        self, pipeline_id: str, done: Callable[[Board], None], failed: FailureHandler
    ) -> asyncio.Task[Board]:
        """Fetch the board's totals per stage."""
        return self._run(self._api.board(pipeline_id), done, failed, "pipeline-board")

    def load_cards(
        self,
        stage_id: str,
        cursor: str | None,
        done: Callable[[OpportunityRecordPage], None],
        failed: FailureHandler,
    ) -> asyncio.Task[OpportunityRecordPage]:
        """Fetch one page of a column's deals (``cursor=None``: the first)."""
        return self._run(self._api.stage_page(stage_id, cursor), done, failed, "pipeline-cards")

    def move(
        self,
        card: OpportunityRecord,
        stage_id: str,
        reason: str | None,
        done: Callable[[OpportunityRecord], None],
        failed: FailureHandler,
    ) -> asyncio.Task[OpportunityRecord]:
        """Put a deal in another stage, refused if it changed since ``card`` was read.

        Args:
            card: The deal as the board shows it (its version goes in ``If-Match``).
            stage_id: The stage to put it in.
            reason: Why it was lost (or won), when the user said.
            done: Receives the deal as the server now has it.
            failed: Receives why the server refused.
        """
        changes: dict[str, Any] = {"stage_id": stage_id}
        if reason:
            changes["closed_reason"] = reason
        work = self._api.update_opportunity(card.id, changes, card.if_match)
        return self._run(work, done, failed, "pipeline-move")

    def load_account_names(
        self, account_ids: Sequence[str], done: Callable[[dict[str, str]], None]
    ) -> asyncio.Task[dict[str, str]]:
        """Fetch the names of accounts; failures are logged, not shown (cards say "…")."""
        return self._run(self._account_names(account_ids), done, _logged, "pipeline-account-names")

    async def _account_names(self, account_ids: Sequence[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        if self._batch_lookup:
            try:
                for start in range(0, len(account_ids), BATCH_LOOKUP):
                    chunk = account_ids[start : start + BATCH_LOOKUP]
                    names.update({a.id: a.name for a in await self._api.accounts_by_id(chunk)})
            except ApiError as exc:
                if exc.status_code != 422:
                    raise
                # This server cannot list accounts by id: one call per account, a few only.
                self._batch_lookup = False
                log.info("accounts cannot be listed by id here; asking one by one")
            else:
                return {i: names.get(i, GONE_ACCOUNT) for i in account_ids}
        return await self._names_one_by_one(account_ids[:SINGLE_LOOKUPS])

    async def _names_one_by_one(self, account_ids: Sequence[str]) -> dict[str, str]:
        gate = asyncio.Semaphore(NAME_LOOKUPS_AT_ONCE)
        throttled = False

        async def one(account_id: str) -> tuple[str, str | None]:
            nonlocal throttled
            async with gate:
                if throttled:
                    return account_id, None
                try:
                    return account_id, (await self._api.account(account_id)).name
                except ApiError as exc:
                    if exc.status_code == 404:
                        return account_id, GONE_ACCOUNT
                    throttled = throttled or exc.status_code == 429
                    log.info("account %s not read: %s", account_id, exc)
                    return account_id, None

        found = await asyncio.gather(*(one(i) for i in account_ids))
        return {account_id: name for account_id, name in found if name is not None}

    def load_owners(self, done: Callable[[dict[str, str]], None]) -> asyncio.Task[dict[str, str]]:
        """Fetch the colleagues' names (for owners' initials); a failure leaves cards without."""

        async def names() -> dict[str, str]:
            page = await self._api.colleagues()
            return {user.id: user.name for user in page.items}

        return self._run(names(), done, _logged, "pipeline-owners")

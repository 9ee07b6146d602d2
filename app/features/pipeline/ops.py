"""The calls of the Pipeline board, each in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from app.api.client import GatewayClient
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
        found = {a.id: a.name for a in await self._api.accounts_by_id(account_ids)}
        return {account_id: found.get(account_id, GONE_ACCOUNT) for account_id in account_ids}

    def load_changed(
        self,
        opportunity_ids: Sequence[str],
        done: Callable[[list[OpportunityRecord]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[list[OpportunityRecord]]:
        """Fetch the current version of deals changed elsewhere, in one call; those
        deleted (or now out of the user's reach) are not in the answer."""
        return self._run(
            self._api.opportunities_by_id(opportunity_ids), done, failed, "pipeline-changed"
        )

    def load_columns(
        self,
        pipeline_id: str,
        limits: Mapping[str, int],
        done: Callable[[tuple[Board, dict[str, OpportunityRecordPage]]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[tuple[Board, dict[str, OpportunityRecordPage]]]:
        """Fetch the board's totals and each column's first cards again, at once.

        Args:
            pipeline_id: The pipeline.
            limits: Per stage id, how many cards to read (as many as the column shows).
            done: Receives the totals and the pages by stage id.
            failed: Receives why not.
        """

        async def read() -> tuple[Board, dict[str, OpportunityRecordPage]]:
            stage_ids = list(limits)
            board, pages = await asyncio.gather(
                self._api.board(pipeline_id),
                asyncio.gather(*(self._api.stage_page(s, limit=limits[s]) for s in stage_ids)),
            )
            return board, dict(zip(stage_ids, pages, strict=True))

        return self._run(read(), done, failed, "pipeline-reload")

    def load_owners(self, done: Callable[[dict[str, str]], None]) -> asyncio.Task[dict[str, str]]:
        """Fetch the colleagues' names (for owners' initials); a failure leaves cards without."""

        async def names() -> dict[str, str]:
            page = await self._api.colleagues()
            return {user.id: user.name for user in page.items}

        return self._run(names(), done, _logged, "pipeline-owners")

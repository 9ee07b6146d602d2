"""The calls of the Pipeline board, each in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from app.api.client import GatewayClient
from app.api.paging import PAGE_SIZE, Page
from app.api.pipelines import Board, Pipeline, PipelinesApi
from app.api.records import ACCOUNTS, OPPORTUNITIES, Opportunity, RecordsApi
from app.api.users import UsersApi
from app.errors import UserMessage
from app.ops import FailureHandler, Operations

log = logging.getLogger(__name__)

T = TypeVar("T")

CARDS_PAGE_SIZE = PAGE_SIZE
"""How many cards a board column asks for at once."""

CARD_SORT = "close_date"
"""Columns list the deals closing soonest first (those without a date last)."""

GONE_ACCOUNT = "Account not found"
"""What a card says when its account was deleted or is out of the user's reach."""

CardPage = Page[Opportunity]
"""One page of a column's deals."""


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
        self._client = client
        self._pipelines = PipelinesApi(client)
        self._records = RecordsApi(client)
        self._users = UsersApi(client)
        self._ops = ops
        self.owner_id: str | None = None
        """Whose deals the board shows (a user id; ``None``: everyone's in reach)."""

    @property
    def me(self) -> str:
        """The signed-in user's id (``""`` before sign-in)."""
        session = self._client.session
        return session.user.id if session is not None else ""

    def shows(self, deal: Opportunity) -> bool:
        """Whether the board's owner filter lets ``deal`` on it."""
        return self.owner_id is None or deal.owner_id == self.owner_id

    @property
    def client(self) -> GatewayClient:
        """The signed-in client (the opportunity editor makes its calls on it too)."""
        return self._client

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

    async def _stage_page(
        self, stage_id: str, cursor: str | None = None, limit: int = CARDS_PAGE_SIZE
    ) -> CardPage:
        return await self._records.page(
            OPPORTUNITIES,
            cursor=cursor,
            sort=CARD_SORT,
            filters=(
                f"stage_id:eq:{stage_id}",
                *((f"owner_id:eq:{self.owner_id}",) if self.owner_id else ()),
            ),
            limit=limit,
        )

    def load_pipelines(
        self, done: Callable[[list[Pipeline]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Pipeline]]:
        """Fetch every pipeline with its stages."""
        return self._run(self._pipelines.pipelines(), done, failed, "pipelines")

    def load_board(
        self, pipeline_id: str, done: Callable[[Board], None], failed: FailureHandler
    ) -> asyncio.Task[Board]:
        """Fetch the board's totals per stage."""
        return self._run(
            self._pipelines.board(pipeline_id, self.owner_id), done, failed, "pipeline-board"
        )

    def load_cards(
        self,
        stage_id: str,
        cursor: str | None,
        done: Callable[[CardPage], None],
        failed: FailureHandler,
    ) -> asyncio.Task[CardPage]:
        """Fetch one page of a column's deals (``cursor=None``: the first), closing
        soonest first."""
        return self._run(self._stage_page(stage_id, cursor), done, failed, "pipeline-cards")

    def move(
        self,
        card: Opportunity,
        stage_id: str,
        reason: str | None,
        done: Callable[[Opportunity], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Opportunity]:
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
        work = self._records.update(OPPORTUNITIES, card.id, changes, card.version)
        return self._run(work, done, failed, "pipeline-move")

    def load_account_names(
        self, account_ids: Sequence[str], done: Callable[[dict[str, str]], None]
    ) -> asyncio.Task[dict[str, str]]:
        """Fetch the names of accounts; failures are logged, not shown (cards say "…")."""
        return self._run(self._account_names(account_ids), done, _logged, "pipeline-account-names")

    async def _account_names(self, account_ids: Sequence[str]) -> dict[str, str]:
        found = {a.id: a.name for a in await self._records.by_ids(ACCOUNTS, account_ids)}
        return {account_id: found.get(account_id, GONE_ACCOUNT) for account_id in account_ids}

    def load_changed(
        self,
        opportunity_ids: Sequence[str],
        done: Callable[[list[Opportunity]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[list[Opportunity]]:
        """Fetch the current version of deals changed elsewhere, in one call; those
        deleted (or now out of the user's reach) are not in the answer."""
        work = self._records.by_ids(OPPORTUNITIES, opportunity_ids)
        return self._run(work, done, failed, "pipeline-changed")

    def load_columns(
        self,
        pipeline_id: str,
        limits: Mapping[str, int],
        done: Callable[[tuple[Board, dict[str, CardPage]]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[tuple[Board, dict[str, CardPage]]]:
        """Fetch the board's totals and each column's first cards again, at once.

        Args:
            pipeline_id: The pipeline.
            limits: Per stage id, how many cards to read (as many as the column shows).
            done: Receives the totals and the pages by stage id.
            failed: Receives why not.
        """

        async def read() -> tuple[Board, dict[str, CardPage]]:
            stage_ids = list(limits)
            board, pages = await asyncio.gather(
                self._pipelines.board(pipeline_id, self.owner_id),
                asyncio.gather(*(self._stage_page(s, limit=limits[s]) for s in stage_ids)),
            )
            return board, dict(zip(stage_ids, pages, strict=True))

        return self._run(read(), done, failed, "pipeline-reload")

    def load_opportunity(
        self,
        opportunity_id: str,
        known: Sequence[Pipeline],
        done: Callable[[tuple[Opportunity, list[Pipeline]]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[tuple[Opportunity, list[Pipeline]]]:
        """Fetch one deal (on the board or not) and the pipelines, so it can be edited
        with its own pipeline's stages.

        Args:
            opportunity_id: The deal.
            known: The pipelines the board has read already (none: they are read too).
            done: Receives the deal and the pipelines.
            failed: Receives why not (``not_found`` when it is gone or out of reach).
        """

        async def read() -> tuple[Opportunity, list[Pipeline]]:
            record = await self._records.get(OPPORTUNITIES, opportunity_id)
            pipelines = list(known) if known else await self._pipelines.pipelines()
            return record, pipelines

        return self._run(read(), done, failed, "pipeline-open-deal")

    def load_owners(self, done: Callable[[dict[str, str]], None]) -> asyncio.Task[dict[str, str]]:
        """Fetch the colleagues' names (for owners' initials); a failure leaves cards without."""

        async def names() -> dict[str, str]:
            page = await self._users.page()
            return {user.id: user.name for user in page.items}

        return self._run(names(), done, _logged, "pipeline-owners")

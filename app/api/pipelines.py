"""Pipelines, the board and opportunities over the gateway: typed calls and their answers.

Amounts arrive as decimal strings (``"12345.67"``) and are read as
:class:`~decimal.Decimal`, exactly; they leave the same way. A write names the
version it was based on (``If-Match``), so a change made meanwhile by someone
else is refused (412) instead of overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import RECORDS_PAGE_SIZE, GatewayClient, etag_of, list_params
from app.api.models import Account, Contact, Page, UserPage

CARDS_PAGE_SIZE = RECORDS_PAGE_SIZE
"""How many cards a board column asks for at once."""

CARD_SORT = "close_date"
"""Columns list the deals closing soonest first (those without a date last)."""

MAX_PAGE = 200
"""The most records one list call returns (the server's limit)."""

ID_BATCH = 100
"""How many ids one ``filter=id:in:…`` names (the query string stays a few KB)."""

OPEN, WON, LOST = "open", "won", "lost"


class Stage(BaseModel):
    """One step of a pipeline.

    Attributes:
        id: The stage's id.
        name: What the team calls it ("Proposal").
        position: Its place in the pipeline, from 0.
        probability: The chance (percent) a deal here closes won, unless the deal overrides it.
        outcome: ``"open"``, or ``"won"`` / ``"lost"`` for the stages that close a deal.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    position: int = 0
    probability: int = 0
    outcome: str = OPEN

    @property
    def closes(self) -> bool:
        """Whether putting a deal here closes it (won or lost)."""
        return self.outcome != OPEN


class Pipeline(BaseModel):
    """A sales process: its stages in order.

    Attributes:
        id: The pipeline's id.
        name: Its name ("Sales").
        is_default: Whether new deals go here unless told otherwise.
        stages: The stages, first to last.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    is_default: bool = False
    stages: list[Stage] = Field(default_factory=list)

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with ``stage_id``, if it is one of this pipeline's."""
        return next((s for s in self.stages if s.id == stage_id), None)


class PipelineList(BaseModel):
    """``GET /pipelines``: every pipeline, the default one first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[Pipeline]


class StageTotals(BaseModel):
    """One column of the board as the server counts it.

    Attributes:
        stage: The stage.
        count: How many deals are in it.
        totals: Their summed amount per currency (never converted between currencies).
        weighted: Each amount times its probability, summed per currency.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: Stage
    count: int
    totals: dict[str, Decimal] = Field(default_factory=dict)
    weighted: dict[str, Decimal] = Field(default_factory=dict)


class Board(BaseModel):
    """``GET /pipelines/{id}/board``: the pipeline and its columns' totals."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    pipeline: Pipeline
    columns: list[StageTotals]


class OpportunityRecord(BaseModel):
    """An opportunity (a deal) with everything the board and the editor show.

    Attributes:
        id: The opportunity's id.
        name: What the deal is.
        account_id: The account it is with.
        primary_contact_id: The person it is mainly with.
        amount: Its value, exact; ``None`` when not known yet.
        currency: The ISO code of the amount.
        pipeline_id: The pipeline it is in.
        stage_id: Its stage.
        probability_override: A chance (percent) set for this deal; ``None`` = the stage's.
        probability: The chance in use (the override or the stage's).
        weighted_amount: ``amount * probability / 100``, rounded to the cent.
        close_date: When it is expected to close (or closed).
        status: ``"open"``, ``"won"`` or ``"lost"`` (follows the stage).
        closed_reason: Why it was won or lost.
        owner_id: The user who owns it.
        version: Its version; a write names it so a newer one is not overwritten.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    account_id: str | None = None
    primary_contact_id: str | None = None
    amount: Decimal | None = None
    currency: str = "USD"
    pipeline_id: str = ""
    stage_id: str = ""
    probability_override: int | None = None
    probability: int = 0
    weighted_amount: Decimal | None = None
    close_date: date | None = None
    status: str = OPEN
    closed_reason: str | None = None
    closed_at: datetime | None = None
    owner_id: str | None = None
    version: int = 0
    updated_at: datetime | None = None

    @property
    def if_match(self) -> str:
        """The ``If-Match`` value of this version (the server's ETag is the quoted version)."""
        return etag_of(self.version)


OpportunityRecordPage = Page[OpportunityRecord]


def wire(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` as JSON: amounts as decimal strings, dates as ISO text.

    Decimals are written digit for digit (``format(d, "f")``), never through a float.
    """
    body: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, Decimal):
            body[key] = format(value, "f")
        elif isinstance(value, date):
            body[key] = value.isoformat()
        else:
            body[key] = value
    return body


class PipelinesApi:
    """The calls of the Pipeline board and the opportunity editor.

    Args:
        client: The signed-in gateway client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    @property
    def client(self) -> GatewayClient:
        """The gateway client the calls go through."""
        return self._client

    # ------------------------------------------------------------------ pipelines

    async def pipelines(self) -> list[Pipeline]:
        """Every pipeline of the company with its stages (the default one first)."""
        answer = await self._client.call_json("GET", "/api/v1/pipelines", PipelineList)
        return answer.items

    async def board(self, pipeline_id: str) -> Board:
        """Per stage of ``pipeline_id``: how many deals, their total and weighted total.

        Raises:
            ApiError: ``not_found`` (404) for an unknown pipeline.
        """
        return await self._client.call_json("GET", f"/api/v1/pipelines/{pipeline_id}/board", Board)

    async def stage_page(
        self,
        stage_id: str,
        cursor: str | None = None,
        *,
        limit: int = CARDS_PAGE_SIZE,
        sort: str = CARD_SORT,
    ) -> OpportunityRecordPage:
        """One page of the deals in a stage (keyset-paged by the server).

        Args:
            stage_id: The stage.
            cursor: The ``next_cursor`` of the page before; ``None`` for the first.
            limit: At most this many deals.
            sort: The server's sort key.
        """
        params = list_params(cursor, sort, (f"stage_id:eq:{stage_id}",), limit)
        return await self._client.call_json(
            "GET", "/api/v1/opportunities", OpportunityRecordPage, params=params
        )

    async def opportunities_by_id(self, opportunity_ids: Sequence[str]) -> list[OpportunityRecord]:
        """The opportunities with these ids that still exist and the user may see
        (``filter=id:in:…``, one call per 100 ids); the others are left out.
        """
        found: list[OpportunityRecord] = []
        for start in range(0, len(opportunity_ids), ID_BATCH):
            chunk = opportunity_ids[start : start + ID_BATCH]
            params = list_params(None, None, (f"id:in:{','.join(chunk)}",), len(chunk))
            page = await self._client.call_json(
                "GET", "/api/v1/opportunities", OpportunityRecordPage, params=params
            )
            found.extend(page.items)
        return found

    # ------------------------------------------------------------------ opportunities

    async def opportunity(self, opportunity_id: str) -> OpportunityRecord:
        """The current version of one opportunity.

        Raises:
            ApiError: ``not_found`` (404) when it is gone or out of reach.
        """
        return await self._client.call_json(
            "GET", f"/api/v1/opportunities/{opportunity_id}", OpportunityRecord
        )

    async def create_opportunity(self, fields: Mapping[str, Any]) -> OpportunityRecord:
        """Create an opportunity from ``fields`` (``name`` at least).

        Raises:
            ApiError: ``validation_error`` (422) naming the fields that are not right.
        """
        return await self._client.call_json(
            "POST", "/api/v1/opportunities", OpportunityRecord, json=wire(fields), status=201
        )

    async def update_opportunity(
        self, opportunity_id: str, changes: Mapping[str, Any], if_match: str
    ) -> OpportunityRecord:
        """Change the fields in ``changes`` of the version ``if_match`` names.

        Moving a deal to a won or lost stage closes it; the server sets its status.

        Raises:
            ApiError: ``stale_write`` (412) when someone changed it since that version,
                ``not_found`` (404), ``forbidden`` (403), ``validation_error`` (422).
        """
        return await self._client.call_json(
            "PATCH",
            f"/api/v1/opportunities/{opportunity_id}",
            OpportunityRecord,
            json=wire(changes),
            headers={"If-Match": if_match},
        )

    # ------------------------------------------------------------------ what a deal refers to

    async def account(self, account_id: str) -> Account:
        """One account (for its name)."""
        return await self._client.call_json("GET", f"/api/v1/accounts/{account_id}", Account)

    async def accounts_by_id(self, account_ids: Sequence[str]) -> list[Account]:
        """The accounts with these ids that still exist and the user may see
        (``filter=id:in:…``, one call per 100 ids); the others are left out."""
        found: list[Account] = []
        for start in range(0, len(account_ids), ID_BATCH):
            chunk = account_ids[start : start + ID_BATCH]
            page = await self._client.accounts(
                filters=(f"id:in:{','.join(chunk)}",), limit=len(chunk)
            )
            found.extend(page.items)
        return found

    async def find_accounts(self, text: str, limit: int = 20) -> list[Account]:
        """Accounts whose name contains ``text``, by name."""
        text = text.strip()
        filters = (f"name:contains:{text}",) if text else ()
        page = await self._client.accounts(sort="name", filters=filters, limit=limit)
        return page.items

    async def contacts_of(self, account_id: str, limit: int = 200) -> list[Contact]:
        """The contacts of an account, by last name (the first ``limit``)."""
        page = await self._client.contacts(
            sort="last_name", filters=(f"account_id:eq:{account_id}",), limit=limit
        )
        return page.items

    async def colleagues(self) -> UserPage:
        """The first page of the company's users (for owners' initials)."""
        return await self._client.users()

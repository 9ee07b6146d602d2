"""Pipelines and their board (``/pipelines``): the stages deals go through, and per stage
how many deals there are and what they add up to.

Totals arrive as decimal strings and are read as :class:`~decimal.Decimal`, exactly,
per currency (never converted). The deals themselves are opportunities
(:mod:`app.api.records`), listed per stage with a ``stage_id`` filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient
from app.api.records import OPEN


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


@dataclass(frozen=True)
class StageDraft:
    """A stage as an admin edits it (``id`` empty: a new one).

    Attributes:
        id: The stage's id, or ``""`` for a new stage.
        name: Its name.
        probability: Its win probability, in percent.
        outcome: ``"open"``, ``"won"`` or ``"lost"``.
    """

    id: str
    name: str
    probability: int
    outcome: str = OPEN

    @classmethod
    def of(cls, stage: Stage) -> StageDraft:
        """The draft of an existing stage, as it is."""
        return cls(stage.id, stage.name, stage.probability, stage.outcome)


class PipelinesApi:
    """The pipeline calls.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def pipelines(self) -> list[Pipeline]:
        """Every pipeline of the company with its stages (the default one first)."""
        answer = await self._client.call_json("GET", "/api/v1/pipelines", PipelineList)
        return answer.items

    async def board(self, pipeline_id: str, owner_id: str | None = None) -> Board:
        """Per stage of ``pipeline_id``: how many deals, their total and weighted total
        (of one owner's deals with ``owner_id``; ``"me"``: the signed-in user's).

        Raises:
            ApiError: ``not_found`` (404) for an unknown pipeline.
        """
        params = {"owner_id": owner_id} if owner_id else None
        return await self._client.call_json(
            "GET", f"/api/v1/pipelines/{pipeline_id}/board", Board, params=params
        )

    async def edit_stages(self, pipeline_id: str, stages: Sequence[StageDraft]) -> Pipeline:
        """Give the pipeline these stages, in this order (admins): existing ones (with an
        id) renamed, re-weighted, moved; new ones (no id) added; those left out removed.

        Raises:
            ApiError: ``conflict`` (409) when a stage left out (or whose outcome changes)
                holds deals; ``validation_error`` (422) naming ``stages``; ``forbidden``.
        """
        body = {
            "stages": [
                {
                    **({"id": stage.id} if stage.id else {}),
                    "name": stage.name,
                    "probability": stage.probability,
                    "outcome": stage.outcome,
                }
                for stage in stages
            ]
        }
        return await self._client.call_json(
            "PUT", f"/api/v1/pipelines/{pipeline_id}/stages", Pipeline, json=body
        )

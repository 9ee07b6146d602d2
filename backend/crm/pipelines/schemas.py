"""Request and response bodies of pipelines, stages and the board."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, StrictInt, field_validator
from pydantic.config import JsonDict

from backend.crm.schemas import In, Out, Short, Total


# ---------------------------------------------------------------- pipelines
class StageIn(In):
    name: Short
    probability: StrictInt = Field(ge=0, le=100)
    outcome: Literal["open", "won", "lost"] = "open"


def _needs(outcome: str) -> JsonDict:
    return {"contains": {"type": "object", "properties": {"outcome": {"const": outcome}}}}


class PipelineIn(In):
    name: Short
    stages: list[StageIn] = Field(
        min_length=3,
        max_length=30,
        description="in order; at least one open stage, one won and one lost; names differ",
        json_schema_extra={"allOf": [_needs("open"), _needs("won"), _needs("lost")]},
    )

    @field_validator("stages")
    @classmethod
    def _outcomes(cls, stages: list[StageIn]) -> list[StageIn]:
        outcomes = [s.outcome for s in stages]
        if "won" not in outcomes or "lost" not in outcomes or "open" not in outcomes:
            raise ValueError("need at least one open stage, one won stage and one lost stage")
        if len({s.name.lower() for s in stages}) != len(stages):
            raise ValueError("stage names must differ")
        return stages


class StageEdit(StageIn):
    """A stage as the pipeline's editor has it: ``id`` for one that exists, none for a new one."""

    id: uuid.UUID | None = None


class StagesIn(In):
    """Every stage of a pipeline, in their new order."""

    stages: list[StageEdit] = Field(
        min_length=3,
        max_length=30,
        description="in order; at least one open stage, one won and one lost; names differ; "
        "a stage left out is removed (refused while it holds deals)",
        json_schema_extra={"allOf": [_needs("open"), _needs("won"), _needs("lost")]},
    )

    @field_validator("stages")
    @classmethod
    def _outcomes(cls, stages: list[StageEdit]) -> list[StageEdit]:
        PipelineIn._outcomes(stages)  # type: ignore[arg-type]
        ids = [s.id for s in stages if s.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("a stage is listed twice")
        return stages


class PipelineRename(In):
    name: Short


class StageOut(Out):
    id: uuid.UUID
    name: str
    position: int
    probability: int
    outcome: str


class PipelineOut(Out):
    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageOut] = []


class PipelineList(BaseModel):
    items: list[PipelineOut]


class StageTotals(BaseModel):
    """One column of the board: per currency, since amounts are never converted."""

    stage: StageOut
    count: int
    totals: dict[str, Total]
    weighted: dict[str, Total]


class Board(BaseModel):
    pipeline: PipelineOut
    columns: list[StageTotals]

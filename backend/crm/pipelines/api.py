"""Routes of pipelines, their stages and the board (``/api/v1/pipelines``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backend.crm.deps import AccessDep, E
from backend.crm.models import Pipeline, Stage
from backend.crm.pipelines import schemas as s
from backend.crm.pipelines.service import PipelineService, StageChange, board_owners
from backend.kit.security import CurrentPrincipal, Permission, Principal, requires
from backend.kit.tenancy import TenantSessionDep

router = APIRouter(tags=["pipelines"])
SettingsManager = Annotated[Principal, requires(Permission.SETTINGS_MANAGE)]


def _pipeline_out(pipeline: Pipeline, stages: list[Stage]) -> s.PipelineOut:
    return s.PipelineOut.model_validate(pipeline).model_copy(
        update={"stages": [s.StageOut.model_validate(x) for x in stages]}
    )


@router.get("/pipelines", response_model=s.PipelineList, responses=E)
async def list_pipelines(session: TenantSessionDep, _: CurrentPrincipal) -> s.PipelineList:
    """Every pipeline with its stages (the default one first; made on first use)."""
    return s.PipelineList(
        items=[_pipeline_out(p, st) for p, st in await PipelineService(session).all()]
    )


@router.post("/pipelines", response_model=s.PipelineOut, status_code=201, responses=E)
async def create_pipeline(
    body: s.PipelineIn, session: TenantSessionDep, _: SettingsManager
) -> s.PipelineOut:
    service = PipelineService(session)
    pipeline = await service.create(
        body.name, [(x.name, x.probability, x.outcome) for x in body.stages]
    )
    return _pipeline_out(*await service.get(pipeline.id))


@router.get("/pipelines/{pipeline_id}", response_model=s.PipelineOut, responses=E)
async def get_pipeline(
    pipeline_id: uuid.UUID, session: TenantSessionDep, _: CurrentPrincipal
) -> s.PipelineOut:
    return _pipeline_out(*await PipelineService(session).get(pipeline_id))


@router.patch("/pipelines/{pipeline_id}", response_model=s.PipelineOut, responses=E)
async def rename_pipeline(
    pipeline_id: uuid.UUID, body: s.PipelineRename, session: TenantSessionDep, _: SettingsManager
) -> s.PipelineOut:
    return _pipeline_out(*await PipelineService(session).rename(pipeline_id, body.name))


@router.put("/pipelines/{pipeline_id}/stages", response_model=s.PipelineOut, responses=E)
async def edit_stages(
    pipeline_id: uuid.UUID, body: s.StagesIn, session: TenantSessionDep, _: SettingsManager
) -> s.PipelineOut:
    """Give the pipeline these stages in this order (admins): names, win probabilities
    and outcomes; stages without an id are added, stages left out removed (409 while
    they hold deals)."""
    changes = [StageChange(x.id, x.name, x.probability, x.outcome) for x in body.stages]
    return _pipeline_out(*await PipelineService(session).edit_stages(pipeline_id, changes))


@router.get("/pipelines/{pipeline_id}/board", response_model=s.Board, responses=E)
async def board(
    pipeline_id: uuid.UUID,
    session: TenantSessionDep,
    access: AccessDep,
    owner_id: Annotated[
        uuid.UUID | Literal["me"] | None,
        Query(description="only this owner's deals (``me``: the caller's)"),
    ] = None,
) -> s.Board:
    """Per stage: how many deals, their total and weighted total, per currency (of one
    owner's deals with ``owner_id``)."""
    pipeline, stages, columns = await PipelineService(session).board(
        pipeline_id, board_owners(access, owner_id)
    )
    return s.Board(
        pipeline=_pipeline_out(pipeline, stages),
        columns=[
            s.StageTotals(
                stage=s.StageOut.model_validate(c.stage),
                count=c.count,
                totals=c.totals,
                weighted=c.weighted,
            )
            for c in columns
        ],
    )

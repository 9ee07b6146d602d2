"""Pipelines and their ordered stages; every company gets a default pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm.models import Pipeline, Stage
from backend.crm.pipelines.repository import PipelineRepository
from backend.kit.access import Access
from backend.kit.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from backend.kit.security import Permission

DEFAULT_STAGES: tuple[tuple[str, int, str], ...] = (
    ("Prospecting", 10, "open"),
    ("Qualification", 20, "open"),
    ("Discovery", 40, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Closed Won", 100, "won"),
    ("Closed Lost", 0, "lost"),
)


@dataclass(frozen=True)
class StageChange:
    """A stage as a pipeline's editor wants it (``id`` ``None``: a new one)."""

    id: uuid.UUID | None
    name: str
    probability: int
    outcome: str


@dataclass(frozen=True)
class StageColumn:
    """One column of the board."""

    stage: Stage
    count: int
    totals: dict[str, Decimal]
    weighted: dict[str, Decimal]


def board_owners(
    access: Access, owner_id: uuid.UUID | Literal["me"] | None
) -> frozenset[uuid.UUID] | None:
    """Whose deals the board counts: those within the caller's reach, of one owner
    (``"me"``: the caller) if asked; an owner out of reach counts nothing."""
    reach = access.owners(Permission.RECORDS_READ)
    if owner_id is None:
        return reach
    wanted = access.principal.user_id if owner_id == "me" else owner_id
    if reach is not None and wanted not in reach:
        return frozenset()
    return frozenset({wanted})


def weighted(amount: Decimal | None, probability: int) -> Decimal | None:
    if amount is None:
        return None
    return (amount * probability / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class PipelineService:
    """Pipelines and their ordered stages; every company gets a default pipeline."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = PipelineRepository.from_session(session)

    async def default(self) -> Pipeline:
        pipeline = await self.repo.default()
        if pipeline is None:
            pipeline = await self.create("Sales", DEFAULT_STAGES, is_default=True)
        return pipeline

    async def create(
        self, name: str, stages: Sequence[tuple[str, int, str]], *, is_default: bool = False
    ) -> Pipeline:
        pipeline = Pipeline(id=uuid.uuid4(), name=name, is_default=is_default)
        await self.repo.create(pipeline)
        await self.repo.add_stages(
            [
                Stage(
                    id=uuid.uuid4(), pipeline_id=pipeline.id, name=stage_name,
                    position=position, probability=probability, outcome=outcome,
                )
                for position, (stage_name, probability, outcome) in enumerate(stages)
            ]
        )  # fmt: skip
        return pipeline

    async def all(self) -> list[tuple[Pipeline, list[Stage]]]:
        await self.default()
        pipelines = list(await self.repo.all())
        stages = await self.repo.stages([p.id for p in pipelines])
        return [(p, [s for s in stages if s.pipeline_id == p.id]) for p in pipelines]

    async def get(self, pipeline_id: uuid.UUID) -> tuple[Pipeline, list[Stage]]:
        pipeline = await self.repo.get(pipeline_id)
        if pipeline is None:
            raise NotFound("Pipeline", pipeline_id)
        return pipeline, list(await self.repo.stages([pipeline.id]))

    async def rename(self, pipeline_id: uuid.UUID, name: str) -> tuple[Pipeline, list[Stage]]:
        pipeline, stages = await self.get(pipeline_id)
        pipeline.name = name
        await self.session.flush()
        return pipeline, stages

    async def edit_stages(
        self, pipeline_id: uuid.UUID, wanted: Sequence[StageChange]
    ) -> tuple[Pipeline, list[Stage]]:
        """Give the pipeline these stages, in this order: existing ones (by id) renamed,
        re-weighted and moved, new ones added, those left out removed.

        Raises:
            NotFound: no such pipeline.
            ValidationFailed: an id that is not one of its stages (``body.stages``).
            Conflict: a stage left out, or whose outcome changes, still holds deals
                (``body.stages``; move them first).
        """
        pipeline, stages = await self.get(pipeline_id)
        current = {stage.id: stage for stage in stages}
        unknown = [w.id for w in wanted if w.id is not None and w.id not in current]
        if unknown:
            raise ValidationFailed.for_field(
                "body.stages", f"{unknown[0]} is not a stage of this pipeline"
            )
        kept = {w.id for w in wanted if w.id is not None}
        gone = [stage for stage in stages if stage.id not in kept]
        recast = [
            current[w.id] for w in wanted if w.id is not None and current[w.id].outcome != w.outcome
        ]
        deals = await self.repo.deals_per_stage([s.id for s in (*gone, *recast)])
        for stage in (*gone, *recast):
            held = deals.get(stage.id, 0)
            if held:
                verb = "removed" if stage in gone else "made a won, lost or open stage"
                raise Conflict(
                    f"{stage.name} holds {held} deal{'s' if held != 1 else ''}, so it cannot be "
                    f"{verb}; move its deals to another stage first.",
                    details=[ErrorDetail(field="body.stages", message=f"{stage.name} holds deals")],
                )
        await self.repo.remove_stages(gone)
        added: list[Stage] = []
        for position, change in enumerate(wanted):
            if change.id is None:
                added.append(
                    Stage(
                        id=uuid.uuid4(), pipeline_id=pipeline.id, name=change.name,
                        position=position, probability=change.probability, outcome=change.outcome,
                    )
                )  # fmt: skip
                continue
            stage = current[change.id]
            stage.name, stage.probability = change.name, change.probability
            stage.outcome, stage.position = change.outcome, position
        await self.repo.add_stages(added)
        return pipeline, list(await self.repo.stages([pipeline.id]))

    async def stage_or_first(self, stage_id: uuid.UUID | None) -> Stage:
        """The given stage, or the first stage of the default pipeline.

        Raises:
            ValidationFailed: an unknown stage id (field ``body.stage_id``).
        """
        if stage_id is None:
            _, stages = await self.get((await self.default()).id)
            return stages[0]
        stage = await self.repo.stage(stage_id)
        if stage is None:
            raise ValidationFailed.for_field("body.stage_id", "is not a stage of your pipelines")
        return stage

    async def stages_by_id(self, pipeline_ids: set[uuid.UUID]) -> dict[uuid.UUID, Stage]:
        return {s.id: s for s in await self.repo.stages(list(pipeline_ids))}

    async def board(
        self, pipeline_id: uuid.UUID, owners: frozenset[uuid.UUID] | None
    ) -> tuple[Pipeline, list[Stage], list[StageColumn]]:
        """Per stage: how many open deals the caller reaches, their total and weighted
        total per currency (amounts are never converted between currencies)."""
        pipeline, stages = await self.get(pipeline_id)
        rows = await self.repo.board(pipeline_id, owners)
        columns = []
        for stage in stages:
            mine = [r for r in rows if r[0] == stage.id]
            columns.append(
                StageColumn(
                    stage=stage,
                    count=sum(r[2] for r in mine),
                    totals={r[1]: r[3] for r in mine},
                    weighted={r[1]: round(r[4], 2) for r in mine},
                )
            )
        return pipeline, stages, columns

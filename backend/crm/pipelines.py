"""Pipelines and their ordered stages; every company gets a default pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm.models import Pipeline, Stage
from backend.crm.repository import PipelineRepository
from backend.kit.errors import NotFound, ValidationFailed

DEFAULT_STAGES: tuple[tuple[str, int, str], ...] = (
    ("Prospecting", 10, "open"),
    ("Qualification", 20, "open"),
    ("Discovery", 40, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Closed Won", 100, "won"),
    ("Closed Lost", 0, "lost"),
)


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
        for position, (stage_name, probability, outcome) in enumerate(stages):
            self.session.add(
                Stage(
                    id=uuid.uuid4(), customer_id=self.repo.customer_id, pipeline_id=pipeline.id,
                    name=stage_name, position=position, probability=probability, outcome=outcome,
                )
            )  # fmt: skip
        await self.session.flush()
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
    ) -> tuple[Pipeline, list[Stage], list[Any]]:
        pipeline, stages = await self.get(pipeline_id)
        return pipeline, stages, await self.repo.board(pipeline_id, owners)

"""All SQL of pipelines, their stages, and the board's totals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from backend.crm.models import Opportunity, Pipeline, Stage
from backend.kit.repository import TenantRepositoryBase


class PipelineRepository(TenantRepositoryBase[Pipeline]):
    model = Pipeline

    async def default(self) -> Pipeline | None:
        return await self.get_one_or_none(self.select().where(Pipeline.is_default.is_(True)))

    async def all(self) -> Sequence[Pipeline]:
        return await self.get_all(self.select().order_by(Pipeline.is_default.desc(), Pipeline.name))

    async def stages(self, pipeline_ids: Sequence[uuid.UUID]) -> Sequence[Stage]:
        stmt = (
            select(Stage)
            .where(Stage.customer_id == self.customer_id, Stage.pipeline_id.in_(pipeline_ids))
            .order_by(Stage.pipeline_id, Stage.position)
        )
        return (await self.session.scalars(stmt)).all()

    async def stage(self, stage_id: uuid.UUID) -> Stage | None:
        stmt = select(Stage).where(Stage.customer_id == self.customer_id, Stage.id == stage_id)
        return await self.session.scalar(stmt)

    async def board(self, pipeline_id: uuid.UUID, owners: frozenset[uuid.UUID] | None) -> list[Any]:
        """Per stage and currency: count, total amount, weighted amount."""
        probability = func.coalesce(Opportunity.probability_override, Stage.probability)
        stmt = (
            select(
                Opportunity.stage_id,
                Opportunity.currency,
                func.count(),
                func.coalesce(func.sum(Opportunity.amount), 0),
                func.coalesce(func.sum(Opportunity.amount * probability / 100), 0),
            )
            .join(Stage, Stage.id == Opportunity.stage_id)
            .where(
                Opportunity.customer_id == self.customer_id,
                Opportunity.pipeline_id == pipeline_id,
                Opportunity.deleted_at.is_(None),
            )
            .group_by(Opportunity.stage_id, Opportunity.currency)
        )
        if owners is not None:
            stmt = stmt.where(Opportunity.owner_id.in_(owners))
        return list((await self.session.execute(stmt)).all())

    async def add_stages(self, stages: Sequence[Stage]) -> None:
        for stage in stages:
            stage.customer_id = self.customer_id
        self.session.add_all(stages)
        await self.session.flush()

    async def deals_per_stage(self, stage_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """How many deals (live or in the trash) each of ``stage_ids`` holds."""
        if not stage_ids:
            return {}
        stmt = (
            select(Opportunity.stage_id, func.count())
            .where(Opportunity.customer_id == self.customer_id, Opportunity.stage_id.in_(stage_ids))
            .group_by(Opportunity.stage_id)
        )
        return {row[0]: row[1] for row in (await self.session.execute(stmt)).all()}

    async def remove_stages(self, stages: Sequence[Stage]) -> None:
        for stage in stages:
            await self.session.delete(stage)
        await self.session.flush()

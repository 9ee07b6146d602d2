"""The company set-up an admin changes in Settings: custom fields and pipeline stages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from app.api.client import GatewayClient
from app.api.fields import CustomField, FieldsApi
from app.api.pipelines import Pipeline, PipelinesApi, StageDraft
from app.ops import FailureHandler, Operations

T = TypeVar("T")


class AdminOps:
    """Custom fields and pipeline stages, through the gateway (admins only).

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._fields = FieldsApi(client)
        self._pipelines = PipelinesApi(client)
        self._ops = ops

    def _run(
        self,
        work: Coroutine[Any, Any, T],
        done: Callable[[T], None],
        failed: FailureHandler,
        name: str,
    ) -> asyncio.Task[T]:
        return self._ops.run(work, on_success=done, on_failure=failed, name=name)

    def load_fields(
        self, object_type: str, done: Callable[[list[CustomField]], None], failed: FailureHandler
    ) -> asyncio.Task[list[CustomField]]:
        """The custom fields of ``object_type``, in their order."""

        async def read() -> list[CustomField]:
            found = await self._fields.custom_fields(object_type)
            return sorted(found, key=lambda f: (f.position, f.label.casefold()))

        return self._run(read(), done, failed, "admin-fields")

    def create_field(
        self,
        object_type: str,
        values: dict[str, Any],
        done: Callable[[CustomField], None],
        failed: FailureHandler,
    ) -> asyncio.Task[CustomField]:
        """Add a field: ``key``, ``label``, ``field_type``, ``options``, ``position``."""
        work = self._fields.create_custom_field(
            object_type,
            values["key"],
            values["label"],
            values["field_type"],
            options=values.get("options", ()),
            position=values.get("position", 0),
        )
        return self._run(work, done, failed, "admin-field-create")

    def change_field(
        self,
        field_id: str,
        changes: dict[str, Any],
        done: Callable[[CustomField], None],
        failed: FailureHandler,
    ) -> asyncio.Task[CustomField]:
        """Rename a field, or change its choices."""
        work = self._fields.update_custom_field(field_id, **changes)
        return self._run(work, done, failed, "admin-field-change")

    def reorder_fields(
        self, field_ids: Sequence[str], done: Callable[[None], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Give the fields ``field_ids`` the positions of their order."""

        async def work() -> None:
            for position, field_id in enumerate(field_ids):
                await self._fields.update_custom_field(field_id, position=position)

        return self._run(work(), done, failed, "admin-field-order")

    def retire_field(
        self, field_id: str, done: Callable[[None], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Remove a field's definition (the values stay in the records)."""
        work = self._fields.retire_custom_field(field_id)
        return self._run(work, done, failed, "admin-field-retire")

    def load_pipelines(
        self, done: Callable[[list[Pipeline]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Pipeline]]:
        """Every pipeline with its stages."""
        return self._run(self._pipelines.pipelines(), done, failed, "admin-pipelines")

    def save_stages(
        self,
        pipeline_id: str,
        stages: Sequence[StageDraft],
        done: Callable[[Pipeline], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Pipeline]:
        """Give the pipeline these stages, in this order."""
        work = self._pipelines.edit_stages(pipeline_id, stages)
        return self._run(work, done, failed, "admin-stages")

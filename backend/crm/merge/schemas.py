"""Request and response bodies of duplicate suggestions and merges."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from backend.crm.schemas import In


# ---------------------------------------------------------------- duplicates, merge
class DuplicateGroup(BaseModel):
    """Records that look like one: same domain/email, or the same name."""

    reason: str
    key: str
    record_ids: list[uuid.UUID]


class DuplicateList(BaseModel):
    items: list[DuplicateGroup]


class MergeIn(In):
    winner_id: uuid.UUID
    loser_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    fields: dict[str, uuid.UUID] = Field(
        default={}, description="field -> the record whose value to keep (default: the winner's)"
    )


class MergeOut(BaseModel):
    merge_id: uuid.UUID | None
    """The audit of the merge; ``null`` when there was nothing to merge."""
    winner_id: uuid.UUID
    merged_ids: list[uuid.UUID]
    moved: dict[str, int]

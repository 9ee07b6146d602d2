"""Request and response bodies of duplicate suggestions and merges."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, EmailStr, Field

from backend.crm.schemas import Domain, In


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


class AccountCheckIn(In):
    """An account about to be made, as its form has it."""

    name: str | None = Field(default=None, max_length=200)
    domain: Domain = None


class ContactCheckIn(In):
    """A contact about to be made, as its form has it."""

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: EmailStr | None = None


class LikelyDuplicate(BaseModel):
    """A record the new one would duplicate.

    ``name`` is the account's name or the contact's whole name; ``visible`` says
    whether the caller may open it (a colleague's record is named, not shown).
    """

    id: uuid.UUID
    name: str
    reason: str
    owner_id: uuid.UUID | None
    visible: bool


class LikelyDuplicates(BaseModel):
    items: list[LikelyDuplicate]

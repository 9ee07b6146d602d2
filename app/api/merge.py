"""Duplicates and merges of accounts and contacts (``/{kind}/duplicates``, ``…/merge``,
``…/duplicates/check``): the crm's merge area.

Three calls: the groups of records that look like one (``duplicates``), the records a
record about to be made would duplicate (``likely``, whoever owns them: a rep learns a
colleague has the account already), and the merge itself, which keeps one record with
the values chosen per field, moves what pointed at the others onto it and puts the
others in the trash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient
from app.api.records import RecordKind


class DuplicateGroup(BaseModel):
    """Records that look like one.

    Attributes:
        reason: Why: ``"same domain"``, ``"same email"`` or ``"same name"``.
        key: What they share (``acme.com``, ``ada lovelace``).
        record_ids: The records, oldest first.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    reason: str
    key: str
    record_ids: list[str] = Field(default_factory=list)


class DuplicateList(BaseModel):
    """``GET /{kind}/duplicates``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[DuplicateGroup]


class LikelyDuplicate(BaseModel):
    """A record a new one would duplicate.

    Attributes:
        id: The record.
        name: The account's name, or the contact's whole name.
        reason: ``"same domain"``, ``"same email"`` or ``"same name"``.
        owner_id: Whose it is.
        visible: Whether the signed-in user may open it (a colleague's is named only).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    reason: str
    owner_id: str | None = None
    visible: bool = True


class LikelyDuplicates(BaseModel):
    """``POST /{kind}/duplicates/check``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[LikelyDuplicate]


class MergeResult(BaseModel):
    """``POST /{kind}/merge``.

    Attributes:
        winner_id: The record kept.
        merged_ids: The records merged into it (now in the trash).
        moved: How many related records were moved to it, by ``table.column``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    winner_id: str
    merged_ids: list[str] = Field(default_factory=list)
    moved: dict[str, int] = Field(default_factory=dict)


CHECKED_FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("name", "domain"),
    "contact": ("first_name", "last_name", "email"),
}
"""What a duplicate check of each kind looks at, as the create form has it."""


class MergeApi:
    """Duplicate suggestions and merges.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def duplicates(self, kind: RecordKind[Any], limit: int = 50) -> list[DuplicateGroup]:
        """Groups of ``kind`` (accounts or contacts) within reach that look like one."""
        answer = await self._client.call_json(
            "GET", f"{kind.path}/duplicates", DuplicateList, params={"limit": limit}
        )
        return answer.items

    async def likely(
        self, kind: RecordKind[Any], values: Mapping[str, Any]
    ) -> list[LikelyDuplicate]:
        """The records a new one of ``kind`` with ``values`` would duplicate.

        Raises:
            ApiError: ``validation_error`` (422) naming a field (a domain that is none).
        """
        wanted = CHECKED_FIELDS.get(kind.object_type, ())
        body = {key: values[key] for key in wanted if values.get(key) not in (None, "")}
        if not body:
            return []
        answer = await self._client.call_json(
            "POST", f"{kind.path}/duplicates/check", LikelyDuplicates, json=body
        )
        return answer.items

    async def merge(
        self,
        kind: RecordKind[Any],
        winner_id: str,
        loser_ids: Sequence[str],
        fields: Mapping[str, str],
    ) -> MergeResult:
        """Merge ``loser_ids`` into ``winner_id``, keeping for each field in ``fields`` the
        value of the record it names (the winner's for the others).

        Raises:
            ApiError: ``validation_error`` naming a field; ``not_found``; ``forbidden``.
        """
        body = {"winner_id": winner_id, "loser_ids": list(loser_ids), "fields": dict(fields)}
        return await self._client.call_json("POST", f"{kind.path}/merge", MergeResult, json=body)

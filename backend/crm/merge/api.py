"""Duplicate suggestions and merges (``/api/v1/accounts/duplicates``, ``…/merge``, and
the same for contacts).

No ``from __future__ import annotations``: the check's body is annotated with the class
each kind is given, which FastAPI must see as a class.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.crm.deps import AccessDep, E
from backend.crm.merge import schemas as s
from backend.crm.merge.service import MergeService
from backend.crm.records.kinds import ACCOUNTS, CONTACTS, RecordKind
from backend.crm.records.service import record_service
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()


def _title(record: Any) -> str:
    if hasattr(record, "last_name"):
        return " ".join(p for p in (record.first_name, record.last_name) if p)
    return str(record.name)


def _merge_routes(
    path: str, tag: str, kind: RecordKind[Any], check_in: type[s.AccountCheckIn | s.ContactCheckIn]
) -> None:
    @router.post(
        f"{path}/duplicates/check",
        response_model=s.LikelyDuplicates,
        responses=E,
        tags=[tag],
        name=f"likely_duplicates_{tag}",
    )
    async def likely_duplicates(
        body: check_in,  # type: ignore[valid-type]
        session: TenantSessionDep,
        access: AccessDep,
    ) -> s.LikelyDuplicates:
        """The records a new one with these values would duplicate (same domain or
        email, or the same name), whoever owns them; ``visible`` is false for those the
        caller may not open."""
        service = MergeService(record_service(session, kind, access))
        found = await service.likely(body.model_dump())  # type: ignore[attr-defined]
        return s.LikelyDuplicates(
            items=[
                s.LikelyDuplicate(
                    id=record.id,
                    name=_title(record),
                    reason=reason,
                    owner_id=record.owner_id,
                    visible=visible,
                )
                for record, reason, visible in found
            ]
        )

    @router.get(
        f"{path}/duplicates",
        response_model=s.DuplicateList,
        responses=E,
        tags=[tag],
        name=f"duplicates_{tag}",
    )
    async def duplicates(
        session: TenantSessionDep,
        access: AccessDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> s.DuplicateList:
        """Groups of records that look like one (same domain/email, or the same name)."""
        groups = await MergeService(record_service(session, kind, access)).duplicates(limit)
        return s.DuplicateList(
            items=[s.DuplicateGroup(reason=r, key=k, record_ids=ids) for r, k, ids in groups]
        )

    @router.post(
        f"{path}/merge", response_model=s.MergeOut, responses=E, tags=[tag], name=f"merge_{tag}"
    )
    async def merge(body: s.MergeIn, session: TenantSessionDep, access: AccessDep) -> s.MergeOut:
        """Merge records into the winner: chosen values per field, related records moved to it,
        the others to the trash, and an audit of what was merged."""
        service = MergeService(record_service(session, kind, access))
        audit, moved = await service.merge(body.winner_id, body.loser_ids, body.fields)
        return s.MergeOut(
            merge_id=audit.id if audit else None,
            winner_id=body.winner_id,
            merged_ids=audit.merged_ids if audit else [],
            moved=moved,
        )


_merge_routes("/accounts", "accounts", ACCOUNTS, s.AccountCheckIn)
_merge_routes("/contacts", "contacts", CONTACTS, s.ContactCheckIn)

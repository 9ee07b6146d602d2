"""Duplicate suggestions and merges (``/api/v1/accounts/duplicates``, ``…/merge``, and
the same for contacts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend.crm.deps import AccessDep, E
from backend.crm.merge import schemas as s
from backend.crm.merge.service import MergeService
from backend.crm.records.kinds import ACCOUNTS, CONTACTS, RecordKind
from backend.crm.records.service import record_service
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()


def _merge_routes(path: str, tag: str, kind: RecordKind[Any]) -> None:
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


_merge_routes("/accounts", "accounts", ACCOUNTS)
_merge_routes("/contacts", "contacts", CONTACTS)

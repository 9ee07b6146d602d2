"""Routes of accounts, contacts and opportunities (``/api/v1/accounts`` and friends).

No ``from __future__ import annotations`` here: the route factory annotates bodies with
the classes it is given, which FastAPI must see as classes, not strings.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from backend.crm.deps import AccessDep, E, End, IfMatch, Limit, Quick, filters_of, sort_of
from backend.crm.records import schemas as s
from backend.crm.records.kinds import ACCOUNTS, CONTACTS, OPPORTUNITIES, RecordKind
from backend.crm.records.repository import FIELDS
from backend.crm.records.service import OpportunityService, RecordService, etag, record_service
from backend.kit.pagination import DEFAULT_LIMIT
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()


async def present(service: RecordService[Any], records: Sequence[Any]) -> list[Any]:
    """Records as their kind answers them (an opportunity with its probability and
    weighted amount)."""
    if not isinstance(service, OpportunityService):
        return list(records)
    return [
        s.OpportunityOut.model_validate(record).model_copy(
            update={"probability": probability, "weighted_amount": weighted}
        )
        for record, probability, weighted in await service.with_probabilities(records)
    ]


def _record_routes(
    path: str,
    tag: str,
    kind: RecordKind[Any],
    create_in: type[BaseModel],
    patch_in: type[BaseModel],
    out: type[BaseModel],
    page_out: type[BaseModel],
) -> None:
    """Register list/create/get/update/delete/restore/bulk routes for one record kind."""

    fields = FIELDS[kind.model]
    KindFilters = filters_of(fields)
    KindSort = sort_of(fields)

    async def one(service: RecordService[Any], record: Any, response: Response) -> Any:
        response.headers["ETag"] = etag(record)
        return (await present(service, [record]))[0]

    @router.get(path, response_model=page_out, responses=E, tags=[tag], name=f"list_{tag}")
    async def list_records(
        session: TenantSessionDep,
        access: AccessDep,
        filters: KindFilters = [],  # type: ignore[valid-type]  # noqa: B006 - FastAPI copies defaults
        sort: KindSort = None,  # type: ignore[valid-type]
        trash: bool = False,
        cursor: str | None = None,
        limit: Limit = DEFAULT_LIMIT,
        q: Quick = "",
        end: End = False,
    ) -> Any:
        """A page of the list: filtered (``filter``, and ``q`` as the filter box
        matches), sorted, keyset-paged; ``end=true`` gives its last page instead."""
        service = record_service(session, kind, access)
        items, next_cursor = await service.page(
            filters=filters, sort=sort, trash=trash, cursor=cursor, limit=limit, quick=q, end=end
        )
        return page_out(items=await present(service, items), next_cursor=next_cursor)

    @router.get(
        f"{path}/count",
        response_model=s.RecordCount,
        responses=E,
        tags=[tag],
        name=f"count_{tag}",
    )
    async def count_records(
        session: TenantSessionDep,
        access: AccessDep,
        filters: KindFilters = [],  # type: ignore[valid-type]  # noqa: B006 - FastAPI copies defaults
        trash: bool = False,
        q: Quick = "",
    ) -> s.RecordCount:
        """How many records the list (same ``filter``, ``q`` and ``trash``) holds: exact
        up to 10,000, the database's estimate beyond (``exact`` says which)."""
        service = record_service(session, kind, access)
        total, exact = await service.count(filters=filters, trash=trash, quick=q)
        return s.RecordCount(count=total, exact=exact)

    @router.post(
        path, response_model=out, status_code=201, responses=E, tags=[tag], name=f"create_{tag}"
    )
    async def create(
        body: create_in,  # type: ignore[valid-type]
        session: TenantSessionDep,
        access: AccessDep,
        response: Response,
    ) -> Any:
        service = record_service(session, kind, access)
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return await one(service, await service.create(values), response)

    @router.post(
        f"{path}/bulk-update",
        response_model=s.BulkResult,
        responses=E,
        tags=[tag],
        name=f"bulk_update_{tag}",
    )
    async def bulk_update(
        body: s.BulkUpdate[patch_in],  # type: ignore[valid-type]
        session: TenantSessionDep,
        access: AccessDep,
    ) -> s.BulkResult:
        changes = body.changes.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        service = record_service(session, kind, access)
        return s.BulkResult(count=await service.bulk_update(body.ids, changes))

    @router.post(
        f"{path}/bulk-delete",
        response_model=s.BulkResult,
        responses=E,
        tags=[tag],
        name=f"bulk_delete_{tag}",
    )
    async def bulk_delete(
        body: s.BulkIds, session: TenantSessionDep, access: AccessDep
    ) -> s.BulkResult:
        service = record_service(session, kind, access)
        return s.BulkResult(count=await service.bulk_delete(body.ids))

    @router.get(
        f"{path}/{{record_id}}", response_model=out, responses=E, tags=[tag], name=f"get_{tag}"
    )
    async def get(
        record_id: uuid.UUID, session: TenantSessionDep, access: AccessDep, response: Response
    ) -> Any:
        service = record_service(session, kind, access)
        return await one(service, await service.get(record_id), response)

    @router.patch(
        f"{path}/{{record_id}}", response_model=out, responses=E, tags=[tag], name=f"update_{tag}"
    )
    async def update(
        record_id: uuid.UUID,
        body: patch_in,  # type: ignore[valid-type]
        session: TenantSessionDep,
        access: AccessDep,
        response: Response,
        if_match: IfMatch = None,
    ) -> Any:
        """Change the fields sent; with ``If-Match``, refused (412) if someone changed it since."""
        service = record_service(session, kind, access)
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return await one(service, await service.update(record_id, changes, if_match), response)

    @router.delete(
        f"{path}/{{record_id}}", status_code=204, responses=E, tags=[tag], name=f"delete_{tag}"
    )
    async def delete(
        record_id: uuid.UUID, session: TenantSessionDep, access: AccessDep, if_match: IfMatch = None
    ) -> None:
        """Move to the trash; ``POST .../restore`` brings it back."""
        await record_service(session, kind, access).delete(record_id, if_match)

    @router.post(
        f"{path}/{{record_id}}/restore",
        response_model=out,
        responses=E,
        tags=[tag],
        name=f"restore_{tag}",
    )
    async def restore(
        record_id: uuid.UUID, session: TenantSessionDep, access: AccessDep, response: Response
    ) -> Any:
        service = record_service(session, kind, access)
        return await one(service, await service.restore(record_id), response)


_record_routes(
    "/accounts", "accounts", ACCOUNTS, s.AccountIn, s.AccountFields, s.AccountOut, s.AccountPage
)
_record_routes(
    "/contacts", "contacts", CONTACTS, s.ContactIn, s.ContactFields, s.ContactOut, s.ContactPage
)
_record_routes(
    "/opportunities",
    "opportunities",
    OPPORTUNITIES,
    s.OpportunityIn,
    s.OpportunityFields,
    s.OpportunityOut,
    s.OpportunityPage,
)

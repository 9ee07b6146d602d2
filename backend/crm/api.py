"""Routes of the CRM service (behind the gateway at ``/api/v1/accounts`` and friends).

No ``from __future__ import annotations`` here: the route factory annotates bodies with
the classes it is given, which FastAPI must see as classes, not strings.
"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ValidationError

from backend.crm import schemas as s
from backend.crm.api_transfer import router as transfer_router
from backend.crm.deps import AccessDep, E, Filters, IfMatch, Limit, TeamDirectory
from backend.crm.merge import MergeService
from backend.crm.models import CustomField, SavedView
from backend.crm.pipelines import PipelineService, weighted
from backend.crm.repository import (
    CustomFieldRepository,
    SearchRepository,
    ViewRepository,
)
from backend.crm.service import (
    ACCOUNTS,
    CONTACTS,
    Access,
    OpportunityService,
    RecordService,
    etag,
)
from backend.kit.errors import ErrorDetail, NotFound, ValidationFailed
from backend.kit.pagination import DEFAULT_LIMIT
from backend.kit.security import CurrentPrincipal, Permission, Principal, requires
from backend.kit.settings import Settings
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()


def install(app_state: Any, settings: Settings, peers: dict[str, Any]) -> None:
    """The CRM asks auth (over its API) who is on a manager's team."""
    app_state.team_directory = TeamDirectory(peers["auth"])
    app_state.import_tasks = set()  # running imports, kept referenced until done


def _field_errors(exc: ValidationError, prefix: str) -> ValidationFailed:
    details = [
        ErrorDetail(field=".".join([prefix, *map(str, e["loc"])]), message=e["msg"], type=e["type"])
        for e in exc.errors()
    ]
    return ValidationFailed(
        "Invalid input: " + ", ".join(d.field or "" for d in details), details=details
    )


def _record_routes(
    path: str,
    tag: str,
    make: Callable[[Any, Access], RecordService[Any]],
    create_in: type[BaseModel],
    patch_in: type[BaseModel],
    out: type[BaseModel],
    page_out: type[s.Page],
    render: Callable[[RecordService[Any], list[Any]], Any],
) -> None:
    """Register list/create/get/update/delete/restore/bulk routes for one record kind."""

    if tag in ("accounts", "contacts"):

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
            groups = await MergeService(make(session, access)).duplicates(limit)
            return s.DuplicateList(
                items=[s.DuplicateGroup(reason=r, key=k, record_ids=ids) for r, k, ids in groups]
            )

        @router.post(
            f"{path}/merge", response_model=s.MergeOut, responses=E, tags=[tag], name=f"merge_{tag}"
        )
        async def merge(
            body: s.MergeIn, session: TenantSessionDep, access: AccessDep
        ) -> s.MergeOut:
            """Merge records into the winner: chosen values per field, related records moved to it,
            the others to the trash, and an audit of what was merged."""
            audit, moved = await MergeService(make(session, access)).merge(
                body.winner_id, body.loser_ids, body.fields
            )
            return s.MergeOut(
                merge_id=audit.id,
                winner_id=audit.winner_id,
                merged_ids=audit.merged_ids,
                moved=moved,
            )

    async def one(service: RecordService[Any], record: Any, response: Response) -> Any:
        response.headers["ETag"] = etag(record)
        return (await render(service, [record]))[0]

    @router.get(path, response_model=page_out, responses=E, tags=[tag], name=f"list_{tag}")
    async def list_records(
        session: TenantSessionDep,
        access: AccessDep,
        filters: Filters = [],  # noqa: B006 - FastAPI copies defaults
        sort: Annotated[
            str | None, Query(description="field or -field; cf.<key> for custom")
        ] = None,
        trash: bool = False,
        cursor: str | None = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Any:
        service = make(session, access)
        items, next_cursor = await service.page(
            filters=filters, sort=sort, trash=trash, cursor=cursor, limit=limit
        )
        return page_out(items=await render(service, items), next_cursor=next_cursor)

    @router.post(
        path, response_model=out, status_code=201, responses=E, tags=[tag], name=f"create_{tag}"
    )
    async def create(
        body: create_in,  # type: ignore[valid-type]
        session: TenantSessionDep,
        access: AccessDep,
        response: Response,
    ) -> Any:
        service = make(session, access)
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
        body: s.BulkUpdate, session: TenantSessionDep, access: AccessDep
    ) -> s.BulkResult:
        try:
            changes = patch_in.model_validate(body.changes).model_dump(exclude_unset=True)
        except ValidationError as exc:
            raise _field_errors(exc, "body.changes") from None
        return s.BulkResult(count=await make(session, access).bulk_update(body.ids, changes))

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
        return s.BulkResult(count=await make(session, access).bulk_delete(body.ids))

    @router.get(
        f"{path}/{{record_id}}", response_model=out, responses=E, tags=[tag], name=f"get_{tag}"
    )
    async def get(
        record_id: uuid.UUID, session: TenantSessionDep, access: AccessDep, response: Response
    ) -> Any:
        service = make(session, access)
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
        service = make(session, access)
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return await one(service, await service.update(record_id, changes, if_match), response)

    @router.delete(
        f"{path}/{{record_id}}", status_code=204, responses=E, tags=[tag], name=f"delete_{tag}"
    )
    async def delete(
        record_id: uuid.UUID, session: TenantSessionDep, access: AccessDep, if_match: IfMatch = None
    ) -> None:
        """Move to the trash; ``POST .../restore`` brings it back."""
        await make(session, access).delete(record_id, if_match)

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
        service = make(session, access)
        return await one(service, await service.restore(record_id), response)


async def _plain(service: RecordService[Any], records: list[Any]) -> list[Any]:
    return records


async def _opportunities(service: RecordService[Any], records: list[Any]) -> list[Any]:
    assert isinstance(service, OpportunityService)
    probabilities = await service.probabilities(records) if records else {}
    rendered = []
    for record in records:
        out = s.OpportunityOut.model_validate(record)
        p = probabilities[record.id]
        rendered.append(
            out.model_copy(update={"probability": p, "weighted_amount": weighted(record.amount, p)})
        )
    return rendered


_record_routes(
    "/accounts",
    "accounts",
    lambda ses, acc: RecordService(ses, ACCOUNTS, acc),
    s.AccountIn,
    s.AccountFields,
    s.AccountOut,
    s.AccountPage,
    _plain,
)
_record_routes(
    "/contacts",
    "contacts",
    lambda ses, acc: RecordService(ses, CONTACTS, acc),
    s.ContactIn,
    s.ContactFields,
    s.ContactOut,
    s.ContactPage,
    _plain,
)
_record_routes(
    "/opportunities",
    "opportunities",
    OpportunityService,
    s.OpportunityIn,
    s.OpportunityFields,
    s.OpportunityOut,
    s.OpportunityPage,
    _opportunities,
)


# ---------------------------------------------------------------------- pipelines
def _pipeline_out(pipeline: Any, stages: list[Any]) -> s.PipelineOut:
    return s.PipelineOut.model_validate(pipeline).model_copy(
        update={"stages": [s.StageOut.model_validate(x) for x in stages]}
    )


@router.get("/pipelines", response_model=s.PipelineList, responses=E, tags=["pipelines"])
async def list_pipelines(session: TenantSessionDep, _: CurrentPrincipal) -> s.PipelineList:
    """Every pipeline with its stages (the default one first; made on first use)."""
    return s.PipelineList(
        items=[_pipeline_out(p, st) for p, st in await PipelineService(session).all()]
    )


@router.post(
    "/pipelines", response_model=s.PipelineOut, status_code=201, responses=E, tags=["pipelines"]
)
async def create_pipeline(
    body: s.PipelineIn,
    session: TenantSessionDep,
    _: Annotated[Principal, requires(Permission.SETTINGS_MANAGE)],
) -> s.PipelineOut:
    service = PipelineService(session)
    pipeline = await service.create(
        body.name, [(x.name, x.probability, x.outcome) for x in body.stages]
    )
    return _pipeline_out(*await service.get(pipeline.id))


@router.get(
    "/pipelines/{pipeline_id}", response_model=s.PipelineOut, responses=E, tags=["pipelines"]
)
async def get_pipeline(
    pipeline_id: uuid.UUID, session: TenantSessionDep, _: CurrentPrincipal
) -> s.PipelineOut:
    return _pipeline_out(*await PipelineService(session).get(pipeline_id))


@router.patch(
    "/pipelines/{pipeline_id}", response_model=s.PipelineOut, responses=E, tags=["pipelines"]
)
async def rename_pipeline(
    pipeline_id: uuid.UUID,
    body: s.PipelineRename,
    session: TenantSessionDep,
    _: Annotated[Principal, requires(Permission.SETTINGS_MANAGE)],
) -> s.PipelineOut:
    return _pipeline_out(*await PipelineService(session).rename(pipeline_id, body.name))


@router.get(
    "/pipelines/{pipeline_id}/board", response_model=s.Board, responses=E, tags=["pipelines"]
)
async def board(pipeline_id: uuid.UUID, session: TenantSessionDep, access: AccessDep) -> s.Board:
    """Per stage: how many open deals, their total and weighted total, per currency."""
    pipeline, stages, rows = await PipelineService(session).board(
        pipeline_id, access.owners(Permission.RECORDS_READ)
    )
    columns = []
    for stage in stages:
        mine = [r for r in rows if r[0] == stage.id]
        columns.append(
            s.StageTotals(
                stage=s.StageOut.model_validate(stage),
                count=sum(r[2] for r in mine),
                totals={r[1]: r[3] for r in mine},
                weighted={r[1]: round(r[4], 2) for r in mine},
            )
        )
    return s.Board(pipeline=_pipeline_out(pipeline, stages), columns=columns)


# ---------------------------------------------------------------------- custom fields
@router.get("/custom-fields", response_model=s.CustomFieldList, responses=E, tags=["custom fields"])
async def list_custom_fields(
    session: TenantSessionDep, _: CurrentPrincipal, object_type: s.ObjectType | None = None
) -> s.CustomFieldList:
    rows = await CustomFieldRepository.from_session(session).listing(object_type)
    return s.CustomFieldList(items=[s.CustomFieldOut.model_validate(r) for r in rows])


@router.post(
    "/custom-fields",
    response_model=s.CustomFieldOut,
    status_code=201,
    responses=E,
    tags=["custom fields"],
)
async def create_custom_field(
    body: s.CustomFieldIn,
    session: TenantSessionDep,
    _: Annotated[Principal, requires(Permission.SETTINGS_MANAGE)],
) -> s.CustomFieldOut:
    repo = CustomFieldRepository.from_session(session)
    if body.key in await repo.for_object(body.object_type):
        raise ValidationFailed.for_field(
            "body.key", f"{body.key} already exists on {body.object_type}"
        )
    if body.field_type in ("select", "multi_select") and not body.options:
        raise ValidationFailed.for_field("body.options", "a select field needs options")
    field = CustomField(id=uuid.uuid4(), **body.model_dump())
    return s.CustomFieldOut.model_validate(await repo.create(field))


@router.patch(
    "/custom-fields/{field_id}",
    response_model=s.CustomFieldOut,
    responses=E,
    tags=["custom fields"],
)
async def update_custom_field(
    field_id: uuid.UUID,
    body: s.CustomFieldPatch,
    session: TenantSessionDep,
    _: Annotated[Principal, requires(Permission.SETTINGS_MANAGE)],
) -> s.CustomFieldOut:
    repo = CustomFieldRepository.from_session(session)
    field = await repo.get(field_id)
    if field is None:
        raise NotFound("Custom field", field_id)
    return s.CustomFieldOut.model_validate(
        await repo.update(field, body.model_dump(exclude_unset=True))
    )


@router.delete("/custom-fields/{field_id}", status_code=204, responses=E, tags=["custom fields"])
async def delete_custom_field(
    field_id: uuid.UUID,
    session: TenantSessionDep,
    _: Annotated[Principal, requires(Permission.SETTINGS_MANAGE)],
) -> None:
    """Remove the definition; values already stored stay in the records' data."""
    repo = CustomFieldRepository.from_session(session)
    field = await repo.get(field_id)
    if field is None:
        raise NotFound("Custom field", field_id)
    await repo.delete(field)


# ---------------------------------------------------------------------- saved views
async def _my_view(session: Any, principal: Principal, view_id: uuid.UUID) -> SavedView:
    view = await ViewRepository.from_session(session).get(view_id)
    if view is None or view.user_id != principal.user_id:
        raise NotFound("View", view_id)
    return view


@router.get("/views", response_model=s.ViewList, responses=E, tags=["views"])
async def list_views(
    session: TenantSessionDep, principal: CurrentPrincipal, object_type: s.ObjectType | None = None
) -> s.ViewList:
    rows = await ViewRepository.from_session(session).mine(principal.user_id, object_type)
    return s.ViewList(items=[s.ViewOut.model_validate(r) for r in rows])


@router.post("/views", response_model=s.ViewOut, status_code=201, responses=E, tags=["views"])
async def create_view(
    body: s.ViewIn, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    view = SavedView(id=uuid.uuid4(), user_id=principal.user_id, **body.model_dump())
    return s.ViewOut.model_validate(await ViewRepository.from_session(session).create(view))


@router.get("/views/{view_id}", response_model=s.ViewOut, responses=E, tags=["views"])
async def get_view(
    view_id: uuid.UUID, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    return s.ViewOut.model_validate(await _my_view(session, principal, view_id))


@router.patch("/views/{view_id}", response_model=s.ViewOut, responses=E, tags=["views"])
async def update_view(
    view_id: uuid.UUID, body: s.ViewPatch, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    view = await _my_view(session, principal, view_id)
    updated = await ViewRepository.from_session(session).update(
        view, body.model_dump(exclude_unset=True)
    )
    return s.ViewOut.model_validate(updated)


@router.delete("/views/{view_id}", status_code=204, responses=E, tags=["views"])
async def delete_view(
    view_id: uuid.UUID, session: TenantSessionDep, principal: CurrentPrincipal
) -> None:
    await ViewRepository.from_session(session).delete(await _my_view(session, principal, view_id))


# ---------------------------------------------------------------------- search
@router.get("/search", response_model=s.SearchResults, responses=E, tags=["search"])
async def search(
    session: TenantSessionDep,
    access: AccessDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> s.SearchResults:
    """Accounts, contacts and opportunities by name, email, domain or title; prefixes and
    small typos find the record."""
    repository = SearchRepository.from_session(session)
    rows = await repository.search(q, limit, access.owners(Permission.RECORDS_READ))
    names = await repository.account_names(
        {r.account_id for kind, (r, _) in rows if kind != "account" and r.account_id}
    )
    hits = []
    for kind, (record, score) in rows:
        hit = s.SearchHit(type=kind, id=record.id, title="", score=float(score))
        if kind == "account":
            hit.title, hit.subtitle = record.name, record.domain
        else:
            hit.account_id = record.account_id
            hit.account_name = names.get(record.account_id) if record.account_id else None
            if kind == "contact":
                hit.title = " ".join(filter(None, [record.first_name, record.last_name]))
                hit.subtitle = record.email or record.title
            else:
                hit.title = record.name
                hit.amount, hit.currency, hit.status = record.amount, record.currency, record.status
        hits.append(hit)
    return s.SearchResults(items=hits)


# Imports and exports live in their own module; their routes join this router.
router.include_router(transfer_router)

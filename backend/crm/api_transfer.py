"""CSV import and export routes of the CRM (``/imports``, ``/exports``).

No ``from __future__ import annotations``: FastAPI reads these annotations at import.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from backend.crm import imports
from backend.crm import schemas as s
from backend.crm.deps import AccessDep, E, Filters
from backend.crm.models import Import
from backend.crm.repository import CustomFieldRepository, ImportRepository
from backend.crm.service import ACCOUNTS, CONTACTS, OpportunityService, RecordService, Spec
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.security import CurrentPrincipal, Permission, Principal
from backend.kit.tenancy import TenantSessionDep, bind_tenant

router = APIRouter()


async def _save_upload(upload: UploadFile, folder: Path) -> Path:
    """Copy the upload to a file of ours (the upload's own ends with the request);
    disk writes happen off the event loop."""
    path = folder / f"{uuid.uuid4().hex}.csv"
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    out = await asyncio.to_thread(path.open, "wb")
    try:
        while chunk := await upload.read(1024 * 1024):
            await asyncio.to_thread(out.write, chunk)
    finally:
        await asyncio.to_thread(out.close)
    return path


def _import_target(object_type: str) -> imports.Target:
    target = imports.TARGETS.get(object_type)
    if target is None:
        raise ValidationFailed.for_field("body.object_type", "must be contact or account")
    return target


@router.post("/imports/preview", response_model=s.ImportPreview, responses=E, tags=["imports"])
async def preview_import(
    request: Request,
    session: TenantSessionDep,
    _: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="a CSV file, UTF-8")],
    object_type: Annotated[str, Form()] = "contact",
) -> s.ImportPreview:
    """Check the file and propose a column mapping (nothing is imported)."""
    target = _import_target(object_type)
    path = await _save_upload(file, request.app.state.resources.settings.home / "imports")
    try:
        check = await asyncio.to_thread(imports.check_file, path)
    finally:
        path.unlink(missing_ok=True)
    custom = await CustomFieldRepository.from_session(session).for_object(target.object_type)
    return s.ImportPreview(
        headers=check.headers,
        sample=check.sample,
        total_rows=check.total_rows,
        suggested_mapping=imports.suggest_mapping(check.headers, target, custom),
        fields=[*target.fields, *(f"cf.{k}" for k in custom)],
    )


@router.post("/imports", response_model=s.ImportOut, status_code=202, responses=E, tags=["imports"])
async def start_import(
    request: Request,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="a CSV file, UTF-8")],
    mapping: Annotated[str, Form(description='JSON: {"CSV column": "field", ...}')],
    object_type: Annotated[str, Form()] = "contact",
    on_duplicate: Annotated[str, Form(description="create, update or skip")] = "skip",
) -> s.ImportOut:
    """Start an import in the background; poll ``GET /imports/{id}`` for progress."""
    principal.require(Permission.RECORDS_WRITE)
    target = _import_target(object_type)
    if on_duplicate not in imports.ON_DUPLICATE:
        raise ValidationFailed.for_field("body.on_duplicate", "must be create, update or skip")
    try:
        parsed = json.loads(mapping)
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ValueError
    except ValueError as exc:
        raise ValidationFailed.for_field(
            "body.mapping", 'must be JSON like {"Email": "email"}'
        ) from exc
    resources = request.app.state.resources
    path = await _save_upload(file, resources.settings.home / "imports")
    try:
        check = await asyncio.to_thread(imports.check_file, path, 0)
        async with resources.sessionmaker() as session, session.begin():
            await bind_tenant(session, principal.customer_id)
            custom = await CustomFieldRepository.from_session(session).for_object(
                target.object_type
            )
            imports.check_mapping(parsed, check.headers, target, custom)
            job = Import(
                id=uuid.uuid4(), user_id=principal.user_id, object_type=target.object_type,
                filename=(file.filename or "")[:200], status="queued", mapping=parsed,
                on_duplicate=on_duplicate, total_rows=check.total_rows,
            )  # fmt: skip
            await ImportRepository.from_session(session).create(job)
            out = s.ImportOut.model_validate(job)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    runner = imports.ImportRunner(
        resources.sessionmaker, principal.customer_id, principal.user_id, job.id, path
    )
    tasks: set[asyncio.Task[None]] = request.app.state.import_tasks
    task = asyncio.get_running_loop().create_task(runner.run())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return out


@router.get("/imports", response_model=s.ImportList, responses=E, tags=["imports"])
async def list_imports(session: TenantSessionDep, principal: CurrentPrincipal) -> s.ImportList:
    rows = await ImportRepository.from_session(session).recent(principal.user_id)
    return s.ImportList(items=[s.ImportOut.model_validate(r) for r in rows])


async def _my_import(session: Any, principal: Principal, import_id: uuid.UUID) -> Import:
    job = await ImportRepository.from_session(session).get(import_id)
    if job is None or job.user_id != principal.user_id:
        raise NotFound("Import", import_id)
    return job


@router.get("/imports/{import_id}", response_model=s.ImportOut, responses=E, tags=["imports"])
async def get_import(
    import_id: uuid.UUID, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ImportOut:
    return s.ImportOut.model_validate(await _my_import(session, principal, import_id))


@router.get(
    "/imports/{import_id}/errors", response_model=s.ImportErrorPage, responses=E, tags=["imports"]
)
async def import_errors(
    import_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    after_row: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> s.ImportErrorPage:
    await _my_import(session, principal, import_id)
    rows = await ImportRepository.from_session(session).errors(import_id, limit, after_row)
    return s.ImportErrorPage(items=[s.ImportErrorOut.model_validate(r) for r in rows])


@router.get(
    "/imports/{import_id}/errors.csv",
    responses=E,
    tags=["imports"],
    response_class=StreamingResponse,
)
async def import_error_report(
    import_id: uuid.UUID, request: Request, session: TenantSessionDep, principal: CurrentPrincipal
) -> StreamingResponse:
    """The rows that were not imported: row number, column, problem, and the row as sent."""
    job = await _my_import(session, principal, import_id)
    sessionmaker = request.app.state.resources.sessionmaker
    columns = list(job.mapping)

    async def rows() -> AsyncIterator[list[Any]]:
        after = 0
        async with sessionmaker() as own:
            await bind_tenant(own, principal.customer_id)
            while True:
                batch = await ImportRepository.from_session(own).errors(import_id, 2000, after)
                if not batch:
                    return
                for err in batch:
                    yield [
                        err.row_number,
                        err.field,
                        err.message,
                        *(err.raw.get(c, "") for c in columns),
                    ]
                after = batch[-1].row_number

    name = f"import-errors-{import_id}.csv"
    return StreamingResponse(
        imports.csv_lines(["row", "column", "problem", *columns], rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/exports/{object_type}.csv", responses=E, tags=["exports"], response_class=StreamingResponse
)
async def export_csv(
    object_type: s.ObjectType,
    request: Request,
    access: AccessDep,
    filters: Filters = [],  # noqa: B006 - FastAPI copies defaults
    sort: str | None = None,
) -> StreamingResponse:
    """Every record of the list (same filters and sort), streamed as CSV."""
    specs: dict[str, Spec[Any]] = {"account": ACCOUNTS, "contact": CONTACTS}
    spec = specs.get(object_type)
    sessionmaker = request.app.state.resources.sessionmaker
    columns = imports.EXPORT_COLUMNS[object_type]
    # Fail fast on bad filters, before the 200 is sent.
    async with sessionmaker() as check:
        await bind_tenant(check, access.principal.customer_id)
        service = RecordService(check, spec, access) if spec else OpportunityService(check, access)
        await service.page(filters=filters, sort=sort, trash=False, cursor=None, limit=1)
        custom_keys = sorted(await service.custom_definitions())

    async def rows() -> AsyncIterator[list[Any]]:
        async with sessionmaker() as own:
            await bind_tenant(own, access.principal.customer_id)
            svc = RecordService(own, spec, access) if spec else OpportunityService(own, access)
            cursor: str | None = None
            while True:
                items, cursor = await svc.page(
                    filters=filters, sort=sort, trash=False, cursor=cursor, limit=2000
                )
                for r in items:
                    yield [
                        *(getattr(r, c) for c in columns),
                        *(r.custom_fields.get(k) for k in custom_keys),
                    ]
                if cursor is None:
                    return

    return StreamingResponse(
        imports.csv_lines([*columns, *(f"cf.{k}" for k in custom_keys)], rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{object_type}s.csv"'},
    )

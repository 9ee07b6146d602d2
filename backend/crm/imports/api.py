"""CSV import and export routes of the CRM (``/imports``, ``/exports``).

No ``from __future__ import annotations``: FastAPI reads these annotations at import.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from backend.crm.deps import AccessDep, CrmStateDep, E, Quick, filters_of, sort_of
from backend.crm.imports import files
from backend.crm.imports import schemas as s
from backend.crm.imports.mapping import Importable, OnDuplicate, parse_mapping
from backend.crm.imports.runner import upload_path
from backend.crm.imports.service import (
    Export,
    ImportService,
    error_report_rows,
    report_columns,
)
from backend.crm.records.repository import FIELDS
from backend.crm.schemas import ObjectType
from backend.kit.http import resources_of
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()

ANY_KIND_FIELDS = sorted({name for fields in FIELDS.values() for name in fields})
ExportFilters = filters_of(ANY_KIND_FIELDS)
ExportSort = sort_of(ANY_KIND_FIELDS)


@router.post("/imports/preview", response_model=s.ImportPreview, responses=E, tags=["imports"])
async def preview_import(
    request: Request,
    session: TenantSessionDep,
    access: AccessDep,
    file: Annotated[UploadFile, File(description="a CSV file, UTF-8")],
    object_type: Annotated[Importable, Form()] = "contact",
) -> s.ImportPreview:
    """Check the file and propose a column mapping (nothing is imported)."""
    path = await files.save_upload(
        file, upload_path(resources_of(request).settings.home, uuid.uuid4())
    )
    try:
        preview = await ImportService(session, access).preview(path, object_type)
    finally:
        path.unlink(missing_ok=True)
    return s.ImportPreview(
        headers=preview.check.headers,
        sample=preview.check.sample,
        total_rows=preview.check.total_rows,
        suggested_mapping=preview.suggested,
        fields=preview.fields,
    )


@router.post("/imports", response_model=s.ImportOut, status_code=202, responses=E, tags=["imports"])
async def start_import(
    request: Request,
    session: TenantSessionDep,
    access: AccessDep,
    state: CrmStateDep,
    file: Annotated[UploadFile, File(description="a CSV file, UTF-8")],
    mapping: Annotated[
        str,
        Form(
            description='JSON: {"CSV column": "field", ...}; a column mapped to "" is left out',
            json_schema_extra={
                "contentMediaType": "application/json",
                "contentSchema": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "minProperties": 1,
                },
            },
        ),
    ],
    object_type: Annotated[Importable, Form()] = "contact",
    on_duplicate: Annotated[OnDuplicate, Form(description="what to do with a duplicate")] = "skip",
) -> s.ImportOut:
    """Start an import in the background; poll ``GET /imports/{id}`` for progress."""
    resources = resources_of(request)
    parsed = parse_mapping(mapping)
    import_id = uuid.uuid4()
    path = await files.save_upload(file, upload_path(resources.settings.home, import_id))
    try:
        job = await ImportService(session, access).start(
            import_id,
            path,
            filename=file.filename or "",
            object_type=object_type,
            mapping=parsed,
            on_duplicate=on_duplicate,
            sessionmaker=resources.sessionmaker,
            tasks=state.tasks,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return s.ImportOut.model_validate(job)


@router.get("/imports", response_model=s.ImportList, responses=E, tags=["imports"])
async def list_imports(session: TenantSessionDep, access: AccessDep) -> s.ImportList:
    rows = await ImportService(session, access).recent()
    return s.ImportList(items=[s.ImportOut.model_validate(r) for r in rows])


@router.get("/imports/{import_id}", response_model=s.ImportOut, responses=E, tags=["imports"])
async def get_import(
    import_id: uuid.UUID, session: TenantSessionDep, access: AccessDep
) -> s.ImportOut:
    return s.ImportOut.model_validate(await ImportService(session, access).mine(import_id))


@router.get(
    "/imports/{import_id}/errors", response_model=s.ImportErrorPage, responses=E, tags=["imports"]
)
async def import_errors(
    import_id: uuid.UUID,
    session: TenantSessionDep,
    access: AccessDep,
    after_row: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> s.ImportErrorPage:
    rows = await ImportService(session, access).errors(import_id, limit, after_row)
    return s.ImportErrorPage(items=[s.ImportErrorOut.model_validate(r) for r in rows])


@router.get(
    "/imports/{import_id}/errors.csv",
    responses=E,
    tags=["imports"],
    response_class=StreamingResponse,
)
async def import_error_report(
    import_id: uuid.UUID, request: Request, session: TenantSessionDep, access: AccessDep
) -> StreamingResponse:
    """The rows that were not imported: row number, column, problem, and the row as sent."""
    job = await ImportService(session, access).mine(import_id)
    rows = error_report_rows(resources_of(request).sessionmaker, access.principal.customer_id, job)
    return StreamingResponse(
        files.csv_lines(["row", "column", "problem", *report_columns(job)], rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-errors-{import_id}.csv"'},
    )


@router.get(
    "/exports/{object_type}.csv", responses=E, tags=["exports"], response_class=StreamingResponse
)
async def export_csv(
    object_type: ObjectType,
    request: Request,
    session: TenantSessionDep,
    access: AccessDep,
    filters: ExportFilters = [],  # type: ignore[valid-type]  # noqa: B006 - FastAPI copies defaults
    sort: ExportSort = None,  # type: ignore[valid-type]
    q: Quick = "",
) -> StreamingResponse:
    """Every record of the list (same filters, filter box ``q`` and sort), streamed as CSV."""
    export = Export(object_type, access, filters, sort, q)
    await export.check(session)  # a bad filter fails here, before the 200 starts
    return StreamingResponse(
        files.csv_lines(export.header, export.rows(resources_of(request).sessionmaker)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{object_type}s.csv"'},
    )

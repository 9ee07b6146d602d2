"""Routes of custom field definitions and saved views (``/api/v1/custom-fields``,
``/api/v1/views``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from backend.crm.deps import E
from backend.crm.fields import schemas as s
from backend.crm.fields.service import CustomFieldService, ViewService
from backend.crm.schemas import ObjectType
from backend.kit.security import CurrentPrincipal, Permission, Principal, requires
from backend.kit.tenancy import TenantSessionDep

router = APIRouter()
SettingsManager = Annotated[Principal, requires(Permission.SETTINGS_MANAGE)]


# ---------------------------------------------------------------------- custom fields
@router.get("/custom-fields", response_model=s.CustomFieldList, responses=E, tags=["custom fields"])
async def list_custom_fields(
    session: TenantSessionDep, _: CurrentPrincipal, object_type: ObjectType | None = None
) -> s.CustomFieldList:
    rows = await CustomFieldService(session).listing(object_type)
    return s.CustomFieldList(items=[s.CustomFieldOut.model_validate(r) for r in rows])


@router.post(
    "/custom-fields",
    response_model=s.CustomFieldOut,
    status_code=201,
    responses=E,
    tags=["custom fields"],
)
async def create_custom_field(
    body: s.CustomFieldIn, session: TenantSessionDep, _: SettingsManager
) -> s.CustomFieldOut:
    field = await CustomFieldService(session).create(body.model_dump())
    return s.CustomFieldOut.model_validate(field)


@router.patch(
    "/custom-fields/{field_id}",
    response_model=s.CustomFieldOut,
    responses=E,
    tags=["custom fields"],
)
async def update_custom_field(
    field_id: uuid.UUID, body: s.CustomFieldPatch, session: TenantSessionDep, _: SettingsManager
) -> s.CustomFieldOut:
    field = await CustomFieldService(session).update(field_id, body.model_dump(exclude_unset=True))
    return s.CustomFieldOut.model_validate(field)


@router.delete("/custom-fields/{field_id}", status_code=204, responses=E, tags=["custom fields"])
async def delete_custom_field(
    field_id: uuid.UUID, session: TenantSessionDep, _: SettingsManager
) -> None:
    """Remove the definition; values already stored stay in the records' data."""
    await CustomFieldService(session).delete(field_id)


# ---------------------------------------------------------------------- saved views
@router.get("/views", response_model=s.ViewList, responses=E, tags=["views"])
async def list_views(
    session: TenantSessionDep, principal: CurrentPrincipal, object_type: ObjectType | None = None
) -> s.ViewList:
    rows = await ViewService(session, principal.user_id).mine(object_type)
    return s.ViewList(items=[s.ViewOut.model_validate(r) for r in rows])


@router.post("/views", response_model=s.ViewOut, status_code=201, responses=E, tags=["views"])
async def create_view(
    body: s.ViewIn, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    view = await ViewService(session, principal.user_id).create(body.model_dump())
    return s.ViewOut.model_validate(view)


@router.get("/views/{view_id}", response_model=s.ViewOut, responses=E, tags=["views"])
async def get_view(
    view_id: uuid.UUID, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    return s.ViewOut.model_validate(await ViewService(session, principal.user_id).get(view_id))


@router.patch("/views/{view_id}", response_model=s.ViewOut, responses=E, tags=["views"])
async def update_view(
    view_id: uuid.UUID, body: s.ViewPatch, session: TenantSessionDep, principal: CurrentPrincipal
) -> s.ViewOut:
    view = await ViewService(session, principal.user_id).update(
        view_id, body.model_dump(exclude_unset=True)
    )
    return s.ViewOut.model_validate(view)


@router.delete("/views/{view_id}", status_code=204, responses=E, tags=["views"])
async def delete_view(
    view_id: uuid.UUID, session: TenantSessionDep, principal: CurrentPrincipal
) -> None:
    await ViewService(session, principal.user_id).delete(view_id)

"""Routes of ``/email-templates``.

No ``from __future__ import annotations``: FastAPI reads these annotations at import.
"""

import uuid

from fastapi import APIRouter, Response

from backend.email.deps import AuthorizationDep, E, EmailStateDep
from backend.email.templates import render
from backend.email.templates import schemas as s
from backend.email.templates.service import TemplateService
from backend.kit.security import CurrentPrincipal
from backend.kit.tenancy import TenantSessionDep

router = APIRouter(tags=["email templates"])


def _service(
    session: TenantSessionDep, principal: CurrentPrincipal, state: EmailStateDep, authorization: str
) -> TemplateService:
    return TemplateService(session, principal, state.crm, authorization)


@router.get("/email-templates/fields", response_model=s.MergeFields, responses=E)
async def merge_fields(_: CurrentPrincipal) -> s.MergeFields:
    """The merge fields templates may use (custom fields as ``contact.cf.<key>``)."""
    return s.MergeFields(**{kind: sorted(names) for kind, names in render.FIELDS.items()})


@router.get("/email-templates", response_model=s.TemplateList, responses=E)
async def list_templates(
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.TemplateList:
    """Your templates and the company's shared ones, by name."""
    rows = await _service(session, principal, state, authorization).listing()
    return s.TemplateList(items=[s.TemplateOut.model_validate(t) for t in rows])


@router.post("/email-templates", response_model=s.TemplateOut, status_code=201, responses=E)
async def create_template(
    body: s.TemplateIn,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.TemplateOut:
    """A syntax error or an unknown merge field is a 422 naming the part and line."""
    template = await _service(session, principal, state, authorization).create(body)
    return s.TemplateOut.model_validate(template)


@router.get("/email-templates/{template_id}", response_model=s.TemplateOut, responses=E)
async def get_template(
    template_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.TemplateOut:
    template = await _service(session, principal, state, authorization).visible(template_id)
    return s.TemplateOut.model_validate(template)


@router.patch("/email-templates/{template_id}", response_model=s.TemplateOut, responses=E)
async def change_template(
    template_id: uuid.UUID,
    body: s.TemplatePatch,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.TemplateOut:
    template = await _service(session, principal, state, authorization).change(template_id, body)
    return s.TemplateOut.model_validate(template)


@router.delete("/email-templates/{template_id}", status_code=204, responses=E)
async def delete_template(
    template_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> Response:
    await _service(session, principal, state, authorization).delete(template_id)
    return Response(status_code=204)


@router.post("/email-templates/{template_id}/preview", response_model=s.PreviewOut, responses=E)
async def preview_template(
    template_id: uuid.UUID,
    body: s.PreviewIn,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.PreviewOut:
    """The template as one recipient would get it."""
    return await _service(session, principal, state, authorization).preview(template_id, body)

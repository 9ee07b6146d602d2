"""Routes of ``/emails`` and ``/email-attachments``.

No ``from __future__ import annotations``: FastAPI reads these annotations at import.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from backend.email.deps import AccessDep, AuthorizationDep, E, EmailStateDep
from backend.email.messages import schemas as s
from backend.email.messages.service import MessageService
from backend.email.models import Message
from backend.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from backend.kit.tenancy import TenantSessionDep

router = APIRouter(tags=["emails"])

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
"""The largest any provider takes (Gmail); each mailbox's own limit applies when sending."""


def _service(
    session: TenantSessionDep, access: AccessDep, state: EmailStateDep, authorization: str
) -> MessageService:
    return MessageService(session, access, state.crm, authorization)


def _out(message: Message, attachments: list[s.AttachmentOut] | None = None) -> s.EmailOut:
    return s.EmailOut.model_validate(message).model_copy(update={"attachments": attachments or []})


@router.post("/emails", response_model=s.EmailOut, status_code=202, responses=E)
async def send_email(
    body: s.EmailIn,
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.EmailOut:
    """Queue a message (202: it is saved and will be sent once, at ``send_at``). Bad
    input is a 4xx naming the field, and nothing is queued."""
    composed = await _service(session, access, state, authorization).queue(body)
    items = [
        s.AttachmentOut(id=a.id, filename=a.filename, size=a.size, content_type=a.content_type)
        for a in composed.attachments
    ]
    return _out(composed.message, items)


@router.post("/emails/preview", response_model=s.PreviewOut, responses=E)
async def preview_email(
    body: s.PreviewIn,
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.PreviewOut:
    """The message as each recipient would get it (merge fields filled in)."""
    return await _service(session, access, state, authorization).preview(body)


@router.get("/emails", response_model=s.EmailPage, responses=E)
async def list_emails(
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
    contact_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    mailbox_id: uuid.UUID | None = None,
    state_in: Annotated[list[s.State], Query(alias="state", max_length=6)] = [],  # noqa: B006
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> s.EmailPage:
    """Newest first: a contact's, an account's or a mailbox's emails, within your reach
    (your own; your team's as a manager; everyone's as an admin)."""
    service = _service(session, access, state, authorization)
    items, next_cursor = await service.page(
        contact_id=contact_id,
        account_id=account_id,
        mailbox_id=mailbox_id,
        states=state_in,
        cursor=cursor,
        limit=limit,
    )
    files = await service.attachment_summary(items)
    return s.EmailPage(items=[_out(m, files.get(m.id)) for m in items], next_cursor=next_cursor)


@router.get("/emails/{email_id}", response_model=s.EmailDetail, responses=E)
async def get_email(
    email_id: uuid.UUID,
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.EmailDetail:
    """The message, its state (with the reason when it failed or is uncertain) and each
    attempt."""
    service = _service(session, access, state, authorization)
    message = await service.visible(email_id)
    files = await service.attachment_summary([message])
    log = [s.AttemptOut.model_validate(a) for a in await service.attempts(message)]
    detail = s.EmailDetail.model_validate(message)
    return detail.model_copy(update={"attachments": files.get(message.id, []), "attempt_log": log})


@router.post("/emails/{email_id}/cancel", response_model=s.EmailOut, responses=E)
async def cancel_email(
    email_id: uuid.UUID,
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.EmailOut:
    """Cancel a scheduled message (409 once it is being sent)."""
    return _out(await _service(session, access, state, authorization).cancel(email_id))


@router.post("/emails/{email_id}/decision", response_model=s.EmailOut, responses=E)
async def decide_email(
    email_id: uuid.UUID,
    body: s.Decision,
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
) -> s.EmailOut:
    """For an ``uncertain`` message: it was sent, it was not, or send it again now."""
    return _out(await _service(session, access, state, authorization).decide(email_id, body))


@router.post("/email-attachments", response_model=s.AttachmentOut, status_code=201, responses=E)
async def upload_attachment(
    session: TenantSessionDep,
    access: AccessDep,
    state: EmailStateDep,
    authorization: AuthorizationDep,
    file: Annotated[UploadFile, File(description="at most 25 MB; each mailbox has its own limit")],
) -> s.AttachmentOut:
    """A file for a message you are about to send (``attachment_ids``)."""
    data = await file.read(MAX_ATTACHMENT_BYTES + 1)
    item = await _service(session, access, state, authorization).upload(
        file.filename or "attachment", file.content_type or "", data, MAX_ATTACHMENT_BYTES
    )
    return s.AttachmentOut(
        id=item.id, filename=item.filename, size=item.size, content_type=item.content_type
    )

"""Routes of ``/mailboxes``: a user's own sending accounts.

No ``from __future__ import annotations``: FastAPI reads these annotations at import.
"""

import uuid

from fastapi import APIRouter, Response

from backend.email.deps import E, EmailStateDep
from backend.email.mailboxes import schemas as s
from backend.email.mailboxes.service import MailboxService, limitations
from backend.email.models import Mailbox
from backend.email.providers.oauth import GMAIL_SCOPES, GRAPH_SCOPES
from backend.kit.security import CurrentPrincipal
from backend.kit.tenancy import TenantSessionDep

router = APIRouter(tags=["mailboxes"])

ONLY_OWN = (
    "A mailbox is its owner's: only they see it, change it and send from it; another "
    "user's id answers 404."
)


def _out(mailbox: Mailbox, sent_today: int) -> s.MailboxOut:
    out = s.MailboxOut.model_validate(mailbox)
    return out.model_copy(update={"sent_today": sent_today, "limitations": limitations(mailbox)})


def _service(
    session: TenantSessionDep, principal: CurrentPrincipal, state: EmailStateDep
) -> MailboxService:
    return MailboxService(session, principal, state.settings, state.secrets, state.http)


@router.get("/mailboxes/providers", response_model=s.Providers, responses=E)
async def providers(_: CurrentPrincipal, state: EmailStateDep) -> s.Providers:
    """How the desktop signs in to Gmail and Outlook (this server's OAuth clients)."""
    cfg = state.settings
    google = s.GoogleClient(
        configured=bool(cfg.google_client_id),
        message=""
        if cfg.google_client_id
        else (
            "Gmail is not set up on this server: an administrator sets SALESOS_GOOGLE_CLIENT_ID "
            "and SALESOS_GOOGLE_CLIENT_SECRET (a Google Cloud 'Desktop app' OAuth client)."
        ),
    )
    if cfg.google_client_id:
        google = google.model_copy(
            update={
                "client_id": cfg.google_client_id,
                "client_secret": cfg.google_client_secret.get_secret_value(),
                "auth_uri": cfg.google_auth_url,
                "token_uri": cfg.google_token_url,
                "scopes": ["openid", "email", *GMAIL_SCOPES],
            }
        )
    microsoft = s.MicrosoftClient(
        configured=bool(cfg.microsoft_client_id),
        message=""
        if cfg.microsoft_client_id
        else (
            "Outlook is not set up on this server: an administrator sets "
            "SALESOS_MICROSOFT_CLIENT_ID (an Entra ID app registration for public clients)."
        ),
    )
    if cfg.microsoft_client_id:
        microsoft = microsoft.model_copy(
            update={
                "client_id": cfg.microsoft_client_id,
                "authority": cfg.microsoft_authority,
                "scopes": [sc for sc in GRAPH_SCOPES if sc != "offline_access"],
            }
        )
    return s.Providers(gmail=google, outlook=microsoft)


@router.get("/mailboxes", response_model=s.MailboxList, responses=E, description=ONLY_OWN)
async def list_mailboxes(
    session: TenantSessionDep, principal: CurrentPrincipal, state: EmailStateDep
) -> s.MailboxList:
    rows = await _service(session, principal, state).listing()
    return s.MailboxList(items=[_out(m, n) for m, n in rows])


@router.post("/mailboxes", response_model=s.MailboxOut, status_code=201, responses=E)
async def connect_mailbox(
    body: s.MailboxIn, session: TenantSessionDep, principal: CurrentPrincipal, state: EmailStateDep
) -> s.MailboxOut:
    """Connect a mailbox after a real sign-in. ``smtp``: the servers and password;
    ``gmail``/``outlook``: the grant the desktop's browser sign-in got. A failed
    sign-in is a 422 naming the setting at fault."""
    service = _service(session, principal, state)
    if isinstance(body, s.SmtpMailboxIn):
        mailbox = await service.connect_smtp(body)
    else:
        mailbox = await service.connect_oauth(body)
    return _out(mailbox, 0)


@router.get(
    "/mailboxes/{mailbox_id}", response_model=s.MailboxOut, responses=E, description=ONLY_OWN
)
async def get_mailbox(
    mailbox_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
) -> s.MailboxOut:
    service = _service(session, principal, state)
    mailbox = await service.mine(mailbox_id)
    return _out(mailbox, await service.sent_today(mailbox))


@router.patch("/mailboxes/{mailbox_id}", response_model=s.MailboxOut, responses=E)
async def change_mailbox(
    mailbox_id: uuid.UUID,
    body: s.MailboxPatch,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
) -> s.MailboxOut:
    """Change settings; new credentials or servers sign in again (and reconnect it)."""
    service = _service(session, principal, state)
    mailbox = await service.change(mailbox_id, body)
    return _out(mailbox, await service.sent_today(mailbox))


@router.delete("/mailboxes/{mailbox_id}", status_code=204, responses=E)
async def disconnect_mailbox(
    mailbox_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
) -> Response:
    """Disconnect: its credentials are forgotten and what it still had to send fails."""
    await _service(session, principal, state).disconnect(mailbox_id)
    return Response(status_code=204)


@router.post("/mailboxes/{mailbox_id}/test", response_model=s.MailboxCheck, responses=E)
async def test_mailbox(
    mailbox_id: uuid.UUID,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    state: EmailStateDep,
) -> s.MailboxCheck:
    """Sign in now; a refused sign-in marks it "needs reconnect" (its sends wait)."""
    return await _service(session, principal, state).test(mailbox_id)

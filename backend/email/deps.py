"""Dependencies of the email routes, declared once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from backend.context import ContextEnv, ContextState
from backend.email.contacts import CrmDirectory
from backend.email.providers.factory import provider_http
from backend.email.secrets import MailboxSecrets
from backend.kit.access import Access, access_for
from backend.kit.errors import ErrorBody
from backend.kit.http import state_of
from backend.kit.secrets import SecretBox
from backend.kit.security import CurrentPrincipal
from backend.kit.team import TeamDirectory


class EmailState(ContextState):
    """Per-process state of the email service.

    Attributes:
        secrets: Seals and opens mailbox credentials.
        http: The client of the provider APIs (Gmail, Graph, token endpoints).
        team: Who is on a manager's team (auth, over its API).
        crm: Contacts, accounts and custom fields (the CRM, over its API).
    """

    def __init__(self, env: ContextEnv) -> None:
        self.settings = env.settings
        box = SecretBox(env.settings.require_secret_key(), env.settings.previous_secret_keys)
        self.secrets = MailboxSecrets(box)
        self.http = provider_http(env.settings)
        self.team = TeamDirectory(env.peers["auth"])
        self.crm = CrmDirectory(env.peers["crm"])

    async def aclose(self) -> None:
        await self.http.aclose()


async def email_state(request: Request) -> EmailState:
    return state_of(request, EmailState)


EmailStateDep = Annotated[EmailState, Depends(email_state)]


async def access(request: Request, principal: CurrentPrincipal, state: EmailStateDep) -> Access:
    return await access_for(state.team, principal, request.headers.get("authorization", ""))


AccessDep = Annotated[Access, Depends(access)]


async def authorization(request: Request) -> str:
    """The caller's own ``Authorization`` header, for calls to peers on their behalf."""
    return request.headers.get("authorization", "")


AuthorizationDep = Annotated[str, Depends(authorization)]

E: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 412, 413, 422, 429, 502)
}
"""The error answers every email route may give (documented in the OpenAPI)."""

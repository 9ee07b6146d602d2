"""Dependencies of the auth routes, declared once.

All are ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool,
a thread hop per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.auth.service import AuthService, ClientInfo, IpThrottle, SecurityLedger
from backend.context import ContextEnv, ContextState
from backend.kit.db import SessionDep
from backend.kit.http import resources_of, state_of
from backend.kit.tenancy import TenantSessionDep


class AuthState(ContextState):
    """Per-process state of the auth service: the sign-in throttle per address."""

    def __init__(self, env: ContextEnv) -> None:
        self.ip_throttle = IpThrottle(env.settings.login_ip_limit_per_minute)


async def client_info(request: Request) -> ClientInfo:
    # The gateway forwards the caller's address; directly, it is the peer's.
    ip = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    if not ip and request.client is not None:
        ip = request.client.host
    return ClientInfo(ip=ip or "unknown", user_agent=request.headers.get("user-agent", ""))


async def ip_throttle(request: Request) -> IpThrottle:
    return state_of(request, AuthState).ip_throttle


async def public_auth_service(request: Request, session: SessionDep) -> AuthService:
    res = resources_of(request)
    return AuthService(session, res.tokens, SecurityLedger(res.sessionmaker))


async def tenant_auth_service(request: Request, session: TenantSessionDep) -> AuthService:
    res = resources_of(request)
    return AuthService(session, res.tokens, SecurityLedger(res.sessionmaker))


PublicAuth = Annotated[AuthService, Depends(public_auth_service)]
TenantAuth = Annotated[AuthService, Depends(tenant_auth_service)]
Client = Annotated[ClientInfo, Depends(client_info)]
Throttle = Annotated[IpThrottle, Depends(ip_throttle)]

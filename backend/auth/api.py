"""Routes of the auth service (behind the gateway at ``/api/v1/auth``, ``/api/v1/users``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from backend.auth.deps import Client, PublicAuth, TenantAuth, Throttle
from backend.auth.schemas import (
    ChangePasswordIn,
    Ended,
    LoginIn,
    RefreshIn,
    SessionList,
    SessionOut,
    SessionStatus,
    SignupIn,
    TokenOut,
    UserCreateIn,
    UserOut,
    UserPage,
    UserUpdateIn,
)
from backend.auth.service import IssuedTokens
from backend.kit.errors import ErrorBody
from backend.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from backend.kit.security import CurrentPrincipal, Permission, Principal, requires

router = APIRouter()

E: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422, 429)
}
PUBLIC = frozenset({("POST", "/auth/signup"), ("POST", "/auth/login"), ("POST", "/auth/refresh")})
"""Routes reachable without an access token (the descriptor hands them to the gateway)."""


def _tokens(issued: IssuedTokens) -> TokenOut:
    return TokenOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=UserOut.model_validate(issued.user),
    )


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.post("/auth/signup", response_model=TokenOut, status_code=201, responses=E, tags=["auth"])
async def signup(
    body: SignupIn, auth: PublicAuth, client: Client, throttle: Throttle, response: Response
) -> TokenOut:
    """Create a company and its first admin; returns signed-in tokens."""
    await throttle.hit(client.ip)
    _no_store(response)
    return _tokens(
        await auth.signup(
            company=body.company,
            name=body.name,
            email=body.email,
            password=body.password,
            client=client,
        )
    )


@router.post("/auth/login", response_model=TokenOut, responses=E, tags=["auth"])
async def login(
    body: LoginIn, auth: PublicAuth, client: Client, throttle: Throttle, response: Response
) -> TokenOut:
    """Sign in with email and password."""
    await throttle.hit(client.ip)
    _no_store(response)
    return _tokens(await auth.login(email=body.email, password=body.password, client=client))


@router.post("/auth/refresh", response_model=TokenOut, responses=E, tags=["auth"])
async def refresh(body: RefreshIn, auth: PublicAuth, response: Response) -> TokenOut:
    """Exchange a refresh token for new tokens (the old one is spent)."""
    _no_store(response)
    return _tokens(await auth.refresh(refresh_token=body.refresh_token))


@router.post("/auth/logout", status_code=204, responses=E, tags=["auth"])
async def logout(principal: CurrentPrincipal, auth: TenantAuth) -> None:
    """End the current session."""
    await auth.logout(principal)


@router.get("/auth/me", response_model=UserOut, responses=E, tags=["auth"])
async def me(principal: CurrentPrincipal, auth: TenantAuth) -> UserOut:
    return UserOut.model_validate(await auth.me(principal))


@router.post("/auth/password", status_code=204, responses=E, tags=["auth"])
async def change_password(
    body: ChangePasswordIn, principal: CurrentPrincipal, auth: TenantAuth
) -> None:
    """Change my password; every other session ends."""
    await auth.change_password(principal, body.current_password, body.new_password)


@router.get("/auth/sessions", response_model=SessionList, responses=E, tags=["auth"])
async def list_sessions(principal: CurrentPrincipal, auth: TenantAuth) -> SessionList:
    """My signed-in devices."""
    rows = await auth.list_sessions(principal)
    return SessionList(
        items=[SessionOut.model_validate(s).model_copy(update={"current": cur}) for s, cur in rows]
    )


@router.delete("/auth/sessions/{session_id}", status_code=204, responses=E, tags=["auth"])
async def end_session(session_id: uuid.UUID, principal: CurrentPrincipal, auth: TenantAuth) -> None:
    await auth.end_session(principal, session_id)


@router.post("/auth/sessions/end-others", response_model=Ended, responses=E, tags=["auth"])
async def end_other_sessions(principal: CurrentPrincipal, auth: TenantAuth) -> Ended:
    return Ended(ended=await auth.end_other_sessions(principal))


@router.get("/users", response_model=UserPage, responses=E, tags=["users"])
async def list_users(
    auth: TenantAuth,
    _: CurrentPrincipal,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    manager_id: uuid.UUID | None = None,
) -> UserPage:
    """The users of my company (everyone may see who their colleagues are);
    ``manager_id`` keeps those a manager manages (their team)."""
    items, next_cursor = await auth.list_users(cursor=cursor, limit=limit, manager_id=manager_id)
    return UserPage(items=[UserOut.model_validate(u) for u in items], next_cursor=next_cursor)


@router.post("/users", response_model=UserOut, status_code=201, responses=E, tags=["users"])
async def create_user(
    body: UserCreateIn, auth: TenantAuth, _: Annotated[Principal, requires(Permission.USERS_MANAGE)]
) -> UserOut:
    """Add a user to my company (admins)."""
    user = await auth.create_user(
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        manager_id=body.manager_id,
    )
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut, responses=E, tags=["users"])
async def get_user(user_id: uuid.UUID, auth: TenantAuth, _: CurrentPrincipal) -> UserOut:
    return UserOut.model_validate(await auth.get_user(user_id))


@router.patch("/users/{user_id}", response_model=UserOut, responses=E, tags=["users"])
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdateIn,
    auth: TenantAuth,
    actor: Annotated[Principal, requires(Permission.USERS_MANAGE)],
) -> UserOut:
    """Rename, change the role or the manager of a user (admins)."""
    changes = body.model_dump(exclude_unset=True)
    return UserOut.model_validate(await auth.update_user(user_id, changes, actor))


@router.post("/users/{user_id}/deactivate", response_model=UserOut, responses=E, tags=["users"])
async def deactivate_user(
    user_id: uuid.UUID,
    auth: TenantAuth,
    actor: Annotated[Principal, requires(Permission.USERS_MANAGE)],
) -> UserOut:
    """Deactivate a user: they cannot sign in, and every session of theirs ends now."""
    return UserOut.model_validate(await auth.deactivate_user(user_id, actor))


@router.get(
    "/internal/sessions/{session_id}", response_model=SessionStatus, include_in_schema=False
)
async def session_status(
    session_id: uuid.UUID, principal: CurrentPrincipal, auth: TenantAuth, request: Request
) -> SessionStatus:
    """For the gateway: is the session of this access token still live?"""
    if principal.session_id != session_id:
        return SessionStatus(active=False)
    return SessionStatus(active=await auth.session_is_active(session_id, principal.user_id))

"""Tenancy, enforced twice: repositories filter by tenant, and Postgres RLS checks again.

The tenant of a session is kept in ``session.info["customer_id"]``; at the start of
every transaction it is handed to Postgres with
``set_config('app.customer_id', ..., true)`` (transaction-local, so a pooled
connection never carries a tenant over to the next user). RLS policies (FORCE, on
every tenant table) compare rows with it; a session without a tenant sees no rows,
and a repository without a tenant raises.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from backend.kit.db import request_session
from backend.kit.errors import SalesOSError
from backend.kit.security import CurrentPrincipal

TENANT_KEY = "customer_id"
APP_ROLE = "salesos_app"
"""The role the services run as: owns no table, cannot bypass RLS."""


class NoTenantError(SalesOSError):
    """A tenant-scoped query was attempted with no tenant in context (a bug, not input)."""

    code = "no_tenant"
    default_status = 500


_SET_TENANT = text("SELECT set_config('app.customer_id', :tid, true)")


@event.listens_for(Session, "after_begin")
def _apply_tenant(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    tenant = session.info.get(TENANT_KEY)
    if tenant is not None:
        connection.execute(_SET_TENANT, {"tid": str(tenant)})


async def bind_tenant(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """Make ``customer_id`` the tenant of ``session``, now and in later transactions."""
    session.info[TENANT_KEY] = customer_id
    if session.in_transaction():
        await session.execute(_SET_TENANT, {"tid": str(customer_id)})


def tenant_of(session: AsyncSession) -> uuid.UUID:
    """The session's tenant.

    Raises:
        NoTenantError: when none is bound; never means "all tenants".
    """
    tenant = session.info.get(TENANT_KEY)
    if not isinstance(tenant, uuid.UUID):
        raise NoTenantError("No tenant in context for a tenant-scoped query.")
    return tenant


async def get_tenant_session(
    request: Request, principal: CurrentPrincipal
) -> AsyncIterator[AsyncSession]:
    """The request's session, bound to the caller's tenant; commits on success."""
    async with request_session(request, {TENANT_KEY: principal.customer_id}) as session:
        yield session


TenantSessionDep = Annotated[AsyncSession, Depends(get_tenant_session, scope="function")]
"""The request's unit of work bound to the caller's tenant, committed before the
response starts (see :func:`backend.kit.db.request_session`)."""

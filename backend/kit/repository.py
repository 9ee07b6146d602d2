"""The one generic repository every context builds on; all SQL lives in repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.db import Base
from backend.kit.tenancy import tenant_of

M = TypeVar("M", bound=Base)


class RepositoryBase(Generic[M]):
    """Typed CRUD on one model.

    Subclasses set ``model`` and add their own queries::

        class AccountRepository(RepositoryBase[Account]):
            model = Account

        repo = AccountRepository.from_session(session)
    """

    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def select(self) -> Select[M]:
        return select(self.model)

    async def get(self, ident: Any) -> M | None:
        return await self.session.get(self.model, ident)

    async def get_one_or_none(self, statement: Select[M]) -> M | None:
        result = await self.session.scalars(statement)
        return result.one_or_none()

    async def get_all(self, statement: Select[M]) -> Sequence[M]:
        result = await self.session.scalars(statement)
        return result.all()

    async def create(self, obj: M, *, flush: bool = True) -> M:
        self.session.add(obj)
        if flush:
            await self.session.flush()
        return obj

    async def update(self, obj: M, values: dict[str, Any], *, flush: bool = True) -> M:
        for key, value in values.items():
            setattr(obj, key, value)
        if flush:
            await self.session.flush()
        return obj

    async def delete(self, obj: M, *, flush: bool = True) -> None:
        await self.session.delete(obj)
        if flush:
            await self.session.flush()


class TenantRepositoryBase(RepositoryBase[M]):
    """A repository of a tenant-owned table: every query is filtered by the tenant.

    The tenant comes from the session (see :mod:`backend.kit.tenancy`); building the
    repository on a session without one raises ``NoTenantError``.
    """

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.customer_id = tenant_of(session)

    def select(self) -> Select[M]:
        return select(self.model).where(self.model.customer_id == self.customer_id)  # type: ignore[attr-defined]

    async def get(self, ident: Any) -> M | None:
        return await self.get_one_or_none(self.select().where(self.model.id == ident))  # type: ignore[attr-defined]

    async def create(self, obj: M, *, flush: bool = True) -> M:
        obj.customer_id = self.customer_id  # type: ignore[attr-defined]
        return await super().create(obj, flush=flush)

    async def create_many(self, objs: Sequence[M]) -> None:
        """Insert many rows of the tenant (one flush)."""
        for obj in objs:
            obj.customer_id = self.customer_id  # type: ignore[attr-defined]
        self.session.add_all(objs)
        await self.session.flush()

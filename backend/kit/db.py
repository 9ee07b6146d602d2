"""The async engine, and one session (one transaction) per request.

Services never commit: the request's session dependency commits when the handler
returns and rolls back when it raises. That is what makes an outbox row atomic with
the business change it describes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

# Constraint names are stable so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; each context sets ``__table_args__`` schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Turn any ``postgresql://`` URL into one for SQLAlchemy's asyncpg dialect."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def plain_url(url: str) -> str:
    """The libpq form of a URL (for asyncpg.connect, psql, other tools)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def create_engine(url: str, pool_size: int = 10, role: str | None = None) -> AsyncEngine:
    """An engine with a bounded pool.

    Args:
        role: Run every connection as this role (sent in the start-up packet, so it is
            the session's default role and ``RESET ROLE`` cannot leave it).
    """
    connect_args = {"server_settings": {"role": role}} if role else {}
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip per checkout; a dead connection fails its
        # statement, is invalidated by the pool, and the request gets a clean error.
        pool_recycle=1800,
        connect_args=connect_args,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the request's unit of work has committed (never after a
    rollback): start work that must only see durable data, such as a background import."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@asynccontextmanager
async def request_session(
    request: Request, info: dict[str, object] | None = None
) -> AsyncIterator[AsyncSession]:
    """The one unit of work of a request: commit on success, roll back on any error.

    Args:
        info: Put into ``session.info`` before the first statement (e.g. the tenant).
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.resources.sessionmaker
    async with sessionmaker() as session:
        session.info.update(info or {})
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
            for callback in session.info.pop(_AFTER_COMMIT, []):
                callback()


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, with no tenant (public routes such as sign-in)."""
    async with request_session(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_db_session)]

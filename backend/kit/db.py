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

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from backend.kit.errors import (
    Conflict,
    SalesOSError,
    ServiceUnavailable,
    ValidationFailed,
    error_response,
)

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


_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (not that a statement or input is bad)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    cause = exc.__cause__
    return isinstance(exc, _CONNECTION_ERRORS) or isinstance(cause, _CONNECTION_ERRORS)


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return ""


def database_failure(exc: BaseException) -> SalesOSError | None:
    """What a database error means for the caller, or ``None`` for a bug (a 500).

    - the database is away: 503, try again in a moment;
    - a serialization failure or deadlock: 409, try again;
    - a constraint found broken (at commit for deferred ones): 409;
    - a value the database cannot store (a NUL character, a number out of range): 422.
    """
    if database_unavailable(exc):
        return ServiceUnavailable(
            "The database is unavailable right now; try again in a moment.",
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, TimeoutError):  # e.g. no connection could be opened in time
        return ServiceUnavailable(
            "The server is not answering in time; try again in a moment.",
            headers={"Retry-After": "2"},
        )
    if not isinstance(exc, DBAPIError):
        return None
    state = _sqlstate(exc)
    if state in ("40001", "40P01"):
        return Conflict("Another change got in the way of this one; nothing was saved. Try again.")
    if state.startswith("23"):
        return Conflict(
            "This change conflicts with data that changed meanwhile; nothing was saved."
        )
    if state.startswith("22"):
        return ValidationFailed(
            "A value cannot be stored (a NUL character, or a number out of range); "
            "nothing was saved."
        )
    return None


def install_database_error_handlers(app: FastAPI) -> None:
    """Database errors a caller can act on become their status, not a 500."""

    async def _translate(request: Request, exc: Exception) -> JSONResponse:
        failure = database_failure(exc)
        if failure is None:
            raise exc
        return error_response(
            failure.status_code, failure.code, failure.message, failure.details, failure.headers
        )

    app.add_exception_handler(DBAPIError, _translate)
    for kind in _CONNECTION_ERRORS:
        app.add_exception_handler(kind, _translate)


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

    Used as a function-scoped dependency, so the commit happens when the handler
    returns and before the response starts: a 2xx means the write is durable, and a
    commit that fails is the request's error (409 for a conflict, 503 for a lost
    database), never a 2xx followed by a lost write.

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
            try:
                await session.commit()
            except DBAPIError as exc:
                failure = database_failure(exc)
                if failure is None:
                    raise
                raise failure from exc
            for callback in session.info.pop(_AFTER_COMMIT, []):
                callback()


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, with no tenant (public routes such as sign-in)."""
    async with request_session(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
"""The request's unit of work, committed before the response starts."""

"""Demo data for a first solo run and ``salesos seed-demo`` (idempotent)."""

from __future__ import annotations

from backend.auth.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_users
from backend.kit.db import create_engine, create_sessionmaker
from backend.kit.tenancy import APP_ROLE


async def seed_demo(database_url: str) -> bool:
    """Create the demo company if it is not there; True when something was created.

    Runs as the application role, so row-level security applies to the seed too.
    """
    engine = create_engine(database_url, pool_size=1, role=APP_ROLE)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            created = await seed_demo_users(session)
    finally:
        await engine.dispose()
    return created is not None


def demo_logins() -> list[str]:
    return [f"{email} / {DEMO_PASSWORD} ({role.value})" for email, _, role in DEMO_USERS]

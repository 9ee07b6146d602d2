"""Demo data for a first solo run and ``salesos seed-demo`` (idempotent), and the
scale data set for benchmarks. The composition root for seeding: it calls each
context's own seeding code."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from backend.auth.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_users
from backend.auth.repository import DemoCompanyLookup
from backend.crm.demo.book import seed_demo_crm
from backend.crm.demo.repository import ScaleStore
from backend.crm.demo.scale import generate_scale
from backend.kit.db import create_engine, create_sessionmaker, plain_url
from backend.kit.tenancy import APP_ROLE


async def seed_demo(database_url: str) -> bool:
    """Create the demo company, its users and its CRM book if they are not there.

    Runs as the application role, so row-level security applies to the seed too.

    Returns:
        True when something was created.
    """
    engine = create_engine(database_url, pool_size=1, role=APP_ROLE)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            created = await seed_demo_users(session)
            if created is not None:
                customer_id, users = created
                await seed_demo_crm(session, customer_id, users)
    finally:
        await engine.dispose()
    return created is not None


async def seed_scale(
    database_url: str, accounts: int, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Add ``accounts`` accounts (and 3x contacts, 1x opportunities) to the demo company.

    Uses COPY as the owner role (the database user of ``database_url``).
    """
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        company = await DemoCompanyLookup(conn).find(DEMO_USERS[0][0])
        if company is None:
            raise RuntimeError("no demo company; run salesos seed-demo first")
        customer_id, owners = company
        counts = await generate_scale(
            conn, customer_id, owners, accounts=accounts, progress=progress
        )
        await ScaleStore(conn).vacuum()
        return counts
    finally:
        await conn.close()


def demo_logins() -> list[str]:
    return [f"{email} / {DEMO_PASSWORD} ({role.value})" for email, _, role in DEMO_USERS]

"""The demo company: an admin, a manager and a rep (``demo123!`` for all)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth import passwords
from backend.auth.models import Customer, User
from backend.auth.repository import LoginLookup, UserRepository
from backend.kit.security import Role
from backend.kit.tenancy import bind_tenant

DEMO_COMPANY = "Demo Company"
DEMO_PASSWORD = "demo123!"  # noqa: S105 - the documented demo login
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin@demo.salesos.dev", "Alex Admin", Role.ADMIN),
    ("manager@demo.salesos.dev", "Morgan Manager", Role.MANAGER),
    ("rep@demo.salesos.dev", "Riley Rep", Role.REP),
)


async def seed_demo_users(session: AsyncSession) -> tuple[uuid.UUID, list[uuid.UUID]] | None:
    """Create the demo company and users unless the demo admin exists.

    Returns:
        The new customer id and user ids, or ``None`` when the demo was already there.
    """
    existing = await LoginLookup.from_session(session).by_email(DEMO_USERS[0][0])
    if existing is not None:
        return None
    customer_id = uuid.uuid4()
    await bind_tenant(session, customer_id)
    session.add(Customer(id=customer_id, name=DEMO_COMPANY))
    await session.flush()
    users = UserRepository.from_session(session)
    password_hash = await passwords.hash_password(DEMO_PASSWORD)
    manager_id: uuid.UUID | None = None
    user_ids: list[uuid.UUID] = []
    for email, name, role in DEMO_USERS:
        user = User(
            id=uuid.uuid4(),
            email=email,
            name=name,
            role=role.value,
            manager_id=manager_id if role is Role.REP else None,
            is_active=True,
            password_hash=password_hash,
        )
        await users.create(user)
        user_ids.append(user.id)
        if role is Role.MANAGER:
            manager_id = user.id
    return customer_id, user_ids

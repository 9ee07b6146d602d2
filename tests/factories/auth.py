"""Tenants and users, made through the public API (the same path a client takes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx

PASSWORD = "correct-horse-battery"


@dataclass
class Login:
    """A signed-in user: tokens and the user as the API returned it."""

    access_token: str
    refresh_token: str
    user: dict[str, object]
    password: str = PASSWORD

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    @property
    def customer_id(self) -> str:
        return str(self.user["customer_id"])


@dataclass
class Tenant:
    admin: Login
    members: dict[str, Login] = field(default_factory=dict)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _login_from(body: dict[str, object], password: str) -> Login:
    return Login(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]),
        user=dict(body["user"]),  # type: ignore[call-overload]
        password=password,
    )


async def signup(api: httpx.AsyncClient, company: str = "Acme", password: str = PASSWORD) -> Tenant:
    r = await api.post(
        "/api/v1/auth/signup",
        json={
            "company": company,
            "name": "Ada Admin",
            "email": unique_email("admin"),
            "password": password,
        },
    )
    assert r.status_code == 201, r.text
    return Tenant(admin=_login_from(r.json(), password))


async def login(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Login:
    r = await api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return _login_from(r.json(), password)


async def add_user(
    api: httpx.AsyncClient, tenant: Tenant, role: str = "rep", manager_id: str | None = None
) -> Login:
    email = unique_email(role)
    body: dict[str, object] = {
        "email": email,
        "name": f"{role.title()} User",
        "role": role,
        "password": PASSWORD,
    }
    if manager_id:
        body["manager_id"] = manager_id
    r = await api.post("/api/v1/users", json=body, headers=tenant.admin.headers)
    assert r.status_code == 201, r.text
    member = await login(api, email)
    tenant.members[member.user_id] = member
    return member

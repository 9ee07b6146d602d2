"""The negative JWT suite: each defect gets a 401, at the gateway and at the service."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.kit.resources import Resources
from backend.kit.security import AUDIENCE, ISSUER
from backend.server import build_service_app
from tests.factories.auth import Tenant, add_user, signup


def _claims(tenant: Tenant, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": tenant.admin.user_id,
        "tid": tenant.admin.customer_id,
        "role": "admin",
        "sid": jwt.decode(tenant.admin.access_token, options={"verify_signature": False})["sid"],
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def alg_none(tenant: Tenant, secret: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(_claims(tenant)).encode())}."


def rs256_confusion(tenant: Tenant, secret: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(tenant), key, algorithm="RS256")


def hs512_other_alg(tenant: Tenant, secret: str) -> str:
    return jwt.encode(_claims(tenant), secret, algorithm="HS512")


def wrong_key(tenant: Tenant, secret: str) -> str:
    return jwt.encode(_claims(tenant), "x" * 64, algorithm="HS256")


def wrong_audience(tenant: Tenant, secret: str) -> str:
    return jwt.encode(_claims(tenant, aud="someone-else"), secret, algorithm="HS256")


def wrong_issuer(tenant: Tenant, secret: str) -> str:
    return jwt.encode(_claims(tenant, iss="evil"), secret, algorithm="HS256")


def expired_by_31_s(tenant: Tenant, secret: str) -> str:
    now = int(time.time())
    return jwt.encode(_claims(tenant, iat=now - 931, exp=now - 31), secret, algorithm="HS256")


def missing_tid(tenant: Tenant, secret: str) -> str:
    claims = _claims(tenant)
    del claims["tid"]
    return jwt.encode(claims, secret, algorithm="HS256")


def tampered_payload(tenant: Tenant, secret: str) -> str:
    header, _, signature = tenant.admin.access_token.split(".")
    payload = _claims(tenant, role="admin", sub=str(uuid.uuid4()))
    return f"{header}.{_b64(json.dumps(payload).encode())}.{signature}"


def refresh_as_access(tenant: Tenant, secret: str) -> str:
    return tenant.admin.refresh_token


def garbage(tenant: Tenant, secret: str) -> str:
    return "not.a.jwt"


FORGERIES: list[Callable[[Tenant, str], str]] = [
    alg_none,
    rs256_confusion,
    hs512_other_alg,
    wrong_key,
    wrong_audience,
    wrong_issuer,
    expired_by_31_s,
    missing_tid,
    tampered_payload,
    refresh_as_access,
    garbage,
]


class TestForgedTokens:
    @pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
    async def test_gateway_refuses(
        self, api: httpx.AsyncClient, resources: Resources, forge: Callable[[Tenant, str], str]
    ) -> None:
        tenant = await signup(api)
        token = forge(tenant, resources.tokens.secret)
        r = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "unauthorized"

    @pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
    async def test_service_refuses_on_its_own(
        self, api: httpx.AsyncClient, resources: Resources, forge: Callable[[Tenant, str], str]
    ) -> None:
        """Reached without the gateway, a service still checks every token."""
        tenant = await signup(api)
        token = forge(tenant, resources.tokens.secret)
        app = build_service_app("auth", resources)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://auth"
        ) as c:
            r = await c.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401

    async def test_the_genuine_token_passes_both(
        self, api: httpx.AsyncClient, resources: Resources
    ) -> None:
        """Control: the suite above fails for the defect, not for the setup."""
        tenant = await signup(api)
        assert (await api.get("/api/v1/auth/me", headers=tenant.admin.headers)).status_code == 200
        token = jwt.encode(_claims(tenant), resources.tokens.secret, algorithm="HS256")
        assert (
            await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        ).status_code == 200
        near_expiry = jwt.encode(
            _claims(tenant, exp=int(time.time()) - 20), resources.tokens.secret, algorithm="HS256"
        )
        r = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {near_expiry}"})
        assert r.status_code == 200  # within the 30 s leeway

    async def test_missing_header_asks_for_a_bearer_token(self, api: httpx.AsyncClient) -> None:
        r = await api.get("/api/v1/auth/me")
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")


class TestDeactivatedUser:
    async def test_their_still_unexpired_token_is_refused(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant)
        assert (await api.get("/api/v1/auth/me", headers=rep.headers)).status_code == 200
        r = await api.post(f"/api/v1/users/{rep.user_id}/deactivate", headers=tenant.admin.headers)
        assert r.status_code == 200
        assert r.json()["is_active"] is False
        assert (await api.get("/api/v1/auth/me", headers=rep.headers)).status_code == 401
        r = await api.post("/api/v1/auth/refresh", json={"refresh_token": rep.refresh_token})
        assert r.status_code == 401

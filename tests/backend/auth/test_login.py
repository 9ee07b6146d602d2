"""Sign-up, sign-in, password policy, lock-out and enumeration behaviour."""

from __future__ import annotations

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.kit.resources import Resources, open_resources
from backend.kit.settings import Settings
from backend.server import build_backend, close_backend
from tests.factories.auth import PASSWORD, add_user, signup, unique_email


class TestSignupAndLogin:
    async def test_signup_creates_a_company_and_signs_its_admin_in(
        self, api: httpx.AsyncClient
    ) -> None:
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "company": "Initech",
                "name": "Bill L",
                "email": unique_email(),
                "password": PASSWORD,
            },
        )
        assert r.status_code == 201
        body = r.json()
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 900
        assert body["user"]["role"] == "admin"
        assert r.headers["cache-control"] == "no-store"
        me = await api.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["id"] == body["user"]["id"]

    async def test_login_is_case_insensitive_on_email(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        email = str(tenant.admin.user["email"])
        r = await api.post(
            "/api/v1/auth/login", json={"email": email.upper(), "password": PASSWORD}
        )
        assert r.status_code == 200
        assert r.json()["user"]["email"] == email

    async def test_duplicate_email_is_a_409(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "company": "Other",
                "name": "X",
                "email": tenant.admin.user["email"],
                "password": PASSWORD,
            },
        )
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "email_taken"

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short1!", "at least 8"),
            ("x" * 129, "at most 128"),
            ("password1", "most common passwords"),
            ("Qwertyuiop", "most common passwords"),
            ("aaaaaaaa", "too easy to guess (repeats"),
            ("abcdefgh", "too easy to guess (sequences"),
            ("salesos123", "too easy to guess"),
            ("Password123!", "too easy to guess"),
        ],
    )
    async def test_password_policy_names_the_field(
        self, api: httpx.AsyncClient, password: str, message: str
    ) -> None:
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "company": "Acme Corp",
                "name": "W",
                "email": unique_email(),
                "password": password,
            },
        )
        assert r.status_code == 422
        detail = r.json()["error"]["details"][0]
        assert detail["field"] == "body.password"
        assert message in detail["message"]

    async def test_a_password_is_kept_exactly_as_typed(self, api: httpx.AsyncClient) -> None:
        email = unique_email()
        spaced = "  harbour violet lantern  "
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "company": "Spaces",
                "name": "S",
                "email": f"  {email.upper()} ",
                "password": spaced,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["user"]["email"] == email  # the email is tidied
        trimmed = await api.post(
            "/api/v1/auth/login", json={"email": email, "password": spaced.strip()}
        )
        assert trimmed.status_code == 401  # the password is not
        exact = await api.post("/api/v1/auth/login", json={"email": email, "password": spaced})
        assert exact.status_code == 200

    async def test_invalid_email_and_unknown_field_are_named(self, api: httpx.AsyncClient) -> None:
        r = await api.post(
            "/api/v1/auth/login", json={"email": "not-an-email", "password": "x", "admin": True}
        )
        assert r.status_code == 422
        fields = {d["field"] for d in r.json()["error"]["details"]}
        assert fields == {"body.email", "body.admin"}

    async def test_login_rehashes_a_hash_made_with_old_parameters(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
        async with owner_engine.begin() as conn:
            await conn.execute(
                text("UPDATE auth.users SET password_hash = :h WHERE id = :id"),
                {"h": weak, "id": tenant.admin.user_id},
            )
        r = await api.post(
            "/api/v1/auth/login", json={"email": tenant.admin.user["email"], "password": PASSWORD}
        )
        assert r.status_code == 200
        async with owner_engine.connect() as conn:
            stored = await conn.scalar(
                text("SELECT password_hash FROM auth.users WHERE id = :id"),
                {"id": tenant.admin.user_id},
            )
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


class TestSignInSaysWhatIsWrong:
    """Sign-up must say an email is taken (no mail channel exists to confirm an address),
    so sign-in says which of email and password is wrong, consistently; both are
    rate-limited per address, failures per account and source."""

    async def test_unknown_email_and_wrong_password_are_told_apart(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        email = tenant.admin.user["email"]
        wrong = await api.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}
        )
        unknown = await api.post(
            "/api/v1/auth/login", json={"email": unique_email(), "password": "wrong-password-1"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_credentials"
        assert unknown.json()["error"]["code"] == "unknown_email"
        taken = await api.post(
            "/api/v1/auth/signup",
            json={"company": "Again", "name": "A", "email": email, "password": PASSWORD},
        )
        assert taken.status_code == 409  # what sign-up says, sign-in says too
        assert taken.json()["error"]["code"] == "email_taken"

    async def test_a_deactivated_user_with_the_right_password_is_told_so(
        self, api: httpx.AsyncClient
    ) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant)
        await api.post(f"/api/v1/users/{rep.user_id}/deactivate", headers=tenant.admin.headers)
        r = await api.post(
            "/api/v1/auth/login", json={"email": rep.user["email"], "password": PASSWORD}
        )
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "account_deactivated"
        guess = await api.post(
            "/api/v1/auth/login", json={"email": rep.user["email"], "password": "not-it-1"}
        )
        assert guess.json()["error"]["code"] == "invalid_credentials"  # no hint without it


class TestLockout:
    @pytest.mark.parametrize("known", [True, False], ids=["known-email", "unknown-email"])
    async def test_failures_lock_the_email_progressively(
        self, api: httpx.AsyncClient, known: bool
    ) -> None:
        tenant = await signup(api)
        email = tenant.admin.user["email"] if known else unique_email()
        for _ in range(4):  # three free failures, the fourth starts the wait
            r = await api.post(
                "/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}
            )
            assert r.status_code == 401
        r = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "account_locked"
        assert 1 <= int(r.headers["retry-after"]) <= 2

    async def test_hard_cap_blocks_for_fifteen_minutes(
        self, api: httpx.AsyncClient, owner_engine: AsyncEngine
    ) -> None:
        tenant = await signup(api)
        email = str(tenant.admin.user["email"])
        import hashlib

        # The counter of this account from this source (the test client's address).
        digest = hashlib.sha256(f"{email}\x00127.0.0.1".encode()).hexdigest()
        async with owner_engine.begin() as conn:  # nine earlier failures, the wait already over
            await conn.execute(
                text(
                    "INSERT INTO auth.login_throttle VALUES (:h, 9, now(), now() - interval '1 s')"
                ),
                {"h": digest},
            )
        r = await api.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}
        )
        assert r.status_code == 401
        r = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 429
        assert 890 <= int(r.headers["retry-after"]) <= 900

    async def test_success_resets_the_counter(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        email = tenant.admin.user["email"]
        for _ in range(3):
            await api.post(
                "/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}
            )
        assert (
            await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        ).status_code == 200
        for _ in range(3):
            r = await api.post(
                "/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}
            )
            assert r.status_code == 401  # free again, not locked

    async def test_someone_elses_failures_do_not_lock_the_owner_out(
        self, resources: Resources
    ) -> None:
        """The block is per account and source: a guesser elsewhere locks only itself."""
        app = build_backend(resources)
        try:
            owner, guesser = (
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(address, 5000)),
                    base_url="http://t",
                )
                for address in ("10.0.0.1", "10.6.6.6")
            )
            async with owner, guesser:
                tenant = await signup(owner)
                email = tenant.admin.user["email"]
                for _ in range(11):
                    await guesser.post(
                        "/api/v1/auth/login", json={"email": email, "password": "wrong-guess-1"}
                    )
                blocked = await guesser.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                assert blocked.status_code == 429  # the guesser waits, even with the password
                assert blocked.json()["error"]["code"] == "account_locked"
                mine = await owner.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                assert mine.status_code == 200  # the owner signs in all the same
        finally:
            await close_backend(app)


class TestIpThrottle:
    async def test_too_many_attempts_from_one_address(self, settings: Settings, infra) -> None:
        limited = settings.model_copy(update={"login_ip_limit_per_minute": 3})
        res: Resources = await open_resources(
            limited,
            database_url=infra.database_url,
            bootstrap_servers=infra.bootstrap_servers,
            mode="solo",
        )
        app = build_backend(res)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                codes = []
                for _ in range(4):
                    r = await c.post(
                        "/api/v1/auth/login",
                        json={"email": unique_email(), "password": "whatever-1"},
                    )
                    codes.append(r.status_code)
                assert codes == [401, 401, 401, 429]
                assert r.json()["error"]["code"] == "too_many_attempts"
                assert int(r.headers["retry-after"]) >= 1
        finally:
            await close_backend(app)
            await res.close()

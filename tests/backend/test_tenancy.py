"""Tenants never see each other's data: a probe generated from the OpenAPI schema,
and row-level security checked with raw SQL through the application role."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from backend.auth.models import User
from backend.auth.repository import UserRepository
from backend.kit.resources import Resources
from backend.kit.tenancy import NoTenantError, bind_tenant
from tests.factories.auth import Tenant, add_user, signup
from tests.servers import smtp as smtp_server
from tests.servers.smtp import SMTPServer

PARAM = re.compile(r"\{[^}]+\}")


def _example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A minimal valid value for a JSON schema (enough to get past validation)."""
    if "$ref" in schema:
        return _example(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec)
    if "anyOf" in schema:
        return _example(next(s for s in schema["anyOf"] if s.get("type") != "null"), spec)
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "object":
        return {
            k: _example(v, spec)
            for k, v in schema.get("properties", {}).items()
            if k in schema.get("required", [])
        }
    if kind == "array":  # as few items as the schema lets through (a pipeline's 3 stages)
        return [_example(schema.get("items", {}), spec) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":  # the document may say 0.0 where the server wants 0
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "email":
        return f"probe-{uuid.uuid4().hex[:8]}@example.com"
    if fmt == "uuid":
        return str(uuid.uuid4())
    return "probe-value-123"


VALID_BODIES: dict[tuple[str, str], Any] = {
    # Rules across items the document cannot state: one open, one won, one lost stage.
    ("put", "/api/v1/pipelines/{pipeline_id}/stages"): {
        "stages": [
            {"name": "Open", "probability": 10, "outcome": "open"},
            {"name": "Won", "probability": 100, "outcome": "won"},
            {"name": "Lost", "probability": 0, "outcome": "lost"},
        ]
    },
}
"""Bodies for routes whose valid input a schema alone does not make (method, path)."""


def _body_for(op: dict[str, Any], spec: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    return None if content is None else _example(content["schema"], spec)


def _schema(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is_page(op: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Does the 200 answer list records: ``{"items": [{"id": ...}, ...]}``?"""
    body = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
    items = _schema(body.get("schema", {}), spec).get("properties", {}).get("items")
    if items is None:
        return False
    return "id" in _schema(items.get("items", {}), spec).get("properties", {})


def _has_id_param(ops: dict[str, Any]) -> bool:
    """A path parameter that is a record id (uuid), not e.g. an object type."""
    return any(
        p.get("in") == "path" and p.get("schema", {}).get("format") == "uuid"
        for op in ops.values() if isinstance(op, dict) for p in op.get("parameters", [])
    )  # fmt: skip


def _needs_query(op: dict[str, Any]) -> bool:
    return any(p.get("required") and p.get("in") == "query" for p in op.get("parameters", []))


async def _give_data(api: httpx.AsyncClient, tenant: Tenant, smtp: SMTPServer) -> None:
    """One record in every list a tenant can fill, so the probe has ids to aim at.
    A new list route without an entry here fails the probe with a message saying so."""
    h = tenant.admin.headers
    sender = f"probe-{uuid.uuid4().hex[:8]}@example.com"
    smtp.add_user(sender, "probe password 1")
    mailbox = await api.post(
        "/api/v1/mailboxes",
        json={"kind": "smtp", "email": sender, "smtp_host": smtp.host, "smtp_port": smtp.port,
              "smtp_security": "none", "username": sender, "password": "probe password 1"},
        headers=h,
    )  # fmt: skip
    assert mailbox.status_code == 201, mailbox.text
    template = await api.post(
        "/api/v1/email-templates",
        json={"name": "Probe", "subject": "Hi", "body_text": "Hello {{ contact.first_name }}"},
        headers=h,
    )
    assert template.status_code == 201, template.text
    email = await api.post(
        "/api/v1/emails",
        json={"mailbox_id": mailbox.json()["id"], "to": ["lead@example.org"], "subject": "Hi",
              "body_text": "Hello", "send_at": "2099-01-01T00:00:00Z"},
        headers=h,
    )  # fmt: skip
    assert email.status_code == 202, email.text
    account = (
        await api.post(
            "/api/v1/accounts", json={"name": "Probe Corp", "domain": "probe.example"}, headers=h
        )
    ).json()
    contact = await api.post(
        "/api/v1/contacts",
        json={"last_name": "Probe", "email": "p@probe.example", "account_id": account["id"]},
        headers=h,
    )
    assert contact.status_code == 201, contact.text
    opp = await api.post(
        "/api/v1/opportunities", json={"name": "Probe deal", "amount": "10.00"}, headers=h
    )
    assert opp.status_code == 201, opp.text
    field = await api.post(
        "/api/v1/custom-fields",
        json={
            "object_type": "account",
            "key": "tier",
            "label": "Tier",
            "field_type": "select",
            "options": ["A", "B"],
        },
        headers=h,
    )
    assert field.status_code == 201, field.text
    view = await api.post(
        "/api/v1/views", json={"object_type": "account", "name": "Mine"}, headers=h
    )
    assert view.status_code == 201, view.text
    job = await api.post(
        "/api/v1/imports",
        files={
            "file": ("c.csv", b"Last name,Email\nDoe,bad-email\nRoe,roe@x.example\n", "text/csv")
        },
        data={"mapping": '{"Last name": "last_name", "Email": "email"}', "object_type": "contact"},
        headers=h,
    )
    assert job.status_code == 202, job.text
    for _ in range(100):  # let it finish (it runs in the background)
        status = (await api.get(f"/api/v1/imports/{job.json()['id']}", headers=h)).json()["status"]
        if status == "done":
            break
        await asyncio.sleep(0.05)


async def _ids_of(api: httpx.AsyncClient, tenant: Tenant, list_path: str) -> set[str]:
    r = await api.get(list_path, headers=tenant.admin.headers)
    assert r.status_code == 200, f"{list_path}: {r.text}"
    return {str(item["id"]) for item in r.json()["items"]}


class TestCrossTenantProbe:
    """For every route with an id in its path, tenant B asking for tenant A's id gets
    404 and no data; list routes never show A's rows to B. New routes are covered
    as soon as they appear in the OpenAPI document."""

    async def test_every_id_route_and_every_list(self, api: httpx.AsyncClient) -> None:
        spec = (await api.get("/openapi.json")).json()
        a, b = await signup(api, "Tenant A"), await signup(api, "Tenant B")
        with smtp_server.running({}, auth_without_tls=True) as smtp:
            for tenant in (a, b):  # some data on both sides
                await add_user(api, tenant, "manager")
                await add_user(api, tenant, "rep")
                await _give_data(api, tenant, smtp)

        list_routes = [
            p for p, ops in spec["paths"].items()
            if "get" in ops and "{" not in p and p.startswith("/api/v1/")
            and ops["get"].get("security") != [] and _is_page(ops["get"], spec)
            and not _needs_query(ops["get"])
        ]  # fmt: skip
        assert "/api/v1/users" in list_routes
        a_ids: dict[str, set[str]] = {p: await _ids_of(api, a, p) for p in list_routes}
        b_ids: dict[str, set[str]] = {p: await _ids_of(api, b, p) for p in list_routes}
        for path in list_routes:
            assert a_ids[path], f"tenant A has no rows at {path}: the probe would prove nothing"
            assert not a_ids[path] & b_ids[path], f"{path} shows tenant A's rows to tenant B"

        probed = 0
        for path, ops in spec["paths"].items():
            if not _has_id_param(ops) or not path.startswith("/api/v1/"):
                continue
            list_path = PARAM.split(path)[0].rstrip("/")
            assert list_path in a_ids, (
                f"cannot probe {path}: no list route {list_path} to find tenant A's ids"
            )
            victim = sorted(a_ids[list_path])[0]
            url = PARAM.sub(victim, path, count=1)
            for method, op in ops.items():
                body = VALID_BODIES.get((method, path)) or _body_for(op, spec)
                r = await api.request(method.upper(), url, json=body, headers=b.admin.headers)
                assert r.status_code == 404, (
                    f"{method.upper()} {path} as tenant B: {r.status_code} {r.text}"
                )
                body = r.json()  # an error body and nothing else: no field of A's record
                assert set(body) == {"error"}
                assert body["error"]["code"] == "not_found"
                probed += 1
        # users 3, sessions 1, accounts/contacts/opportunities 4 each, pipelines 4 (with PUT
        # stages), fields 2, views 3, imports 3; mailboxes 4, email templates 4, emails 3
        assert probed >= 39, probed
        assert {"/api/v1/mailboxes", "/api/v1/email-templates", "/api/v1/emails"} <= set(a_ids)
        # And nothing of A's changed through B's attempts.
        assert await _ids_of(api, a, "/api/v1/users") == a_ids["/api/v1/users"]
        users = (await api.get("/api/v1/users", headers=a.admin.headers)).json()["items"]
        assert all(u["is_active"] for u in users)


class TestRowLevelSecurity:
    async def test_raw_sql_with_a_forgotten_tenant_filter_sees_only_its_tenant(
        self, api: httpx.AsyncClient, resources: Resources
    ) -> None:
        await signup(api, "RLS A")  # a neighbour whose rows must stay invisible
        b = await signup(api, "RLS B")
        async with resources.sessionmaker() as session:
            await bind_tenant(session, uuid.UUID(b.admin.customer_id))
            rows = (await session.execute(text("SELECT id, customer_id FROM auth.users"))).all()
            assert rows
            assert {str(r.customer_id) for r in rows} == {b.admin.customer_id}
            everything = await session.scalar(text("SELECT count(*) FROM auth.sessions"))
            mine = await session.scalar(
                text("SELECT count(*) FROM auth.sessions WHERE customer_id = :c"),
                {"c": b.admin.customer_id},
            )
            assert everything == mine
            await session.rollback()

    async def test_no_tenant_means_no_rows_not_all_rows(
        self, api: httpx.AsyncClient, resources: Resources
    ) -> None:
        await signup(api, "RLS C")
        async with resources.sessionmaker() as session:
            assert await session.scalar(text("SELECT count(*) FROM auth.users")) == 0
            assert await session.scalar(text("SELECT count(*) FROM auth.customers")) == 0

    async def test_writing_into_another_tenant_is_refused(
        self, api: httpx.AsyncClient, resources: Resources
    ) -> None:
        a, b = await signup(api, "RLS D"), await signup(api, "RLS E")
        async with resources.sessionmaker() as session:
            await bind_tenant(session, uuid.UUID(b.admin.customer_id))
            updated = await session.execute(
                text("UPDATE auth.users SET name = 'pwned' WHERE id = :id"), {"id": a.admin.user_id}
            )
            assert updated.rowcount == 0
            with pytest.raises(DBAPIError, match="row-level security"):
                await session.execute(
                    text(
                        "INSERT INTO auth.sessions (id, customer_id, user_id, expires_at) "
                        "VALUES (gen_random_uuid(), :c, :u, now())"
                    ),
                    {"c": a.admin.customer_id, "u": a.admin.user_id},
                )
            await session.rollback()

    async def test_the_app_role_cannot_switch_itself_off(self, resources: Resources) -> None:
        async with resources.sessionmaker() as session:
            assert await session.scalar(text("SELECT current_user")) == "salesos_app"
            await session.execute(text("RESET ROLE"))
            assert await session.scalar(text("SELECT current_user")) == "salesos_app"
            with pytest.raises(DBAPIError):
                await session.execute(text("ALTER TABLE auth.users DISABLE ROW LEVEL SECURITY"))
            await session.rollback()

    async def test_a_pooled_connection_does_not_carry_the_tenant_over(
        self, api: httpx.AsyncClient, resources: Resources
    ) -> None:
        a = await signup(api, "RLS F")
        for _ in range(resources.settings.db_pool_size + 2):  # cycle through the pool
            async with resources.sessionmaker() as session:
                await bind_tenant(session, uuid.UUID(a.admin.customer_id))
                assert await session.scalar(text("SELECT count(*) FROM auth.users")) >= 1
                await session.commit()
            async with resources.sessionmaker() as session:
                assert await session.scalar(text("SELECT count(*) FROM auth.users")) == 0


class TestRepositoriesNeedATenant:
    async def test_building_a_tenant_repository_without_a_tenant_raises(
        self, resources: Resources
    ) -> None:
        async with resources.sessionmaker() as session:
            with pytest.raises(NoTenantError):
                UserRepository.from_session(session)

    async def test_queries_are_filtered_even_if_rls_were_off(
        self, api: httpx.AsyncClient, owner_session
    ) -> None:
        """The repository filter alone (owner session: RLS does not apply to superusers)."""
        a, b = await signup(api, "Repo A"), await signup(api, "Repo B")
        owner_session.info["customer_id"] = uuid.UUID(b.admin.customer_id)
        repo = UserRepository.from_session(owner_session)
        assert await repo.get(uuid.UUID(a.admin.user_id)) is None
        rows = (await owner_session.scalars(repo.select())).all()
        assert {str(u.customer_id) for u in rows} == {b.admin.customer_id}
        assert (
            await owner_session.scalars(select(User))
        ).all()  # owner sees everyone: the filter did the work

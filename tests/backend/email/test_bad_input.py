"""Bad input to ``POST /emails`` gets a 4xx naming the field, and nothing is queued:
an unknown mailbox, 101 recipients, a malformed address, a template error, an
attachment over the mailbox's limit, a mailbox of another user or tenant."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.backend.email.support import EMAILS, TEMPLATES, connect_smtp
from tests.factories import crm
from tests.factories.auth import Login, Tenant, add_user, signup
from tests.servers.smtp import SMTPServer


async def _nothing_queued(api: httpx.AsyncClient, who: Login) -> None:
    r = await api.get(EMAILS, headers=who.headers)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


@pytest.fixture
async def company(email_api: httpx.AsyncClient, smtp: SMTPServer) -> tuple[Tenant, dict[str, Any]]:
    tenant = await signup(email_api, "Careless")
    return tenant, await connect_smtp(email_api, tenant.admin, smtp)


def _field(r: httpx.Response) -> str:
    return str(r.json()["error"]["details"][0]["field"])


class TestRefusedBeforeAnythingIsQueued:
    @pytest.mark.parametrize(
        ("change", "status", "field"),
        [
            ({"mailbox_id": "00000000-0000-4000-8000-000000000000"}, 422, "body.mailbox_id"),
            ({"to": [f"r{i}@example.com" for i in range(101)]}, 422, "body.to"),
            ({"to": ["a@example.com"], "cc": [f"c{i}@example.com" for i in range(100)]}, 422, "body.to"),
            ({"to": ["not an address"]}, 422, "body.to.0"),
            ({"to": ["ada@example"]}, 422, "body.to.0"),
            ({"to": []}, 422, "body.to"),
            ({"subject": "Hi {{ contact.nickname }}"}, 422, "body.subject"),
            ({"body_text": "Hi\n{% if %}"}, 422, "body.body_text"),
            ({"body_html": "<p>{{ contact.first_name | shout }}</p>", "body_text": None}, 422, "body.body_html"),
            ({"body_text": "", "body_html": None}, 422, "body.body_text"),
            ({"send_at": "2026-12-24T09:00:00"}, 422, "body.send_at"),
            ({"template_id": "00000000-0000-4000-8000-000000000000"}, 422, "body.template_id"),
            ({"contact_id": "00000000-0000-4000-8000-000000000000"}, 422, "body.contact_id"),
            ({"attachment_ids": ["00000000-0000-4000-8000-000000000000"]}, 422, "body.attachment_ids"),
            ({"subject": "x" * 999}, 422, "body.subject"),
            ({"subject": "nul \u0000 inside"}, 422, "body.subject"),
            ({"to": [{"email": "ada@example.com", "name": "Ada\r\nBcc: all@example.org"}]}, 422, "body.to.0.name"),
            ({"cc": [{"email": "bob@example.com", "name": "Bob\nX"}]}, 422, "body.cc.0.name"),
        ],
    )  # fmt: skip
    async def test_bad_input_is_named(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]],
        change: dict[str, Any], status: int, field: str,
    ) -> None:  # fmt: skip
        tenant, mailbox = company
        body = {"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "Hello",
                "body_text": "Hi", **change}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)
        assert r.status_code == status, r.text
        named = [d["field"] for d in r.json()["error"]["details"]]
        assert field in named, r.text  # (a union names each way the value failed)
        await _nothing_queued(email_api, tenant.admin)

    async def test_the_line_of_a_template_error_is_named(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, mailbox = company
        body = {"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "Hi",
                "body_text": "Dear {{ contact.first_name }},\n\nsee {{ account.revenue }}"}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)
        assert r.status_code == 422
        detail = r.json()["error"]["details"][0]
        assert detail["field"] == "body.body_text"
        assert detail["message"].startswith("line 3: account.revenue is not a merge field")

    async def test_an_attachment_over_the_mailboxs_limit_is_413(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, mailbox = company
        limit = mailbox["max_message_bytes"]  # what the server's SIZE said (35 MB here)
        part = b"x" * (limit * 2 // 5)  # two of them, base64-encoded, are over the limit
        ids = []
        for name in ("deck.pdf", "terms.pdf"):
            up = await email_api.post(
                "/api/v1/email-attachments", files={"file": (name, part, "application/pdf")},
                headers=tenant.admin.headers,
            )  # fmt: skip
            assert up.status_code == 201, up.text
            ids.append(up.json()["id"])
        body = {"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "Deck",
                "body_text": "Attached", "attachment_ids": ids}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)
        assert r.status_code == 413, r.text
        assert _field(r) == "body.attachment_ids"
        await _nothing_queued(email_api, tenant.admin)

    async def test_a_contact_who_asked_not_to_be_contacted_is_refused(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, mailbox = company
        person = await crm.contact(email_api, tenant.admin, "Quiet", email="quiet@example.com",
                                   do_not_contact=True)  # fmt: skip
        body = {"mailbox_id": mailbox["id"], "to": ["quiet@example.com"], "subject": "Hi",
                "body_text": "Hello"}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)
        assert r.status_code == 422, r.text
        assert _field(r) == "body.to"
        body["contact_id"] = person["id"]
        r = await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)
        assert _field(r) == "body.contact_id"
        await _nothing_queued(email_api, tenant.admin)


class TestNobodyElsesMailbox:
    async def test_a_colleagues_mailbox_cannot_send_for_you(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]], smtp: SMTPServer
    ) -> None:
        tenant, mailbox = company
        rep = await add_user(email_api, tenant, "rep")
        body = {"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "Hi",
                "body_text": "Hello"}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=rep.headers)
        assert r.status_code == 422, r.text
        assert _field(r) == "body.mailbox_id"
        for path in (
            f"/api/v1/mailboxes/{mailbox['id']}",
            f"/api/v1/mailboxes/{mailbox['id']}/test",
        ):
            call = email_api.get if path.endswith(mailbox["id"]) else email_api.post
            assert (await call(path, headers=rep.headers)).status_code == 404
        await _nothing_queued(email_api, rep)

    async def test_another_companys_mailbox_and_email_are_not_there(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, mailbox = company
        other = await signup(email_api, "Elsewhere")
        queued = await email_api.post(
            EMAILS, json={"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "s",
                          "body_text": "b", "send_at": "2099-01-01T00:00:00Z"},
            headers=tenant.admin.headers,
        )  # fmt: skip
        assert queued.status_code == 202, queued.text
        email_id = queued.json()["id"]
        body = {"mailbox_id": mailbox["id"], "to": ["ada@example.com"], "subject": "Hi",
                "body_text": "Hello"}  # fmt: skip
        r = await email_api.post(EMAILS, json=body, headers=other.admin.headers)
        assert r.status_code == 422
        assert _field(r) == "body.mailbox_id"
        for path in (f"{EMAILS}/{email_id}", f"/api/v1/mailboxes/{mailbox['id']}"):
            assert (await email_api.get(path, headers=other.admin.headers)).status_code == 404
        r = await email_api.post(f"{EMAILS}/{email_id}/cancel", headers=other.admin.headers)
        assert r.status_code == 404
        assert (await email_api.get(EMAILS, headers=other.admin.headers)).json()["items"] == []


class TestTemplates:
    async def test_a_template_with_an_error_is_not_saved(
        self, email_api: httpx.AsyncClient, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _ = company
        r = await email_api.post(
            TEMPLATES, json={"name": "Intro", "subject": "Hi {{ contact.first_name",
                             "body_text": "x"}, headers=tenant.admin.headers,
        )  # fmt: skip
        assert r.status_code == 422
        assert _field(r) == "body.subject"
        assert "line 1" in r.json()["error"]["details"][0]["message"]
        listed = await email_api.get(TEMPLATES, headers=tenant.admin.headers)
        assert listed.json()["items"] == []

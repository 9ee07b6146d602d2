"""``app.api.templates`` against the real solo backend: templates saved, listed, previewed
for a contact and changed; a syntax error or an unknown merge field named with its part
and line before anything is saved; the merge fields offered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.templates import TemplatesApi
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import EmailServer, email_server
from tests.app.support import STRONG_PASSWORD

__all__ = ["email_server"]


@pytest.fixture
async def tenant(email_server: EmailServer) -> Tenant:
    return sign_up(email_server.server)


@pytest.fixture
async def client(email_server: EmailServer, tenant: Tenant) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(email_server.url) as client:
        await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
        yield client


class TestTemplates:
    async def test_a_template_is_saved_listed_changed_and_deleted(
        self, client: GatewayClient
    ) -> None:
        api = TemplatesApi(client)
        made = await api.create("Follow-up", "Next steps, {{ contact.first_name }}",
                                body_text="Hi {{ contact.first_name | default('there') }}")  # fmt: skip
        assert (made.name, made.shared, made.body_html) == ("Follow-up", False, None)
        assert [t.id for t in await api.templates()] == [made.id]
        changed = await api.change(made.id, {"name": "Follow-up 2", "shared": True})
        assert (changed.name, changed.shared) == ("Follow-up 2", True)
        assert changed.version > made.version
        assert (await api.get(made.id)).name == "Follow-up 2"
        await api.delete(made.id)
        assert await api.templates() == []
        with pytest.raises(ApiError) as gone:
            await api.get(made.id)
        assert gone.value.status_code == 404

    @pytest.mark.parametrize(
        ("subject", "body", "field", "line"),
        [
            ("Hi {{ contact.frist_name }}", "Hello", "subject", "line 1"),
            ("Hi", "Hello\n\n{{ contact.first_name", "body_text", "line 3"),
        ],
    )
    async def test_an_error_is_named_with_its_part_and_line_and_nothing_is_saved(
        self, client: GatewayClient, subject: str, body: str, field: str, line: str
    ) -> None:
        api = TemplatesApi(client)
        with pytest.raises(ApiError) as refused:
            await api.create("Broken", subject, body_text=body)
        assert refused.value.status_code == 422
        assert line in refused.value.field_errors[field]
        assert await api.templates() == []

    async def test_a_preview_fills_in_the_contacts_fields(
        self, client: GatewayClient, tenant: Tenant
    ) -> None:
        contact = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                                email="ada@example.org")  # fmt: skip
        api = TemplatesApi(client)
        made = await api.create("Intro", "Hello {{ contact.first_name }}",
                                body_text="{{ contact.title | default('Hi') }} {{ account.name }}")  # fmt: skip
        shown = await api.preview(made.id, contact_id=contact["id"])
        assert shown.subject == "Hello Ada"
        assert shown.contact_id == contact["id"]
        assert "contact.title" in shown.empty_fields
        by_address = await api.preview(made.id, to="ada@example.org")
        assert by_address.contact_id == contact["id"]

    async def test_the_merge_fields_are_offered_by_kind(self, client: GatewayClient) -> None:
        fields = await TemplatesApi(client).fields()
        assert "first_name" in fields.contact
        assert "name" in fields.account
        assert "email" in fields.sender
        assert "contact.first_name" in fields.by_kind()["contact"]

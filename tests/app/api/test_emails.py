"""``app.api.emails`` against the real solo backend and its send worker, sending through a
real SMTP server: queued, sent once, failed with the reason, uncertain until its sender
decides, cancelled; previews per recipient; attachments; the errors the docstrings
promise; the live frames of a message's changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.emails import (
    CANCELLED,
    FAILED,
    SCHEDULED,
    SENT,
    UNCERTAIN,
    Draft,
    Email,
    EmailsApi,
    Recipient,
)
from app.api.errors import ApiError
from tests.app.api.test_live import heard_of, listening
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import EmailServer, email_server
from tests.app.support import STRONG_PASSWORD
from tests.fakes import faults

__all__ = ["email_server"]

SETTLED = {SENT, FAILED, UNCERTAIN, CANCELLED}


@pytest.fixture
async def tenant(email_server: EmailServer) -> Tenant:
    return sign_up(email_server.server)


@pytest.fixture
async def mailbox(email_server: EmailServer, tenant: Tenant) -> dict[str, Any]:
    return email_server.connect_smtp(tenant)


@pytest.fixture
async def client(email_server: EmailServer, tenant: Tenant) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(email_server.url) as client:
        await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
        yield client


def draft(mailbox: dict[str, Any], **fields: Any) -> Draft:
    values = {"mailbox_id": mailbox["id"], "to": [Recipient(email="ada@example.org")],
              "subject": "Hello", "body_text": "Hi there"} | fields  # fmt: skip
    return Draft.model_validate(values)


async def settled(api: EmailsApi, email_id: str, states: set[str] = SETTLED) -> Email:
    """The message once its state is one of ``states`` (the send worker runs in the backend)."""
    async with asyncio.timeout(30):
        while True:
            email = await api.get(email_id)
            if email.state in states:
                return email
            await asyncio.sleep(0.05)


class TestSending:
    async def test_a_queued_email_is_sent_once(
        self,
        client: GatewayClient,
        mailbox: dict[str, Any],
        email_server: EmailServer,
        tenant: Tenant,
    ) -> None:
        contact = tenant.create("contacts", first_name="Ada", last_name="Lovelace",
                                email="ada.l@example.org")  # fmt: skip
        api = EmailsApi(client)
        queued = await api.send(
            draft(
                mailbox,
                to=[Recipient(email="ada.l@example.org", name="Ada Lovelace")],
                subject="Hello {{ contact.first_name }}",
                contact_id=contact["id"],
            )
        )
        assert queued.state == SCHEDULED
        assert queued.subject == "Hello Ada"
        assert queued.contact_id == contact["id"]
        sent = await settled(api, queued.id)
        assert sent.state == SENT, sent.failure_reason
        assert sent.sent_at is not None
        assert sent.attempt_log[0].outcome == "sent"
        assert email_server.smtp.recorder.count(queued.message_id) == 1
        page = await api.page(contact_id=contact["id"])
        assert [e.id for e in page.items] == [queued.id]

    async def test_a_refused_message_fails_with_the_reason(
        self, client: GatewayClient, mailbox: dict[str, Any], email_server: EmailServer
    ) -> None:
        email_server.smtp.faults.push("smtp.data", faults.status(554), mailbox=mailbox["email"])
        api = EmailsApi(client)
        failed = await settled(api, (await api.send(draft(mailbox))).id)
        assert failed.state == FAILED
        assert failed.failure_reason

    async def test_a_lost_answer_is_uncertain_until_its_sender_decides(
        self, client: GatewayClient, mailbox: dict[str, Any], email_server: EmailServer
    ) -> None:
        email_server.smtp.faults.push(
            "smtp.data", faults.accept_then_drop(), mailbox=mailbox["email"]
        )
        api = EmailsApi(client)
        queued = await api.send(draft(mailbox))
        unsure = await settled(api, queued.id)
        assert unsure.state == UNCERTAIN
        assert unsure.failure_reason
        decided = await api.decide(unsure.id, "sent")
        assert decided.state == SENT
        assert email_server.smtp.recorder.count(queued.message_id) == 1  # never resent
        with pytest.raises(ApiError) as again:
            await api.decide(unsure.id, "resend")
        assert again.value.status_code == 409

    async def test_a_scheduled_email_can_be_cancelled_until_it_goes(
        self, client: GatewayClient, mailbox: dict[str, Any]
    ) -> None:
        api = EmailsApi(client)
        later = datetime.now(UTC) + timedelta(hours=2)
        queued = await api.send(draft(mailbox, send_at=later))
        assert queued.state == SCHEDULED
        assert queued.send_at is not None
        assert abs((queued.send_at - later).total_seconds()) < 1
        cancelled = await api.cancel(queued.id)
        assert cancelled.state == CANCELLED
        with pytest.raises(ApiError) as again:
            await api.cancel(queued.id)
        assert again.value.status_code == 409

    async def test_a_time_without_a_zone_is_refused_before_it_is_sent(
        self, mailbox: dict[str, Any]
    ) -> None:
        with pytest.raises(ValueError, match="time zone"):
            draft(mailbox, send_at=datetime(2030, 1, 1, 9, 0)).send_body()


class TestBadInput:
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"to": [Recipient(email="not an address")]}, "to.0"),
            ({"subject": "Hi {{ contact.frist_name }}"}, "subject"),
            ({"subject": "", "body_text": "Hi"}, "subject"),
            ({"body_text": ""}, "body_text"),
        ],
    )
    async def test_a_4xx_names_the_field_and_nothing_is_queued(
        self, client: GatewayClient, mailbox: dict[str, Any], fields: dict[str, Any], field: str
    ) -> None:
        api = EmailsApi(client)
        with pytest.raises(ApiError) as refused:
            await api.send(draft(mailbox, **fields))
        errors = refused.value.field_errors
        assert any(name == field or name.startswith(f"{field}.") for name in errors), errors
        assert (await api.page(mailbox_id=mailbox["id"])).items == []

    async def test_another_users_mailbox_is_not_one_of_yours(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        other = email_server.connect_smtp(sign_up(email_server.server))
        with pytest.raises(ApiError) as refused:
            await EmailsApi(client).send(draft(other))
        assert "mailbox_id" in refused.value.field_errors

    async def test_a_template_error_says_its_line(
        self, client: GatewayClient, mailbox: dict[str, Any]
    ) -> None:
        with pytest.raises(ApiError) as refused:
            await EmailsApi(client).preview(draft(mailbox, body_text="Hello\n{{ contact.nope }}"))
        message = refused.value.field_errors.get("body_text", "")
        assert "line 2" in message


class TestPreview:
    async def test_each_recipient_gets_their_own_fields(
        self, client: GatewayClient, mailbox: dict[str, Any], tenant: Tenant
    ) -> None:
        tenant.create("contacts", first_name="Grace", last_name="Hopper", email="grace@example.org")
        items = await EmailsApi(client).preview(
            draft(
                mailbox,
                to=[Recipient(email="grace@example.org"), Recipient(email="nobody@example.org")],
                subject="Hi {{ contact.first_name | default('there') }}",
                body_text="Dear {{ contact.first_name }},\nfrom {{ sender.email }}",
            )
        )
        grace, nobody = items
        assert (grace.to, grace.subject) == ("grace@example.org", "Hi Grace")
        assert grace.contact_id is not None
        assert grace.empty_fields == []
        assert mailbox["email"] in grace.body_text
        assert (nobody.subject, nobody.contact_id) == ("Hi there", None)
        assert "contact.first_name" in nobody.empty_fields


class TestAttachments:
    async def test_a_file_is_uploaded_and_sent_with_the_message(
        self, client: GatewayClient, mailbox: dict[str, Any], email_server: EmailServer
    ) -> None:
        api = EmailsApi(client)
        file = await api.upload("quote.txt", b"Price: 100\n", "text/plain")
        assert (file.filename, file.size) == ("quote.txt", 11)
        queued = await api.send(draft(mailbox, attachment_ids=[file.id]))
        assert [a.id for a in queued.attachments] == [file.id]
        assert (await settled(api, queued.id)).state == SENT
        got = next(
            m for m in email_server.smtp.recorder.accepted if m.message_id == queued.message_id
        )
        assert any(part.get_filename() == "quote.txt" for part in got.message.walk())

    async def test_an_empty_file_is_refused_naming_it(self, client: GatewayClient) -> None:
        with pytest.raises(ApiError) as refused:
            await EmailsApi(client).upload("empty.txt", b"")
        assert "file" in refused.value.field_errors


class TestLive:
    async def test_a_sent_message_is_heard_of_with_its_version(
        self, client: GatewayClient, mailbox: dict[str, Any]
    ) -> None:
        api = EmailsApi(client)
        async with listening(client) as heard:
            queued = await api.send(draft(mailbox))
            queued_change = await heard_of(heard, queued.id, ".queued")
            sent_change = await heard_of(heard, queued.id, ".sent")
        assert queued_change.kind == sent_change.kind == "message"
        assert client.made(queued_change.origin)
        assert queued_change.version == queued.version
        assert sent_change.version == (await api.get(queued.id)).version

"""``app.api.mailboxes`` against the real solo backend: SMTP mailboxes signed in to a real
SMTP server, Gmail and Outlook connected with the grant of a real browser sign-in
(the fakes of Google and Microsoft), the errors the docstrings promise, and the live
frames of a mailbox's changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.mailboxes import (
    CONNECTED,
    NEEDS_RECONNECT,
    Grant,
    MailboxesApi,
    SmtpSettings,
)
from app.features.mailboxes.oauth import GoogleFlow, MicrosoftFlow, sign_in
from tests.app.api.test_live import heard_of, listening
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import (
    GMAIL_USER,
    OUTLOOK_USER,
    SMTP_PASSWORD,
    EmailServer,
    address,
    email_server,
)
from tests.app.support import STRONG_PASSWORD, SoloServer
from tests.fakes.oauth import ScriptedBrowser

__all__ = ["email_server"]  # the module's backend (a fixture)


@pytest.fixture
async def tenant(email_server: EmailServer) -> Tenant:
    return sign_up(email_server.server)


@pytest.fixture
async def client(email_server: EmailServer, tenant: Tenant) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(email_server.url) as client:
        await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
        yield client


def smtp_settings(world: EmailServer, email: str = "", **changes: object) -> SmtpSettings:
    email = email or address()
    world.smtp.add_user(email, SMTP_PASSWORD)
    values: dict[str, object] = {
        "email": email, "display_name": "Rita Rep", "smtp_host": "127.0.0.1",
        "smtp_port": world.smtp.port, "smtp_security": "starttls", "username": email,
        "password": SMTP_PASSWORD,
    } | changes  # fmt: skip
    return SmtpSettings.model_validate(values)


class TestProviders:
    async def test_a_configured_server_says_how_to_sign_in_to_each(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        providers = await MailboxesApi(client).providers()
        assert providers.gmail.configured
        assert providers.gmail.client_id
        assert providers.gmail.auth_uri.startswith("https://127.0.0.1:")
        assert "https://www.googleapis.com/auth/gmail.send" in providers.gmail.scopes
        assert providers.outlook.configured
        assert providers.outlook.authority == email_server.microsoft.authority()
        assert providers.gmail.message == providers.outlook.message == ""


class TestNotConfigured:
    async def test_a_server_without_clients_says_so_in_words(self, solo_server: SoloServer) -> None:
        tenant = sign_up(solo_server)
        async with GatewayClient(solo_server.url) as client:
            await AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD)
            providers = await MailboxesApi(client).providers()
        assert not providers.gmail.configured
        assert "SALESOS_GOOGLE_CLIENT_ID" in providers.gmail.message
        assert not providers.outlook.configured
        assert "Outlook is not set up" in providers.outlook.message


class TestSmtp:
    async def test_a_mailbox_connects_after_signing_in_and_is_listed(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        settings = smtp_settings(email_server)
        mailbox = await api.connect_smtp(settings)
        assert (mailbox.kind, mailbox.status, mailbox.email) == ("smtp", CONNECTED, settings.email)
        assert mailbox.connected
        assert (mailbox.sent_today, mailbox.daily_cap) == (0, 500)
        assert any("Replies are not detected" in line for line in mailbox.limitations)
        assert mailbox.max_message_bytes > 0
        assert [m.id for m in await api.mailboxes()] == [mailbox.id]
        assert (await api.get(mailbox.id)).smtp_port == email_server.smtp.port

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"password": "not the password"}, "password"),
            ({"smtp_port": 1}, "smtp_port"),
            ({"smtp_security": "tls"}, "smtp_security"),
        ],
    )
    async def test_a_refused_sign_in_names_the_setting(
        self,
        client: GatewayClient,
        email_server: EmailServer,
        changes: dict[str, object],
        field: str,
    ) -> None:
        api = MailboxesApi(client)
        with pytest.raises(ApiError) as refused:
            await api.connect_smtp(smtp_settings(email_server, **changes))
        assert (refused.value.status_code, refused.value.code) == (422, "validation_error")
        assert field in refused.value.field_errors
        assert await api.mailboxes() == []

    async def test_the_same_address_twice_is_a_conflict_naming_email(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        first = await api.connect_smtp(smtp_settings(email_server))
        with pytest.raises(ApiError) as taken:
            await api.connect_smtp(smtp_settings(email_server, email=first.email))
        assert taken.value.status_code == 409
        assert "email" in taken.value.field_errors

    async def test_a_changed_password_needs_reconnecting_until_the_new_one_is_given(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        mailbox = await api.connect_smtp(smtp_settings(email_server))
        assert (await api.test(mailbox.id)).ok
        email_server.smtp.add_user(mailbox.email, "a new password 9")
        check = await api.test(mailbox.id)
        assert (check.ok, check.status, check.field) == (False, NEEDS_RECONNECT, "password")
        shown = await api.get(mailbox.id)
        assert shown.status == NEEDS_RECONNECT
        assert shown.status_reason
        with pytest.raises(ApiError) as wrong:
            await api.change(mailbox.id, {"password": "still not it"})
        assert "password" in wrong.value.field_errors
        again = await api.change(mailbox.id, {"password": "a new password 9"})
        assert again.status == CONNECTED
        assert again.version > shown.version

    async def test_a_disconnected_mailbox_is_gone(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        mailbox = await api.connect_smtp(smtp_settings(email_server))
        await api.disconnect(mailbox.id)
        assert await api.mailboxes() == []
        with pytest.raises(ApiError) as gone:
            await api.get(mailbox.id)
        assert (gone.value.status_code, gone.value.code) == (404, "not_found")
        with pytest.raises(ApiError) as again:
            await api.test(mailbox.id)
        assert again.value.status_code == 404


class TestOAuth:
    async def test_gmail_connects_with_the_grant_of_a_browser_sign_in(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        providers = await api.providers()
        browser = ScriptedBrowser(email_server.ca.client_context())
        flow = GoogleFlow(providers.gmail, verify=str(email_server.ca.ca_bundle))
        grant = await sign_in(flow, browser.open)
        mailbox = await api.connect_oauth("gmail", grant, display_name="Rita Rep")
        assert (mailbox.kind, mailbox.email, mailbox.status) == ("gmail", GMAIL_USER, CONNECTED)
        assert mailbox.limitations == []
        assert (await api.test(mailbox.id)).ok

    async def test_outlook_connects_with_the_grant_of_a_browser_sign_in(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        providers = await api.providers()
        browser = ScriptedBrowser(email_server.ca.client_context())
        flow = MicrosoftFlow(providers.outlook, verify=str(email_server.ca.ca_bundle))
        grant = await sign_in(flow, browser.open)
        mailbox = await api.connect_oauth("outlook", grant)
        assert (mailbox.kind, mailbox.email, mailbox.status) == ("outlook", OUTLOOK_USER, CONNECTED)

    async def test_a_refused_grant_is_named(self, client: GatewayClient) -> None:
        grant = Grant(access_token="ya29.not-a-token", refresh_token="1//not-one", scope="")
        with pytest.raises(ApiError) as refused:
            await MailboxesApi(client).connect_oauth("gmail", grant)
        assert refused.value.status_code == 422
        assert "grant" in refused.value.field_errors

    async def test_a_grant_without_sending_is_named(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        tokens = email_server.google.issue_tokens(
            GMAIL_USER, scopes="https://www.googleapis.com/auth/gmail.readonly"
        )
        grant = Grant(access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
                      scope=tokens["scope"])  # fmt: skip
        with pytest.raises(ApiError) as refused:
            await MailboxesApi(client).connect_oauth("gmail", grant)
        assert "grant.scope" in refused.value.field_errors


class TestLive:
    async def test_a_mailbox_that_needs_reconnecting_is_heard_of_with_its_version(
        self, client: GatewayClient, email_server: EmailServer
    ) -> None:
        api = MailboxesApi(client)
        mailbox = await api.connect_smtp(smtp_settings(email_server))
        async with listening(client) as heard:
            email_server.smtp.add_user(mailbox.email, "changed elsewhere 1")
            await api.test(mailbox.id)
            change = await heard_of(heard, mailbox.id, ".needs_reconnect")
        assert change.kind == "mailbox"
        assert change.type == "email.mailbox.needs_reconnect"
        assert change.version == (await api.get(mailbox.id)).version
        assert client.made(change.origin)

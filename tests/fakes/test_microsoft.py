"""The fake Microsoft is what msal and a Graph client will meet: msal's auth-code flow
runs against it unmodified over TLS, and Graph keeps, finds, threads, pages and
delta-syncs messages, with Graph's errors and Exchange's limits."""

from __future__ import annotations

import base64
import concurrent.futures
import time
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import msal
import pytest

from tests.fakes import faults, microsoft
from tests.fakes.oauth import ScriptedBrowser

USER = "bob@contoso.example"
pytestmark = pytest.mark.filterwarnings(
    "ignore:response_mode='form_post' is recommended:UserWarning"
)


def mail(number: int, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = USER
    message["To"] = "dana@example.org"
    message["Subject"] = headers.pop("subject", f"Proposal {number}")
    message["Message-ID"] = f"<proposal-{number}@salesos.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Proposal number {number}")
    return message


def mime(message: EmailMessage) -> dict[str, object]:
    return {
        "content": base64.b64encode(message.as_bytes()),
        "headers": {"Content-Type": "text/plain"},
    }


@pytest.fixture
def fake() -> Iterator[microsoft.MicrosoftFake]:
    with microsoft.running((USER, "erin@contoso.example")) as served:
        yield served


@pytest.fixture
def graph(fake: microsoft.MicrosoftFake) -> Iterator[httpx.Client]:
    token = fake.issue_tokens(USER)["access_token"]
    with httpx.Client(base_url=fake.base_url, verify=fake.tls.client_context(),
                      headers={"Authorization": f"Bearer {token}"}, timeout=5) as client:  # fmt: skip
        yield client


@pytest.fixture
def app(
    fake: microsoft.MicrosoftFake, monkeypatch: pytest.MonkeyPatch
) -> msal.PublicClientApplication:
    # requests prefers these variables to msal's verify=; this machine sets them.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return msal.PublicClientApplication(
        microsoft.DEFAULT_CLIENT_ID, authority=fake.authority(), instance_discovery=False,
        verify=fake.ca_bundle,
    )  # fmt: skip


def sign_in(fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication) -> dict:
    flow = app.initiate_auth_code_flow(microsoft.SCOPES, redirect_uri="http://localhost:53682")
    response = ScriptedBrowser(fake.tls.client_context()).redirect_of(flow["auth_uri"])
    return app.acquire_token_by_auth_code_flow(flow, response)


class TestMsal:
    def test_the_auth_code_flow_with_pkce_signs_the_user_in(
        self, fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication
    ) -> None:
        result = sign_in(fake, app)
        assert "error" not in result, result
        assert result["token_type"] == "Bearer"
        assert result["id_token_claims"]["preferred_username"] == USER
        (account,) = app.get_accounts()
        assert account["home_account_id"] == f"{fake.object_ids[USER]}.{fake.tenant_id}"
        token = fake.recorder.requests_to("identity.token")[0]
        assert "code_verifier=" not in token.query  # it went in the body

    def test_silent_refresh_then_revocation_is_aadsts50173(
        self, fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication
    ) -> None:
        first = sign_in(fake, app)
        account = app.get_accounts()[0]
        again = app.acquire_token_silent(microsoft.SCOPES, account=account, force_refresh=True)
        assert again is not None
        assert again["access_token"] != first["access_token"]
        fake.revoke(user=USER)
        refused = app.acquire_token_silent_with_error(
            microsoft.SCOPES, account=account, force_refresh=True
        )
        assert refused is not None
        assert (refused["error"], refused["error_codes"]) == ("invalid_grant", [50173])

    def test_a_code_cannot_be_redeemed_twice(
        self, fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication
    ) -> None:
        flow = app.initiate_auth_code_flow(microsoft.SCOPES, redirect_uri="http://localhost:53682")
        response = ScriptedBrowser(fake.tls.client_context()).redirect_of(flow["auth_uri"])
        assert "access_token" in app.acquire_token_by_auth_code_flow(dict(flow), response)
        replay = app.acquire_token_by_auth_code_flow(dict(flow), response)
        assert replay["error_codes"] == [54005]

    def test_a_form_post_response_reaches_the_app(
        self, fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication
    ) -> None:
        flow = app.initiate_auth_code_flow(microsoft.SCOPES, redirect_uri="http://localhost:53682",
                                           response_mode="form_post")  # fmt: skip
        response = ScriptedBrowser(fake.tls.client_context()).redirect_of(flow["auth_uri"])
        assert "access_token" in app.acquire_token_by_auth_code_flow(flow, response)

    def test_a_wrong_state_is_refused_by_msal(
        self, fake: microsoft.MicrosoftFake, app: msal.PublicClientApplication
    ) -> None:
        fake.authorize_outcome = "wrong_state"
        with pytest.raises(ValueError, match="state"):
            sign_in(fake, app)


class TestSendMail:
    def test_a_mime_send_keeps_our_message_id_and_is_found_in_sent_items(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        sent = graph.post("/v1.0/me/sendMail", **mime(mail(1)))  # type: ignore[arg-type]
        assert (sent.status_code, sent.content) == (202, b"")
        found = graph.get("/v1.0/me/mailFolders/SentItems/messages", params={
            "$filter": "internetMessageId eq '<proposal-1@salesos.test>'",
            "$select": "id,internetMessageId,conversationId"}).json()["value"]  # fmt: skip
        assert [m["internetMessageId"] for m in found] == ["<proposal-1@salesos.test>"]
        assert set(found[0]) == {"@odata.etag", "id", "internetMessageId", "conversationId"}
        assert graph.get(f"/v1.0/me/messages/{found[0]['id']}").json()["subject"] == "Proposal 1"
        assert fake.recorder.count("<proposal-1@salesos.test>") == 1

    def test_a_json_send_lands_in_sent_items_unless_told_not_to(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        message = {"subject": "Hi", "body": {"contentType": "Text", "content": "Hello"},
                   "toRecipients": [{"emailAddress": {"address": "dana@example.org"}}]}  # fmt: skip
        assert graph.post("/v1.0/me/sendMail", json={"message": message}).status_code == 202
        kept = fake.mailbox(USER, "sentitems")
        assert len(kept) == 1
        assert kept[0].internet_message_id.endswith("@fake.prod.outlook.com>")
        graph.post("/v1.0/me/sendMail", json={"message": message, "saveToSentItems": False})
        assert (len(fake.mailbox(USER, "sentitems")), len(fake.recorder.accepted)) == (1, 2)
        bad = graph.post("/v1.0/me/sendMail", json={"message": message | {
            "internetMessageHeaders": [{"name": "References", "value": "<x@y>"}]}})  # fmt: skip
        assert bad.json()["error"]["code"] == "InvalidInternetMessageHeader"

    def test_a_reply_shares_the_conversation_and_lists_page(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        for number in range(3):
            graph.post("/v1.0/me/sendMail", **mime(mail(number)))  # type: ignore[arg-type]
        reply = mail(9, subject="RE: Proposal 0", In_Reply_To="<proposal-0@salesos.test>")
        delivered = fake.deliver(USER, reply)
        original = next(
            m for m in fake.mailbox(USER) if m.internet_message_id == "<proposal-0@salesos.test>"
        )
        assert delivered.conversation_id == original.conversation_id
        ids, url = [], "/v1.0/me/messages?$top=2&$select=id"
        while url:
            page = graph.get(url).json()
            ids += [m["id"] for m in page["value"]]
            url = page.get("@odata.nextLink", "")
        assert len(set(ids)) == 4

    def test_bad_bodies_get_graphs_errors(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        invalid = graph.post(
            "/v1.0/me/sendMail", content=b"not base64!", headers={"Content-Type": "text/plain"}
        )
        assert invalid.json()["error"]["code"] == "ErrorMimeContentInvalidBase64String"
        big = mail(1)
        big.add_attachment(
            b"x" * (3 * 1024 * 1024 + 1), maintype="application", subtype="octet-stream"
        )
        assert graph.post("/v1.0/me/sendMail", **mime(big)).status_code == 413  # type: ignore[arg-type]
        assert fake.recorder.accepted == []

    def test_no_token_or_an_expired_one_gets_invalid_authentication_token(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        fake.expire_access_tokens()
        error = graph.get("/v1.0/me").json()["error"]
        assert error["code"] == "InvalidAuthenticationToken"
        assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
        assert graph.get("/v1.0/me", headers={"Authorization": ""}).status_code == 401


class TestDelta:
    def test_the_delta_link_brings_new_replies_then_goes_stale(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        for number in range(3):
            fake.deliver(USER, mail(number))
        seen, url, delta_link = [], "/v1.0/me/mailFolders/Inbox/messages/delta", ""
        while url:
            page = graph.get(url, headers={"Prefer": "odata.maxpagesize=2"}).json()
            seen += [m["internetMessageId"] for m in page["value"]]
            url, delta_link = page.get("@odata.nextLink", ""), page.get("@odata.deltaLink", "")
        assert len(seen) == 3
        assert delta_link
        fake.deliver(USER, mail(7, In_Reply_To="<proposal-1@salesos.test>"))
        changes = graph.get(delta_link).json()
        assert [m["internetMessageId"] for m in changes["value"]] == ["<proposal-7@salesos.test>"]
        fake.expire_delta_tokens(USER)
        gone = graph.get(changes["@odata.deltaLink"])
        assert (gone.status_code, gone.json()["error"]["code"]) == (410, "SyncStateNotFound")


class TestLimits:
    @pytest.mark.parametrize("status", [429, 503, 504])
    def test_injected_throttling_and_outages_carry_retry_after(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client, status: int
    ) -> None:
        fake.faults.push("graph.sendMail", faults.status(status))
        answer = graph.post("/v1.0/me/sendMail", **mime(mail(1)))  # type: ignore[arg-type]
        assert (answer.status_code, answer.headers["Retry-After"]) == (status, "1")
        assert "innerError" in answer.json()["error"]
        assert fake.recorder.accepted == []

    def test_a_fifth_concurrent_request_is_throttled(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        fake.faults.push("graph.me", *[faults.hang_before_accept(1.0, code=503)] * 4)
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            slow = [pool.submit(graph.get, "/v1.0/me") for _ in range(4)]
            deadline = time.monotonic() + 5
            while len(fake.recorder.requests_to("graph.me")) < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            fifth = graph.get("/v1.0/me")
            assert [f.result().status_code for f in slow] == [503] * 4
        assert fifth.status_code == 429
        assert fifth.json()["error"]["code"] == "ApplicationThrottled"
        assert fifth.headers["Retry-After"] == "1"

    def test_more_than_30_sends_a_minute_are_refused(
        self, fake: microsoft.MicrosoftFake, graph: httpx.Client
    ) -> None:
        fake.sends_per_minute = 2
        statuses = [graph.post("/v1.0/me/sendMail", **mime(mail(n))).status_code for n in range(3)]  # type: ignore[arg-type]
        assert statuses == [202, 202, 429]
        assert len(fake.recorder.accepted) == 2

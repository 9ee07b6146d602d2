"""The fake Google is what google-auth-oauthlib and the Gmail API clients will meet:
the installed-app flow runs against it unmodified over real loopback HTTP, and Gmail
keeps, finds, threads and pages messages, with Google's errors and limits."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, MismatchingStateError

from tests.fakes import google
from tests.fakes.oauth import ScriptedBrowser, s256

SCOPES = [google.SCOPE_SEND, google.SCOPE_READ]


def mail(number: int, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "alice@example.com"
    message["To"] = headers.pop("to", "bob@example.org")
    message["Subject"] = headers.pop("subject", f"Offer {number}")
    message["Message-ID"] = f"<offer-{number}@salesos.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Hello number {number}")
    return message


def raw(message: EmailMessage) -> str:
    return base64.urlsafe_b64encode(message.as_bytes()).decode().rstrip("=")


@pytest.fixture
def fake() -> Iterator[google.GoogleFake]:
    with google.running(("alice@example.com", "carol@example.com")) as served:
        yield served


@pytest.fixture
def gmail(fake: google.GoogleFake) -> Iterator[httpx.Client]:
    token = fake.issue_tokens("alice@example.com")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers, timeout=5) as client:
        yield client


class TestInstalledAppFlow:
    def run_flow(
        self, fake: google.GoogleFake, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[Credentials, ScriptedBrowser]:
        if fake.tls:
            # requests prefers these variables to a session's verify; this machine sets them.
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
            monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        else:
            monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        flow = InstalledAppFlow.from_client_config(fake.client_config(), scopes=SCOPES)
        browser = ScriptedBrowser(fake.tls.client_context() if fake.tls else True)
        credentials = flow.run_local_server(
            host="127.0.0.1", port=0, browser=browser.register(), timeout_seconds=10,
            authorization_prompt_message=None,
        )  # fmt: skip
        return credentials, browser

    @pytest.mark.parametrize("tls", [True, False], ids=["https", "http"])
    def test_the_real_loopback_flow_with_pkce_ends_with_tokens(
        self, tls: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with google.running(tls=tls) as fake:
            credentials, browser = self.run_flow(fake, monkeypatch)
            assert "flow has completed" in browser.wait().text
            assert credentials.token.startswith("ya29.")
            assert credentials.refresh_token
            assert set(credentials.scopes) == set(SCOPES)
            authorize, token = fake.recorder.requests[:2]
            assert (authorize.path, authorize.status) == ("/o/oauth2/v2/auth", 302)
            assert "code_challenge_method=S256" in authorize.query
            assert (token.path, token.status) == ("/token", 200)

    def test_a_redirect_with_another_state_is_refused_by_the_client(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with google.running(tls=True) as fake:
            fake.authorize_outcome = "wrong_state"
            with pytest.raises(MismatchingStateError):
                self.run_flow(fake, monkeypatch)
            assert [r.path for r in fake.recorder.requests] == ["/o/oauth2/v2/auth"]

    def test_access_denied_comes_back_to_the_app(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with google.running(tls=True) as fake:
            fake.authorize_outcome = "access_denied"
            with pytest.raises(AccessDeniedError):
                self.run_flow(fake, monkeypatch)

    def test_refresh_works_until_the_grant_is_revoked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with google.running(tls=True) as fake:
            credentials, _ = self.run_flow(fake, monkeypatch)
            first = credentials.token
            fake.expire_access_tokens()
            credentials.refresh(GoogleRequest())
            assert credentials.token != first
            fake.revoke(credentials.refresh_token)
            with pytest.raises(RefreshError, match="invalid_grant"):
                credentials.refresh(GoogleRequest())


class TestAuthorizationEndpoint:
    def authorize(self, fake: google.GoogleFake, **params: str) -> httpx.Response:
        query = {
            "client_id": google.DEFAULT_CLIENT_ID, "redirect_uri": "http://127.0.0.1:5555/",
            "response_type": "code", "scope": google.SCOPE_SEND, "state": "s1",
            "code_challenge": s256("v" * 64), "code_challenge_method": "S256",
        } | params  # fmt: skip
        return httpx.get(f"{fake.base_url}/o/oauth2/v2/auth", params=query)

    def test_an_unknown_client_or_a_non_loopback_redirect_gets_an_error_page(
        self, fake: google.GoogleFake
    ) -> None:
        assert self.authorize(fake, client_id="nobody").status_code == 401
        page = self.authorize(fake, redirect_uri="https://evil.example/cb")
        assert (page.status_code, "redirect_uri_mismatch" in page.text) == (400, True)

    @pytest.mark.parametrize(
        ("params", "error"),
        [
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"code_challenge": ""}, "invalid_request"),
            ({"state": ""}, "invalid_request"),
            ({"response_type": "token"}, "unsupported_response_type"),
            ({"scope": "https://www.googleapis.com/auth/drive"}, "invalid_scope"),
        ],
    )
    def test_a_request_without_pkce_s256_or_state_is_sent_back_with_an_error(
        self, fake: google.GoogleFake, params: dict[str, str], error: str
    ) -> None:
        answer = self.authorize(fake, **params)
        assert answer.status_code == 302
        assert f"error={error}" in answer.headers["location"]

    def test_a_code_is_redeemed_once_with_its_verifier_and_redirect(
        self, fake: google.GoogleFake
    ) -> None:
        def redeem(code: str, **form: str) -> httpx.Response:
            data = {"grant_type": "authorization_code", "code": code, "client_id": google.DEFAULT_CLIENT_ID,
                    "client_secret": google.DEFAULT_CLIENT_SECRET, "redirect_uri": "http://127.0.0.1:5555/",
                    "code_verifier": "v" * 64} | form  # fmt: skip
            return httpx.post(f"{fake.base_url}/token", data=data)

        def new_code() -> str:
            return httpx.URL(self.authorize(fake).headers["location"]).params["code"]

        assert (
            redeem(new_code(), code_verifier="w" * 64).json()["error_description"]
            == "Invalid code verifier."
        )
        assert (
            redeem(new_code(), redirect_uri="http://127.0.0.1:1/").json()["error"]
            == "redirect_uri_mismatch"
        )
        assert redeem(new_code(), client_secret="wrong").status_code == 401
        code = new_code()
        tokens = redeem(code).json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["refresh_token"]
        replay = redeem(code)
        assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")


class TestGmail:
    def test_a_sent_message_is_found_by_its_message_id(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        sent = gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(1))}).json()
        assert sent["labelIds"] == ["SENT"]
        found = gmail.get(
            "/gmail/v1/users/me/messages",
            params={"q": "rfc822msgid:<offer-1@salesos.test> in:sent"},
        )
        assert found.json()["messages"] == [{"id": sent["id"], "threadId": sent["threadId"]}]
        none = gmail.get(
            "/gmail/v1/users/me/messages", params={"q": "rfc822msgid:offer-2@salesos.test"}
        )
        assert none.json() == {"resultSizeEstimate": 0}
        meta = gmail.get(f"/gmail/v1/users/me/messages/{sent['id']}",
                         params={"format": "metadata", "metadataHeaders": ["Message-ID"]}).json()  # fmt: skip
        assert meta["payload"]["headers"] == [
            {"name": "Message-ID", "value": "<offer-1@salesos.test>"}
        ]
        assert fake.recorder.count("<offer-1@salesos.test>") == 1

    def test_a_reply_joins_the_thread_and_advances_history(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        start = gmail.get("/gmail/v1/users/me/profile").json()["historyId"]
        first = gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(1))}).json()
        follow_up = mail(2, subject="Re: Offer 1", In_Reply_To="<offer-1@salesos.test>")
        upload = gmail.post("/upload/gmail/v1/users/me/messages/send", params={"uploadType": "media"},
                            content=follow_up.as_bytes(), headers={"Content-Type": "message/rfc822"}).json()  # fmt: skip
        assert upload["threadId"] == first["threadId"]
        reply = mail(3, subject="Re: Offer 1", References="<offer-1@salesos.test>")
        reply.replace_header("From", "bob@example.org")
        delivered = fake.deliver("alice@example.com", reply)
        history = gmail.get("/gmail/v1/users/me/history",
                            params={"startHistoryId": start, "labelId": "INBOX"}).json()  # fmt: skip
        assert [h["messagesAdded"][0]["message"]["id"] for h in history["history"]] == [
            delivered.id
        ]
        thread = gmail.get(
            f"/gmail/v1/users/me/threads/{first['threadId']}", params={"format": "minimal"}
        )
        assert len(thread.json()["messages"]) == 3
        fake.expire_history("alice@example.com")
        gone = gmail.get("/gmail/v1/users/me/history", params={"startHistoryId": start})
        assert (gone.status_code, gone.json()["error"]["status"]) == (404, "NOT_FOUND")

    def test_lists_page_with_tokens_that_end(self, gmail: httpx.Client) -> None:
        for number in range(5):
            gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(number))})
        seen, token, pages = [], None, 0
        while True:
            params = {"q": "in:sent", "maxResults": "2"} | ({"pageToken": token} if token else {})
            page = gmail.get("/gmail/v1/users/me/messages", params=params).json()
            seen += [m["id"] for m in page["messages"]]
            pages += 1
            if not (token := page.get("nextPageToken")):
                break
        assert (pages, len(set(seen))) == (3, 5)

    def test_an_expired_token_gets_googles_401(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.access_token_lifetime = 60
        assert fake.issue_tokens("carol@example.com")["expires_in"] == 60
        fake.expire_access_tokens()
        answer = gmail.get("/gmail/v1/users/me/profile")
        assert answer.status_code == 401
        error = answer.json()["error"]
        assert (error["code"], error["status"], error["errors"][0]["reason"]) == (
            401,
            "UNAUTHENTICATED",
            "authError",
        )

    def test_bad_sends_are_refused_and_nothing_is_kept(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        crowd = ", ".join(f"p{i}@example.org" for i in range(101))
        too_many = gmail.post(
            "/gmail/v1/users/me/messages/send", json={"raw": raw(mail(1, to=crowd))}
        )
        assert (too_many.status_code, too_many.json()["error"]["errors"][0]["reason"]) == (
            400,
            "invalidArgument",
        )
        assert (
            gmail.post("/gmail/v1/users/me/messages/send", json={"raw": "%%%"}).status_code == 400
        )
        assert (
            gmail.post(
                "/gmail/v1/users/me/messages/send", json={"raw": raw(mail(2)), "threadId": "f00"}
            ).status_code
            == 404
        )
        assert fake.mailbox("alice@example.com") == []
        assert fake.recorder.accepted == []

    def test_another_users_mailbox_and_unknown_endpoints_are_refused(
        self, gmail: httpx.Client
    ) -> None:
        assert gmail.get("/gmail/v1/users/carol@example.com/profile").status_code == 403
        unknown = gmail.get("/gmail/v1/users/me/labels")
        assert unknown.status_code == 501
        assert "/gmail/v1/users/me/labels" in unknown.json()["error"]["message"]
        assert gmail.get("/gmail/v1/users/me/messages", params={"q": "from:bob"}).status_code == 501


class TestGmailLimits:
    def test_the_per_user_quota_answers_403_user_rate_limit_exceeded(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.quota_units_per_minute = 250  # two sends, then the quota is spent
        for number in range(2):
            assert (
                gmail.post(
                    "/gmail/v1/users/me/messages/send", json={"raw": raw(mail(number))}
                ).status_code
                == 200
            )
        refused = gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(9))})
        item = refused.json()["error"]["errors"][0]
        assert (refused.status_code, item["reason"], item["domain"]) == (
            403,
            "userRateLimitExceeded",
            "usageLimits",
        )
        assert fake.recorder.count("<offer-9@salesos.test>") == 0

    def test_the_daily_sending_limit_answers_429_with_retry_after(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.daily_send_limit = 1
        gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(1))})
        refused = gmail.post("/gmail/v1/users/me/messages/send", json={"raw": raw(mail(2))})
        assert refused.status_code == 429
        assert refused.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
        assert int(refused.headers["Retry-After"]) > 0

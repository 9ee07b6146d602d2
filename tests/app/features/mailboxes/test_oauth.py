"""The desktop's browser sign-in (RFC 8252) driven for real: the loopback listener of
``app.features.mailboxes.oauth``, google-auth-oauthlib and msal against the fake Google
and Microsoft over TLS, and a scripted "system browser" that opens the authorization
URL and follows the provider's redirect (or form post) back to the listener."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api.mailboxes import GoogleSignIn, MicrosoftSignIn
from app.features.mailboxes.oauth import (
    GoogleFlow,
    LoopbackListener,
    MicrosoftFlow,
    SignInFailed,
    SignInTimedOut,
    sign_in,
)
from tests.fakes import google, microsoft
from tests.fakes.oauth import ScriptedBrowser
from tests.fakes.tls import LocalCA, local_ca

GMAIL_SCOPES = ["openid", "email", google.SCOPE_SEND, google.SCOPE_READ]
GRAPH_SCOPES = ["https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/Mail.Read"]


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    return local_ca()


@pytest.fixture
def fake_google(ca: LocalCA) -> Iterator[google.GoogleFake]:
    with google.running(("rita@gmail.example",), tls=ca) as fake:
        yield fake


@pytest.fixture
def fake_microsoft(ca: LocalCA) -> Iterator[microsoft.MicrosoftFake]:
    with microsoft.running(("olly@contoso.example",)) as fake:
        yield fake


def gmail_flow(fake: google.GoogleFake, ca: LocalCA) -> GoogleFlow:
    config = fake.client_config()["installed"]
    client = GoogleSignIn(
        configured=True,
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        auth_uri=config["auth_uri"],
        token_uri=config["token_uri"],
        scopes=GMAIL_SCOPES,
    )
    return GoogleFlow(client, verify=str(ca.ca_bundle))


def outlook_flow(fake: microsoft.MicrosoftFake, ca: LocalCA) -> MicrosoftFlow:
    client = MicrosoftSignIn(
        configured=True,
        client_id=microsoft.DEFAULT_CLIENT_ID,
        authority=fake.authority(),
        scopes=GRAPH_SCOPES,
    )
    return MicrosoftFlow(client, verify=str(ca.ca_bundle))


def browser(ca: LocalCA) -> ScriptedBrowser:
    return ScriptedBrowser(ca.client_context())


async def landed(scripted: ScriptedBrowser) -> httpx.Response:
    """The page the browser tab ended on (its visit runs on a thread)."""
    return await asyncio.to_thread(scripted.wait)


class TestGmail:
    async def test_the_browser_sign_in_ends_with_a_grant_and_a_page_to_close(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        scripted = browser(ca)
        grant = await sign_in(gmail_flow(fake_google, ca), scripted.open)
        assert grant.access_token.startswith("ya29.")
        assert grant.refresh_token
        assert google.SCOPE_SEND in grant.scope.split()
        tab = await landed(scripted)
        assert tab.status_code == 200
        assert "Signed in — you can close this tab and return to SalesOS" in tab.text

    async def test_the_request_carries_pkce_s256_offline_consent_and_a_loopback_redirect(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        scripted = browser(ca)
        redirects: list[str] = []
        await sign_in(
            gmail_flow(fake_google, ca),
            scripted.open,
            on_listening=lambda listener, url: redirects.append(listener.redirect_uri),
        )
        authorize, token = fake_google.recorder.requests[:2]
        query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        assert query["code_challenge_method"] == "S256"
        assert len(query["code_challenge"]) == 43
        assert query["access_type"] == "offline"
        assert query["prompt"] == "consent"
        assert len(query["state"]) >= 20
        (redirect,) = redirects
        assert query["redirect_uri"] == redirect
        assert urlsplit(redirect).hostname == "127.0.0.1"
        assert (token.path, token.status) == ("/token", 200)

    async def test_an_answer_with_another_state_is_refused(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        fake_google.authorize_outcome = "wrong_state"
        scripted = browser(ca)
        with pytest.raises(SignInFailed) as refused:
            await sign_in(gmail_flow(fake_google, ca), scripted.open)
        assert refused.value.code == "state_mismatch"
        assert [r.path for r in fake_google.recorder.requests] == [
            "/o/oauth2/v2/auth"
        ]  # no code spent
        tab = await landed(scripted)
        assert "was not for this sign-in" in tab.text
        assert "Signed in" not in tab.text

    async def test_a_user_who_does_not_allow_access_is_told_in_the_tab_and_the_app(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        fake_google.authorize_outcome = "access_denied"
        scripted = browser(ca)
        with pytest.raises(SignInFailed) as refused:
            await sign_in(gmail_flow(fake_google, ca), scripted.open)
        assert refused.value.code == "access_denied"
        assert "did not allow SalesOS" in refused.value.title
        assert "did not allow SalesOS" in (await landed(scripted)).text


class TestOutlook:
    async def test_msal_signs_in_through_a_form_post_to_the_listener(
        self, fake_microsoft: microsoft.MicrosoftFake, ca: LocalCA
    ) -> None:
        scripted = browser(ca)
        grant = await sign_in(outlook_flow(fake_microsoft, ca), scripted.open)
        assert grant.refresh_token
        assert "offline_access" in grant.scope.split()
        tab = await landed(scripted)
        assert "Signed in — you can close this tab" in tab.text
        token = fake_microsoft.recorder.requests_to("identity.token")[0]
        assert token.status == 200

    async def test_an_answer_with_another_state_is_refused(
        self, fake_microsoft: microsoft.MicrosoftFake, ca: LocalCA
    ) -> None:
        fake_microsoft.authorize_outcome = "wrong_state"
        scripted = browser(ca)
        with pytest.raises(SignInFailed) as refused:
            await sign_in(outlook_flow(fake_microsoft, ca), scripted.open)
        assert refused.value.code == "state_mismatch"
        assert fake_microsoft.recorder.requests_to("identity.token") == []


class TestListener:
    async def test_it_listens_on_127_0_0_1_only(self) -> None:
        listener = LoopbackListener()
        await listener.start()
        try:
            assert listener.addresses == [("127.0.0.1", listener.port)]
            assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/"
            for elsewhere in ("127.0.0.2", "::1", *other_addresses()):
                assert await refused(elsewhere, listener.port), elsewhere
        finally:
            await listener.aclose()

    async def test_anything_but_the_answer_is_not_found_and_a_second_answer_is_refused(
        self,
    ) -> None:
        listener = LoopbackListener()
        await listener.start()
        try:
            async with httpx.AsyncClient(base_url=listener.redirect_uri) as tab:
                assert (await tab.get("/favicon.ico")).status_code == 404
                assert (await tab.get("/")).status_code == 404
                first = asyncio.ensure_future(tab.get("/", params={"code": "c", "state": "s"}))
                assert await listener.answer() == {"code": "c", "state": "s"}
                again = await tab.get("/", params={"code": "c2", "state": "s"})
                assert again.status_code == 409
                listener.reply("<p>done</p>")
                assert (await first).text == "<p>done</p>"
        finally:
            await listener.aclose()

    async def test_the_time_out_ends_the_sign_in_and_closes_the_listener(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        ports: list[int] = []
        with pytest.raises(SignInTimedOut) as late:
            await sign_in(
                gmail_flow(fake_google, ca),
                lambda url: None,  # a browser that never comes back
                give_up_after=0.3,
                on_listening=lambda listener, url: ports.append(listener.port),
            )
        assert late.value.code == "sign_in_timed_out"
        assert "Nothing was connected" in late.value.text
        assert await refused("127.0.0.1", ports[0])

    async def test_cancelling_closes_the_listener(
        self, fake_google: google.GoogleFake, ca: LocalCA
    ) -> None:
        listening = asyncio.Event()
        ports: list[int] = []

        def opened(listener: LoopbackListener, url: str) -> None:
            ports.append(listener.port)
            listening.set()

        task = asyncio.ensure_future(
            sign_in(gmail_flow(fake_google, ca), lambda url: None, on_listening=opened)
        )
        await asyncio.wait_for(listening.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await refused("127.0.0.1", ports[0])


async def refused(host: str, port: int) -> bool:
    """Whether nothing takes a connection at ``host``:``port``."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return True
    writer.close()
    return False


def other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (none in a bare container)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if not str(info[4][0]).startswith("127."):
                found.add(str(info[4][0]))
    return sorted(found)

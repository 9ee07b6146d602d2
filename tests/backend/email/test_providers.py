"""Gmail and Outlook mailboxes against the fakes of Google and Microsoft (their
documented shapes and errors): connected from the desktop's grant, sent once, a lost
answer looked up by Message-ID before any retry, rate limits waited out, an expired
token refreshed, a revoked grant marking the mailbox "needs reconnect" until the
owner reconnects it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from backend.email.sending.worker import Sender
from tests.backend.email.support import MAILBOXES, queue_email, wait_state
from tests.factories.auth import Login, signup
from tests.fakes import faults, google, microsoft
from tests.fakes.tls import LocalCA

GMAIL_USER = "gina@gmail-user.example"
OUTLOOK_USER = "otto@contoso.example"


@pytest.fixture
async def fake_google(test_ca: LocalCA) -> AsyncIterator[google.GoogleFake]:
    async with google.running_async((GMAIL_USER,), tls=test_ca) as fake:
        yield fake


@pytest.fixture
async def fake_microsoft() -> AsyncIterator[microsoft.MicrosoftFake]:
    async with microsoft.running_async((OUTLOOK_USER,)) as fake:
        yield fake


@pytest.fixture
def provider_settings(
    fake_google: google.GoogleFake, fake_microsoft: microsoft.MicrosoftFake
) -> dict[str, Any]:
    """The backend pointed at the fakes (as an operator sets SALESOS_GOOGLE_* etc.)."""
    return {
        "google_client_id": google.DEFAULT_CLIENT_ID,
        "google_client_secret": SecretStr(google.DEFAULT_CLIENT_SECRET),
        "google_token_url": f"{fake_google.base_url}/token",
        "gmail_api_url": fake_google.base_url,
        "microsoft_client_id": microsoft.DEFAULT_CLIENT_ID,
        "microsoft_authority": fake_microsoft.authority(),
        "graph_api_url": fake_microsoft.base_url,
    }  # fmt: skip


async def _connect(
    api: httpx.AsyncClient, who: Login, kind: str, tokens: dict[str, Any]
) -> dict[str, Any]:
    grant = {k: tokens[k] for k in ("access_token", "refresh_token", "expires_in", "scope")}
    r = await api.post(
        MAILBOXES, json={"kind": kind, "grant": grant, "display_name": "Pat Seller",
                         "min_interval_seconds": 2.0 if kind == "outlook" else 0.5},
        headers=who.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
async def gmail_box(
    email_api: httpx.AsyncClient, fake_google: google.GoogleFake
) -> tuple[Login, dict[str, Any]]:
    tenant = await signup(email_api, "Gmailers")
    box = await _connect(email_api, tenant.admin, "gmail", fake_google.issue_tokens(GMAIL_USER))
    return tenant.admin, box


@pytest.fixture
async def outlook_box(
    email_api: httpx.AsyncClient, fake_microsoft: microsoft.MicrosoftFake
) -> tuple[Login, dict[str, Any]]:
    tenant = await signup(email_api, "Outlookers")
    tokens = fake_microsoft.issue_tokens(OUTLOOK_USER)
    return tenant.admin, await _connect(email_api, tenant.admin, "outlook", tokens)


async def _sent(
    api: httpx.AsyncClient, who: Login, box: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    queued = await queue_email(api, who, box["id"], **fields)
    return await wait_state(api, who, queued["id"], {"sent", "failed", "uncertain"}, timeout=60)


class TestGmail:
    async def test_the_grant_connects_the_account_gmail_names(
        self, gmail_box: tuple[Login, dict[str, Any]]
    ) -> None:
        _, box = gmail_box
        assert (box["kind"], box["email"], box["status"]) == ("gmail", GMAIL_USER, "connected")
        assert box["max_message_bytes"] == 25 * 1024 * 1024

    async def test_a_refused_grant_is_named(
        self, email_api: httpx.AsyncClient, fake_google: google.GoogleFake
    ) -> None:
        tenant = await signup(email_api, "Refused")
        tokens = fake_google.issue_tokens(GMAIL_USER)
        fake_google.revoke(user=GMAIL_USER)
        r = await email_api.post(MAILBOXES, json={"kind": "gmail", "grant": {
            k: tokens[k] for k in ("access_token", "refresh_token", "expires_in", "scope")}},
            headers=tenant.admin.headers)  # fmt: skip
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"][0]["field"] == "body.grant"

    async def test_sent_once_in_a_thread_of_its_own_then_a_reply_in_it(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        first = await _sent(email_api, who, box)
        assert first["state"] == "sent", first
        assert fake_google.recorder.count(first["message_id"]) == 1
        reply = await _sent(email_api, who, box, reply_to=first["id"], subject="Re: Hello")
        assert reply["in_reply_to"] == first["message_id"]
        assert reply["provider_thread_id"] == first["provider_thread_id"] is not None

    async def test_a_500_after_gmail_took_it_is_looked_up_not_resent(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        fake_google.faults.push("gmail.send", faults.accept_then_status(500))
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert [a["outcome"] for a in done["attempt_log"]] == ["found"]
        assert fake_google.recorder.count(done["message_id"]) == 1

    async def test_a_500_before_gmail_took_it_is_sent_after_the_look_up(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        fake_google.faults.push("gmail.send", faults.status(500))
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert [a["outcome"] for a in done["attempt_log"]] == ["not_found", "sent"]
        assert fake_google.recorder.count(done["message_id"]) == 1

    async def test_a_rate_limit_is_waited_out(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        fake_google.faults.push("gmail.send", faults.status(429, retry_after=1))
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert [a["outcome"] for a in done["attempt_log"]] == ["retry", "sent"]
        assert fake_google.recorder.count(done["message_id"]) == 1

    async def test_an_expired_access_token_is_refreshed(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        refreshes = len(fake_google.recorder.requests_to("oauth.token"))
        fake_google.expire_access_tokens()
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert len(fake_google.recorder.requests_to("oauth.token")) == refreshes + 1
        assert fake_google.recorder.count(done["message_id"]) == 1

    async def test_a_revoked_grant_holds_the_sends_until_reconnected(
        self, email_api: httpx.AsyncClient, gmail_box: tuple[Login, dict[str, Any]],
        fake_google: google.GoogleFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = gmail_box
        fake_google.revoke(user=GMAIL_USER)
        fake_google.expire_access_tokens()
        queued = await queue_email(email_api, who, box["id"])
        await _until_mailbox(email_api, who, box["id"], "needs_reconnect")
        waiting = (
            await email_api.get(f"/api/v1/emails/{queued['id']}", headers=who.headers)
        ).json()
        assert waiting["state"] == "scheduled"
        assert "reconnect" in (waiting["waiting_reason"] or "")
        assert fake_google.recorder.count(queued["message_id"]) == 0
        tokens = fake_google.issue_tokens(GMAIL_USER)
        r = await email_api.patch(f"{MAILBOXES}/{box['id']}", json={"grant": {
            k: tokens[k] for k in ("access_token", "refresh_token", "expires_in", "scope")}},
            headers=who.headers)  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "connected"
        done = await wait_state(email_api, who, queued["id"], {"sent", "failed"}, timeout=60)
        assert done["state"] == "sent"
        assert fake_google.recorder.count(queued["message_id"]) == 1


async def _until_mailbox(api: httpx.AsyncClient, who: Login, box_id: str, status: str) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = await api.get(f"{MAILBOXES}/{box_id}", headers=who.headers)
        if r.json()["status"] == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"mailbox is {r.json()['status']}, not {status}")


class TestOutlook:
    async def test_a_grant_of_exactly_the_scopes_the_desktop_asks_for_connects(
        self, email_api: httpx.AsyncClient, fake_microsoft: microsoft.MicrosoftFake
    ) -> None:
        who = (await signup(email_api, "Scoped")).admin
        r = await email_api.get(f"{MAILBOXES}/providers", headers=who.headers)
        asked = r.json()["outlook"]["scopes"]  # what the browser sign-in requests
        granted = " ".join(sc.removeprefix("https://graph.microsoft.com/") for sc in asked)
        box = await _connect(
            email_api, who, "outlook", fake_microsoft.issue_tokens(OUTLOOK_USER, granted)
        )
        assert box["status"] == "connected"

    async def test_the_grant_connects_the_account_graph_names(
        self, outlook_box: tuple[Login, dict[str, Any]]
    ) -> None:
        _, box = outlook_box
        assert (box["kind"], box["email"], box["status"]) == ("outlook", OUTLOOK_USER, "connected")

    async def test_sent_once_through_graph_with_our_message_id(
        self, email_api: httpx.AsyncClient, outlook_box: tuple[Login, dict[str, Any]],
        fake_microsoft: microsoft.MicrosoftFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = outlook_box
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert fake_microsoft.recorder.count(done["message_id"]) == 1
        sent = fake_microsoft.mailbox(OUTLOOK_USER, "sentitems")
        assert [m.internet_message_id for m in sent] == [done["message_id"]]

    async def test_a_lost_answer_is_found_in_sent_items(
        self, email_api: httpx.AsyncClient, outlook_box: tuple[Login, dict[str, Any]],
        fake_microsoft: microsoft.MicrosoftFake, sender: Sender,
    ) -> None:  # fmt: skip
        who, box = outlook_box
        fake_microsoft.faults.push("graph.sendMail", faults.accept_then_drop())
        done = await _sent(email_api, who, box)
        assert done["state"] == "sent", done
        assert [a["outcome"] for a in done["attempt_log"]] == ["found"]
        assert fake_microsoft.recorder.count(done["message_id"]) == 1

"""What the fault suites share: mailboxes of every kind, the faults they draw from, and
the verdict (what the providers received against what the ledger says)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr

from backend.email.sending.worker import MAX_ATTEMPTS, Sender
from backend.kit.db import create_engine
from backend.kit.resources import Resources
from tests.backend.email.support import EMAILS, MAILBOXES, SMTP_PASSWORD, smtp_body
from tests.factories.auth import Login
from tests.fakes import faults, google, microsoft
from tests.fakes.faults import Recorder
from tests.servers.imap import IMAPServer
from tests.servers.smtp import SMTPServer

SEED = 20261203
GMAIL = tuple(f"g{i}@gmail-user.example" for i in range(6))
OUTLOOK = tuple(f"o{i}@contoso.example" for i in range(2))

HTTP_SEND = [
    faults.status(500), faults.status(503, retry_after=1), faults.status(429, retry_after=1),
    faults.accept_then_status(500), faults.accept_then_status(502), faults.accept_then_drop(),
    faults.drop_before_accept(), faults.accept_then_hang(7),
]  # fmt: skip
"""Refused for now, lost after the provider took it, cut before it did, held past the
worker's time-out."""
SMTP_DATA = [
    faults.status(451), faults.status(421), faults.accept_then_drop(), faults.drop_before_accept(),
    faults.accept_then_hang(7),
]  # fmt: skip
SMTP_BEFORE = [faults.status(451), faults.drop_before_accept()]
LOOKUP = [faults.status(500), faults.status(429, retry_after=1)]
TOKEN = [faults.status(500), faults.drop_before_accept()]


LOOKUP_SCALE = 0.1
"""The Sent-folder look-up windows a tenth of production's (Gmail 0/0.5/3 s, Graph
0.5/3/12/30 s, IMAP 0.5/3 s): under load the test SMTP server may still be filing a
message in IMAP, and a fake may still be handling a request whose client gave up, for
a few seconds; a hundredth (0.35 s) sent such messages twice."""


def provider_settings(g: google.GoogleFake, m: microsoft.MicrosoftFake) -> dict[str, Any]:
    """The backend pointed at the fakes, with its own waits scaled down."""
    return {
        "google_client_id": google.DEFAULT_CLIENT_ID,
        "google_client_secret": SecretStr(google.DEFAULT_CLIENT_SECRET),
        "google_token_url": f"{g.base_url}/token", "gmail_api_url": g.base_url,
        "microsoft_client_id": microsoft.DEFAULT_CLIENT_ID,
        "microsoft_authority": m.authority(), "graph_api_url": m.base_url,
        "email_wait_scale": 0.01, "email_lookup_scale": LOOKUP_SCALE, "email_send_timeout": 3.0,
    }  # fmt: skip


def inject(
    rate: float, smtp: tuple[SMTPServer, ...], g: google.GoogleFake, m: microsoft.MicrosoftFake
) -> None:
    """Faults from now on, at ``rate`` on sends (less on the steps around them)."""
    for server in smtp:
        server.faults.set_rate("smtp.data", rate, SMTP_DATA)
        server.faults.set_rate("smtp.mail", rate / 4, SMTP_BEFORE)
        server.faults.set_rate("smtp.rcpt", rate / 4, SMTP_BEFORE)
    for fake, send, listing, token in (
        (g, "gmail.send", "gmail.messages.list", "oauth.token"),
        (m, "graph.sendMail", "graph.messages.list", "identity.token"),
    ):
        fake.faults.set_rate(send, rate, HTTP_SEND)
        fake.faults.set_rate(listing, rate * 2 / 3, LOOKUP)
        fake.faults.set_rate(token, rate / 2, TOKEN)


@dataclass
class Box:
    id: str
    kind: str
    """``filing`` (SMTP whose server files in IMAP Sent), ``plain`` (SMTP, no IMAP),
    ``gmail``, ``outlook``."""
    recorder: Recorder


@contextlib.asynccontextmanager
async def workers(resources: Resources, count: int) -> AsyncIterator[list[Sender]]:
    senders = [Sender(resources) for _ in range(count)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        yield senders
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.gather(*tasks), 30)


async def _connect(api: httpx.AsyncClient, who: Login, body: dict[str, Any]) -> str:
    r = await api.post(MAILBOXES, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def mailboxes(
    api: httpx.AsyncClient, who: Login, smtp: SMTPServer, filing: SMTPServer,
    dovecot: IMAPServer, g: google.GoogleFake, m: microsoft.MicrosoftFake,
    *, n_filing: int, n_plain: int, gmail: tuple[str, ...], outlook: tuple[str, ...],
) -> list[Box]:  # fmt: skip
    boxes: list[Box] = []
    for i in range(n_filing):
        email = f"filing{i}-{random.randrange(10**9)}@example.com"
        dovecot.add_user(email, SMTP_PASSWORD)
        body = smtp_body(filing, email, imap_host="127.0.0.1", imap_port=dovecot.tls_port)
        boxes.append(Box(await _connect(api, who, body), "filing", filing.recorder))
    for i in range(n_plain):
        body = smtp_body(smtp, f"plain{i}-{random.randrange(10**9)}@example.com")
        boxes.append(Box(await _connect(api, who, body), "plain", smtp.recorder))
    for kind, users, fake, interval in (("gmail", gmail, g, 0.5), ("outlook", outlook, m, 2.0)):
        for user in users:
            t = fake.issue_tokens(user)
            grant = {k: t[k] for k in ("access_token", "refresh_token", "expires_in", "scope")}
            body = {"kind": kind, "grant": grant, "min_interval_seconds": interval}
            boxes.append(Box(await _connect(api, who, body), kind, fake.recorder))
    return boxes


async def queue(api: httpx.AsyncClient, who: Login, box: Box, n: int) -> dict[str, Box]:
    """``n`` messages from ``box``; their ids, each with its mailbox."""
    made: dict[str, Box] = {}
    for i in range(n):
        body = {"mailbox_id": box.id, "to": [f"lead{i}@example.org"], "subject": f"Note {i}",
                "body_text": f"Message {i} of {box.kind}"}  # fmt: skip
        r = await api.post(EMAILS, json=body, headers=who.headers)
        assert r.status_code == 202, r.text
        made[r.json()["id"]] = box
    return made


async def queue_all(
    api: httpx.AsyncClient, who: Login, boxes: list[Box], count: Callable[[Box], int]
) -> dict[str, Box]:
    """``count(box)`` messages from each box, the boxes queued side by side."""
    made: dict[str, Box] = {}
    for part in await asyncio.gather(*(queue(api, who, box, count(box)) for box in boxes)):
        made |= part
    return made


class Phases:
    """Prints how long each phase of a long test took (seen with ``pytest -s``)."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()

    def done(self, what: str) -> None:
        now = time.monotonic()
        print(f"  [{now - self.started:6.1f} s] {what} (+{now - self.last:.1f} s)", flush=True)
        self.last = now


async def states(api: httpx.AsyncClient, who: Login, ids: set[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await api.get(EMAILS, params=params, headers=who.headers)).json()
        found.update({m["id"]: m for m in page["items"] if m["id"] in ids})
        cursor = page["next_cursor"]
        if not cursor:
            return found


def still_open(messages: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages.values() if m["state"] in ("scheduled", "sending")]


async def settled(
    api: httpx.AsyncClient, who: Login, ids: set[str], timeout: float, story_from: str = ""
) -> dict[str, dict[str, Any]]:
    """Every message, once none is scheduled or sending any more; with ``story_from`` (a
    database URL), the attempts of the last few open ones are printed as they wait."""
    deadline = time.monotonic() + timeout
    shown = time.monotonic()
    while True:
        found = await states(api, who, ids)
        if not still_open(found) and len(found) == len(ids):
            return found
        if time.monotonic() - shown > 20:  # a long run says how it goes (pytest -s)
            shown = time.monotonic()
            tally: dict[str, int] = {}
            for m in found.values():
                tally[m["state"]] = tally.get(m["state"], 0) + 1
            print(f"  … {tally}", flush=True)
            left = still_open(found)
            if story_from and 0 < len(left) <= 3:  # a long tail: whose, and why
                print(await history(story_from, " ".join(m["id"] for m in left)), flush=True)
        if time.monotonic() > deadline:
            left = still_open(found)
            raise AssertionError(f"{len(left)} messages still open, e.g. {left[:2]}")
        await asyncio.sleep(0.5)


async def history(database_url: str, text_with_ids: str) -> str:
    """The attempts of every message whose id ``text_with_ids`` names (a breach's story)."""
    ids = sorted(set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", text_with_ids)))
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT message_id, number, holder, phase, outcome, detail, created_at,"
                    " finished_at FROM email.send_attempts WHERE message_id::text = ANY(:ids)"
                    " ORDER BY message_id, number"
                ),
                {"ids": ids},
            )
            return "\n".join(" | ".join(str(v) for v in row) for row in rows)
    finally:
        await engine.dispose()


def verdict(messages: dict[str, dict[str, Any]], boxes: dict[str, Box]) -> dict[str, int]:
    """What the providers received against what the ledger says; raises on a breach
    (naming every one, with its mailbox kind): a message received twice, one 'sent' its
    provider never got, one received but not 'sent'/'uncertain', an 'uncertain' one
    whose mailbox could have told."""
    counts = {"sent": 0, "uncertain": 0, "failed": 0, "received": 0}
    breaches: list[str] = []
    for email_id, message in messages.items():
        box = boxes[email_id]
        received = box.recorder.count(message["message_id"])
        counts["received"] += received
        state = message["state"]
        counts[state] = counts.get(state, 0) + 1
        why = message.get("failure_reason") or message.get("waiting_reason")
        said = f"{email_id} ({box.kind}, {state}, received {received}x, {why})"
        if received > 1:
            breaches.append(f"twice: {said}")
        elif state == "sent" and received != 1:
            breaches.append(f"'sent' but never received: {said}")
        elif state == "uncertain" and box.kind != "plain":
            breaches.append(f"uncertain although its mailbox can tell: {said}")
        elif state == "failed" and (received != 0 or message["attempts"] < MAX_ATTEMPTS):
            breaches.append(f"failed wrongly: {said}")
        elif state not in ("sent", "uncertain", "failed"):
            breaches.append(f"ended {state}: {said}")
    assert not breaches, f"{len(breaches)} breaches:\n" + "\n".join(breaches)
    return counts

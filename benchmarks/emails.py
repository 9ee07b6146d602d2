"""Email figures, on a fresh embedded Postgres (fsync on) and broker, the backend served
over HTTP, one send worker, and the fakes of Google and Microsoft (tests/fakes: real
HTTP on loopback, Gmail over TLS, Graph over TLS).

1. Throughput: 50 mailboxes (35 Gmail at 1 message/s each, 15 Outlook at one every
   2.5 s, the defaults under the providers' limits), N messages queued through the
   API; messages/s from the first to the last one the fakes accepted, and the
   smallest gap between two sends of one mailbox against its pace.
2. Queue to sent for an idle mailbox: one message at a time (each after the mailbox's
   pace allows the next): from the API's 202 to the fake accepting it.
3. The compose window's merge preview: ``POST /api/v1/emails/preview`` of a template
   with contact, account and sender fields for a contact of the CRM.

Usage: python benchmarks/emails.py [--messages 2000] [--idle 50] [--previews 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import httpx
from _machine import SMOKE_HELP, apply_smoke, describe, percentile
from pydantic import SecretStr

from backend.email.sending.worker import Sender
from backend.embedded.infrastructure import Infrastructure
from backend.kit import migrate
from backend.kit.logging import configure_logging
from backend.kit.resources import open_resources
from backend.kit.settings import load_settings
from backend.messaging.workers import start_workers
from backend.server import build_backend, close_backend, serve_app
from tests.fakes import google, microsoft
from tests.fakes.tls import local_ca

PASSWORD = "correct-horse-battery"


async def main(opts: argparse.Namespace) -> None:
    configure_logging("WARNING", "text")
    home = Path(tempfile.mkdtemp(prefix="salesos-email-bench-"))
    gmail_users = tuple(f"seller{i}@gmail-user.example" for i in range(opts.gmail))
    outlook_users = tuple(f"seller{i}@contoso.example" for i in range(opts.outlook))
    ca = local_ca()
    print(f"machine: {describe()}")
    async with (
        google.running_async(gmail_users, tls=ca) as g,
        microsoft.running_async(outlook_users) as m,
    ):
        settings = load_settings(
            SALESOS_HOME=home, DATABASE_URL="", KAFKA_BOOTSTRAP_SERVERS="",
            SALESOS_PROVIDER_CA_FILE=ca.ca_bundle,
            SALESOS_GOOGLE_CLIENT_ID=google.DEFAULT_CLIENT_ID,
            SALESOS_GOOGLE_CLIENT_SECRET=google.DEFAULT_CLIENT_SECRET,
            SALESOS_GOOGLE_TOKEN_URL=f"{g.base_url}/token", SALESOS_GMAIL_API_URL=g.base_url,
            SALESOS_MICROSOFT_CLIENT_ID=microsoft.DEFAULT_CLIENT_ID,
            SALESOS_MICROSOFT_AUTHORITY=m.authority(), SALESOS_GRAPH_API_URL=m.base_url,
            SALESOS_RATE_LIMIT_PER_MIN=10**8,
        )  # fmt: skip
        assert isinstance(settings.google_client_secret, SecretStr)
        infra = Infrastructure(settings)
        try:
            await asyncio.to_thread(infra.start_database, tie_to_parent=True)
            await asyncio.to_thread(infra.start_broker, tie_to_parent=True)
            await asyncio.to_thread(migrate.upgrade, infra.database_url)
            resources = await open_resources(
                settings, database_url=infra.database_url,
                bootstrap_servers=infra.bootstrap_servers, mode="solo",
            )  # fmt: skip
            try:
                await _run(resources, opts, g, m, gmail_users, outlook_users)
            finally:
                await resources.close()
        finally:
            infra.stop()
            if infra.postgres is not None:
                infra.postgres.destroy()


async def _run(resources: Any, opts: argparse.Namespace, g: google.GoogleFake,
               m: microsoft.MicrosoftFake, gmail_users: tuple[str, ...],
               outlook_users: tuple[str, ...]) -> None:  # fmt: skip
    app = build_backend(resources)
    workers = start_workers(resources)
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve_app(app, "127.0.0.1", 0, started=port.set_result, stop=stop))
    sender = Sender(resources)
    sending = asyncio.create_task(sender.run(stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{await port}", timeout=60) as api:
            auth = await _sign_up(api)
            boxes = await _connect_all(api, auth, g, m, gmail_users, outlook_users)
            await _throughput(api, auth, boxes, g, m, opts.messages)
            await _idle_latency(api, auth, boxes[0], g, opts.idle)
            await _preview(api, auth, boxes[0], opts.previews)
    finally:
        stop.set()
        await asyncio.gather(server, sending)
        await workers.close()
        await close_backend(app)
        resources.workers = None


async def _sign_up(api: httpx.AsyncClient) -> dict[str, str]:
    r = await api.post("/api/v1/auth/signup", json={
        "company": "Email Bench", "name": "Bea Bench",
        "email": f"bench-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _connect_all(api: httpx.AsyncClient, auth: dict[str, str], g: google.GoogleFake,
                       m: microsoft.MicrosoftFake, gmail_users: tuple[str, ...],
                       outlook_users: tuple[str, ...]) -> list[dict[str, Any]]:  # fmt: skip
    boxes = []
    for kind, fake, users in (("gmail", g, gmail_users), ("outlook", m, outlook_users)):
        for user in users:
            t = fake.issue_tokens(user)
            grant = {k: t[k] for k in ("access_token", "refresh_token", "expires_in", "scope")}
            r = await api.post(
                "/api/v1/mailboxes", json={"kind": kind, "grant": grant}, headers=auth
            )
            assert r.status_code == 201, r.text
            boxes.append(r.json())
    return boxes


async def _queue(
    api: httpx.AsyncClient, auth: dict[str, str], box: dict[str, Any], n: int
) -> dict[str, Any]:
    body = {"mailbox_id": box["id"], "to": [f"lead{n}@example.org"], "subject": f"Hello {n}",
            "body_text": "A short note."}  # fmt: skip
    r = await api.post("/api/v1/emails", json=body, headers=auth)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def _throughput(api: httpx.AsyncClient, auth: dict[str, str], boxes: list[dict[str, Any]],
                      g: google.GoogleFake, m: microsoft.MicrosoftFake, count: int) -> None:  # fmt: skip
    queued: dict[str, str] = {}  # our Message-ID -> mailbox id
    for n in range(count):
        box = boxes[n % len(boxes)]
        email = await _queue(api, auth, box, n)
        queued[email["message_id"]] = box["id"]
    deadline = time.monotonic() + max(300, count)
    while time.monotonic() < deadline:
        got = {a.message_id for a in (*g.recorder.accepted, *m.recorder.accepted)}
        if set(queued) <= got:
            break
        await asyncio.sleep(0.2)
    accepted = [a for a in (*g.recorder.accepted, *m.recorder.accepted) if a.message_id in queued]
    assert len(accepted) == count, f"{len(accepted)} of {count} arrived"
    times = sorted(a.at for a in accepted)
    rate = (count - 1) / (times[-1] - times[0]) if count > 1 else float("nan")
    per_box: dict[str, list[float]] = defaultdict(list)
    for a in accepted:
        per_box[queued[str(a.message_id)]].append(a.at)
    paces = {b["id"]: b["min_interval_seconds"] for b in boxes}
    ratios = [
        min(y - x for x, y in zip(sorted(ts), sorted(ts)[1:], strict=False)) / paces[box_id]
        for box_id, ts in per_box.items() if len(ts) > 1
    ]  # fmt: skip
    print(
        f"throughput to the fakes across {len(boxes)} mailboxes: {count} messages at "
        f"{rate:.1f} messages/s; smallest gap between two sends of one mailbox / its pace: "
        f"{min(ratios):.2f} (1.00 = exactly at its pace; median {statistics.median(ratios):.2f})"
    )


async def _idle_latency(api: httpx.AsyncClient, auth: dict[str, str], box: dict[str, Any],
                        g: google.GoogleFake, count: int) -> None:  # fmt: skip
    delays = []
    for n in range(count):
        await asyncio.sleep(box["min_interval_seconds"] + 0.1)  # the mailbox is idle again
        email = await _queue(api, auth, box, 10**6 + n)
        queued_at = time.time()
        while True:
            hit = [a for a in g.recorder.accepted if a.message_id == email["message_id"]]
            if hit:
                delays.append(hit[0].at - queued_at)
                break
            await asyncio.sleep(0.005)
    ms = [d * 1000 for d in delays]
    print(
        f"queue to sent, idle Gmail mailbox (202 to the fake accepting it, n={count}): "
        f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms"
    )


async def _preview(
    api: httpx.AsyncClient, auth: dict[str, str], box: dict[str, Any], count: int
) -> None:
    account = (await api.post("/api/v1/accounts", json={"name": "Acme", "domain": "acme.example"},
                              headers=auth)).json()  # fmt: skip
    contact = (await api.post("/api/v1/contacts", json={
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.example",
        "title": "CTO", "account_id": account["id"]}, headers=auth)).json()  # fmt: skip
    body = {
        "mailbox_id": box["id"], "to": ["ada@acme.example"], "contact_id": contact["id"],
        "subject": "{{ account.name }} and {{ sender.first_name | default('us') }}",
        "body_text": "Hi {{ contact.first_name | default('there') }},\n\nAs {{ contact.title }} "
                     "at {{ account.name }} you may like this.\n\n{{ sender.name }}",
    }  # fmt: skip
    times = []
    for _ in range(count):
        started = time.perf_counter()
        r = await api.post("/api/v1/emails/preview", json=body, headers=auth)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
    assert r.json()["items"][0]["body_text"].startswith("Hi Ada,")
    ms = [t * 1000 for t in times]
    print(
        f"compose merge preview (POST /emails/preview over HTTP, contact + account + sender, "
        f"n={count}): p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--gmail", type=int, default=35, help="Gmail mailboxes")
    parser.add_argument("--outlook", type=int, default=15, help="Outlook mailboxes")
    parser.add_argument("--idle", type=int, default=50, help="idle-mailbox samples")
    parser.add_argument("--previews", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    options = parser.parse_args()
    apply_smoke(options, messages=20, gmail=3, outlook=2, idle=3, previews=5)
    asyncio.run(main(options))

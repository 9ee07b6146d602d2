"""Email figures, on a fresh embedded Postgres (fsync on) and broker, the backend served
over HTTP and one send worker in this process (as solo mode runs them), and the fakes
of Google and Microsoft (tests/fakes: real HTTP on loopback, Gmail over TLS, Graph over
TLS) in a process of their own: the providers' work is not ours, and in one process
they took half of the core the worker needs.

1. Throughput: 50 mailboxes (35 Gmail at 1 message/s each, 15 Outlook at one every
   2.5 s, the defaults under the providers' limits: at most 41 messages/s together),
   N messages shared among them in proportion to their paces, queued through the
   API before the send worker starts (the queueing rate is printed too); messages/s
   from the first to the last one the fakes accepted, and the smallest gap between
   two sends of one mailbox against its pace.
2. Queue to sent for an idle mailbox: one message at a time (each after the mailbox's
   pace allows the next): from the API's 202 to the fake accepting it.
3. The compose window's merge preview: ``POST /api/v1/emails/preview`` of a template
   with contact, account and sender fields for a contact of the CRM.

Usage: python benchmarks/emails.py [--messages 2000] [--idle 50] [--previews 200]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
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


def gmail_users(opts: argparse.Namespace) -> tuple[str, ...]:
    return tuple(f"seller{i}@gmail-user.example" for i in range(opts.gmail))


def outlook_users(opts: argparse.Namespace) -> tuple[str, ...]:
    return tuple(f"seller{i}@contoso.example" for i in range(opts.outlook))


class Fakes:
    """The fakes of Google and Microsoft served by a child process (:func:`_serve_fakes`):
    their addresses, tokens on request, and what they accepted (message id, time)."""

    def __init__(self, gmail_users: tuple[str, ...], outlook_users: tuple[str, ...]) -> None:
        self.ca = local_ca()  # made before the fork: the child serves with the same CA
        ours, theirs = multiprocessing.Pipe()
        context = multiprocessing.get_context("fork")  # before any thread or event loop
        self.process = context.Process(
            target=_serve_fakes, args=(theirs, gmail_users, outlook_users), daemon=True
        )
        self.process.start()
        self.conn = ours
        self.gmail_url, self.authority, self.graph_url = ours.recv()
        self.accepted: list[tuple[str, float]] = []
        """Message-ID and time (``time.time()``) of each message the fakes accepted."""

    def issue_tokens(self, kind: str, user: str) -> dict[str, Any]:
        self.conn.send(("tokens", kind, user))
        return dict(self.conn.recv())

    def refresh(self) -> list[tuple[str, float]]:
        """The accepted messages, the new ones fetched from the child."""
        self.conn.send(("accepted",))
        self.accepted.extend(self.conn.recv())
        return self.accepted

    def close(self) -> None:
        self.conn.send(("stop",))
        self.conn.recv()
        self.process.join(10)


def _serve_fakes(
    conn: Connection, gmail_users: tuple[str, ...], outlook_users: tuple[str, ...]
) -> None:
    with (
        google.running(gmail_users, tls=local_ca()) as g,
        microsoft.running(outlook_users) as m,
    ):
        conn.send((g.base_url, m.authority(), m.base_url))
        told = {"gmail": 0, "outlook": 0}  # how many of each fake's the parent has
        while True:
            command, *args = conn.recv()
            if command == "tokens":
                kind, user = args
                conn.send((g if kind == "gmail" else m).issue_tokens(user))
            elif command == "accepted":
                new = []
                for kind, fake in (("gmail", g), ("outlook", m)):
                    accepted = list(fake.recorder.accepted)
                    new += [(str(a.message_id), a.at) for a in accepted[told[kind] :]]
                    told[kind] = len(accepted)
                conn.send(new)
            else:
                conn.send(None)
                return


async def main(opts: argparse.Namespace, fakes: Fakes) -> None:
    configure_logging("WARNING", "text")
    home = Path(tempfile.mkdtemp(prefix="salesos-email-bench-"))
    print(f"machine: {describe()}")
    settings = load_settings(
        SALESOS_HOME=home, DATABASE_URL="", KAFKA_BOOTSTRAP_SERVERS="",
        SALESOS_PROVIDER_CA_FILE=fakes.ca.ca_bundle,
        SALESOS_GOOGLE_CLIENT_ID=google.DEFAULT_CLIENT_ID,
        SALESOS_GOOGLE_CLIENT_SECRET=google.DEFAULT_CLIENT_SECRET,
        SALESOS_GOOGLE_TOKEN_URL=f"{fakes.gmail_url}/token",
        SALESOS_GMAIL_API_URL=fakes.gmail_url,
        SALESOS_MICROSOFT_CLIENT_ID=microsoft.DEFAULT_CLIENT_ID,
        SALESOS_MICROSOFT_AUTHORITY=fakes.authority, SALESOS_GRAPH_API_URL=fakes.graph_url,
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
            await _run(resources, opts, fakes)
        finally:
            await resources.close()
    finally:
        infra.stop()
        if infra.postgres is not None:
            infra.postgres.destroy()


async def _run(resources: Any, opts: argparse.Namespace, fakes: Fakes) -> None:
    app = build_backend(resources)
    workers = start_workers(resources)
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve_app(app, "127.0.0.1", 0, started=port.set_result, stop=stop))
    sending: list[asyncio.Task[None]] = []

    def start_sending() -> None:  # the send worker, once the throughput's queue is full
        sending.append(asyncio.create_task(Sender(resources).run(stop)))

    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{await port}", timeout=60) as api:
            auth = await _sign_up(api)
            boxes = await _connect_all(api, auth, fakes, opts)
            await _throughput(api, auth, boxes, fakes, opts.messages, start_sending)
            await _idle_latency(api, auth, boxes[0], fakes, opts.idle)
            await _preview(api, auth, boxes[0], opts.previews)
    finally:
        stop.set()
        await asyncio.gather(server, *sending)
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


async def _connect_all(
    api: httpx.AsyncClient, auth: dict[str, str], fakes: Fakes, opts: argparse.Namespace
) -> list[dict[str, Any]]:
    boxes = []
    for kind, users in (("gmail", gmail_users(opts)), ("outlook", outlook_users(opts))):
        for user in users:
            t = fakes.issue_tokens(kind, user)
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
                      fakes: Fakes, count: int, start_sending: Callable[[], None]) -> None:  # fmt: skip
    """Queued first, the worker started after (as a sequence's sends are queued ahead of
    their time): the worker's pace alone, not the API's queueing beside it."""
    queued: dict[str, str] = {}  # our Message-ID -> mailbox id
    started = time.perf_counter()
    for n, box in enumerate(_by_pace(boxes, count)):
        email = await _queue(api, auth, box, n)
        queued[email["message_id"]] = box["id"]
    queueing = time.perf_counter() - started
    print(
        f"queued through the API, one request at a time: {count} messages in {queueing:.1f} s "
        f"= {count / queueing:.0f} messages/s"
    )
    start_sending()
    deadline = time.monotonic() + max(300, count)
    while time.monotonic() < deadline:
        got = {message_id for message_id, _ in fakes.refresh()}
        if set(queued) <= got:
            break
        await asyncio.sleep(0.2)
    accepted = [(mid, at) for mid, at in fakes.refresh() if mid in queued]
    assert len(accepted) == count, f"{len(accepted)} of {count} arrived"
    times = sorted(at for _, at in accepted)
    rate = (count - 1) / (times[-1] - times[0]) if count > 1 else float("nan")
    per_box: dict[str, list[float]] = defaultdict(list)
    for message_id, at in accepted:
        per_box[queued[message_id]].append(at)
    paces = {b["id"]: b["min_interval_seconds"] for b in boxes}
    ratios = [
        min(y - x for x, y in zip(sorted(ts), sorted(ts)[1:], strict=False)) / paces[box_id]
        for box_id, ts in per_box.items() if len(ts) > 1
    ]  # fmt: skip
    ceiling = sum(1 / b["min_interval_seconds"] for b in boxes)
    print(
        f"throughput to the fakes across {len(boxes)} mailboxes (their paces allow at most "
        f"{ceiling:.0f}/s): {count} messages at "
        f"{rate:.1f} messages/s; smallest gap between two sends of one mailbox / its pace: "
        f"{min(ratios):.2f} (1.00 = exactly at its pace; median {statistics.median(ratios):.2f})"
    )


def _by_pace(boxes: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` senders, each mailbox's share in proportion to the sends its pace allows
    (a Gmail box at 1/s gets 2.5 times an Outlook box's at one per 2.5 s), spread evenly
    (smooth weighted round robin): dealt out evenly instead, the slowest mailboxes'
    queues would end the run and cap it at their pace, whatever the worker does."""
    weights = [1 / b["min_interval_seconds"] for b in boxes]
    total = sum(weights)
    credit = [0.0] * len(boxes)
    order = []
    for _ in range(count):
        credit = [c + w for c, w in zip(credit, weights, strict=True)]
        pick = max(range(len(boxes)), key=credit.__getitem__)
        credit[pick] -= total
        order.append(boxes[pick])
    return order


async def _idle_latency(api: httpx.AsyncClient, auth: dict[str, str], box: dict[str, Any],
                        fakes: Fakes, count: int) -> None:  # fmt: skip
    delays = []
    for n in range(count):
        await asyncio.sleep(box["min_interval_seconds"] + 0.1)  # the mailbox is idle again
        email = await _queue(api, auth, box, 10**6 + n)
        queued_at = time.time()
        while True:
            hit = [at for mid, at in fakes.refresh()[-5:] if mid == email["message_id"]]
            if hit:
                delays.append(hit[0] - queued_at)
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
    fakes = Fakes(gmail_users(options), outlook_users(options))
    try:
        asyncio.run(main(options, fakes))
    finally:
        fakes.close()

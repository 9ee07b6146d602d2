"""The fault suite: over a thousand injected faults across the fakes of Google and
Microsoft and the real SMTP server (5xx, 429 with Retry-After, answers lost after the
provider took the message, connections cut before it did, hangs past the time-out),
and ``SIGKILL`` of the send worker (``salesos worker email``) at random points; then
what the providers received is counted: no message twice, none lost, and every
"uncertain" one justified (its mailbox cannot prove an absence: SMTP without IMAP).

The worker's own waits are scaled down (``SALESOS_EMAIL_WAIT_SCALE``), its Sent-folder
look-up windows less so (``SALESOS_EMAIL_LOOKUP_SCALE``); a provider's ``Retry-After``
is obeyed as given.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.kit.resources import Resources
from backend.kit.settings import Settings
from tests.backend.email import fault_support as fs
from tests.factories.auth import signup
from tests.fakes import google, microsoft
from tests.fakes.tls import LocalCA
from tests.servers.imap import IMAPServer
from tests.servers.smtp import SMTPServer

Fakes = tuple[google.GoogleFake, microsoft.MicrosoftFake]


@pytest.fixture
async def fakes(test_ca: LocalCA) -> AsyncIterator[Fakes]:
    async with (
        google.running_async(fs.GMAIL, tls=test_ca, seed=fs.SEED) as g,
        microsoft.running_async(fs.OUTLOOK, seed=fs.SEED) as m,
    ):
        m.sends_per_minute = None  # our pace keeps under it; the fake's clock is not ours
        g.access_token_lifetime = 20  # refreshes happen (and fail) during the run
        m.access_token_lifetime = 20
        yield g, m


@pytest.fixture
def provider_settings(fakes: Fakes) -> dict[str, Any]:
    return fs.provider_settings(*fakes)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_a_thousand_faults_lose_nothing_and_send_nothing_twice(
    email_api: httpx.AsyncClient, resources: Resources, email_settings: Settings,
    smtp: SMTPServer, filing_smtp: SMTPServer, dovecot: IMAPServer, fakes: Fakes,
) -> None:  # fmt: skip
    g, m = fakes
    random.seed(fs.SEED)
    who = (await signup(email_api, "Faulty")).admin
    clock = fs.Phases()
    boxes = await fs.mailboxes(
        email_api, who, smtp, filing_smtp, dovecot, g, m,
        n_filing=15, n_plain=10, gmail=fs.GMAIL, outlook=fs.OUTLOOK,
    )  # fmt: skip
    clock.done(f"{len(boxes)} mailboxes connected")
    # Many mailboxes with a few dozen messages each: a mailbox sends one at a time, so
    # the run lasts as long as its longest mailbox's story of faults.
    per_box = {"filing": 30, "plain": 24, "gmail": 27, "outlook": 10}
    async with fs.workers(resources, 2):  # two workers share the queue
        # one clean message each: whether a server files is learned so
        warm = await fs.queue_all(email_api, who, boxes, lambda _box: 1)
        await fs.settled(email_api, who, set(warm), timeout=120)
        clock.done("warmed up")
        fs.inject(0.5, (smtp, filing_smtp), g, m)
        queued = await fs.queue_all(email_api, who, boxes, lambda box: per_box[box.kind])
        clock.done(f"{len(queued)} queued")
        messages = await fs.settled(
            email_api, who, set(queued), timeout=900, story_from=resources.database_url
        )
        clock.done("all settled")
    injected = sum(x.faults.total_injected() for x in (smtp, filing_smtp, g, m))
    counts = await _verdict(resources, messages, queued)
    print(f"\nfault suite: {len(messages)} messages, {injected} faults injected: {counts}")
    assert injected >= 1000, injected
    assert counts["sent"] >= len(messages) * 0.8  # most went; the rest are accounted for


async def _verdict(
    resources: Resources, messages: dict[str, dict[str, Any]], queued: dict[str, fs.Box]
) -> dict[str, int]:
    try:
        return fs.verdict(messages, queued)
    except AssertionError as exc:
        story = await fs.history(resources.database_url, str(exc))
        raise AssertionError(f"{exc}\nattempts:\n{story}") from None


def _worker_env(
    resources: Resources, settings: Settings, home: Path, fakes: Fakes
) -> dict[str, str]:
    g, m = fakes
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESOS_")}
    env.update(
        SALESOS_HOME=str(home), SALESOS_LOG_FORMAT="text", SALESOS_LOG_LEVEL="WARNING",
        DATABASE_URL=resources.database_url, KAFKA_BOOTSTRAP_SERVERS=resources.bootstrap_servers,
        SALESOS_SECRET_KEY=settings.require_secret_key(),
        SALESOS_PROVIDER_CA_FILE=str(settings.provider_ca_file),
        SALESOS_GOOGLE_CLIENT_ID=google.DEFAULT_CLIENT_ID,
        SALESOS_GOOGLE_CLIENT_SECRET=google.DEFAULT_CLIENT_SECRET,
        SALESOS_GOOGLE_TOKEN_URL=f"{g.base_url}/token", SALESOS_GMAIL_API_URL=g.base_url,
        SALESOS_MICROSOFT_CLIENT_ID=microsoft.DEFAULT_CLIENT_ID,
        SALESOS_MICROSOFT_AUTHORITY=m.authority(), SALESOS_GRAPH_API_URL=m.base_url,
        SALESOS_EMAIL_WAIT_SCALE="0.01", SALESOS_EMAIL_SEND_TIMEOUT="3",
        SALESOS_EMAIL_LOOKUP_SCALE=str(fs.LOOKUP_SCALE),
    )  # fmt: skip
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "worker", "email"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until it runs (or dies)
    assert "email worker running" in line, line + proc.stdout.read()
    return proc


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_a_send_worker_killed_at_random_points_sends_each_message_once(
    email_api: httpx.AsyncClient, resources: Resources, email_settings: Settings,
    smtp: SMTPServer, filing_smtp: SMTPServer, dovecot: IMAPServer, fakes: Fakes,
    tmp_path: Path,
) -> None:  # fmt: skip
    g, m = fakes
    rng = random.Random(fs.SEED)
    who = (await signup(email_api, "Killed")).admin
    boxes = await fs.mailboxes(
        email_api, who, smtp, filing_smtp, dovecot, g, m,
        n_filing=4, n_plain=4, gmail=fs.GMAIL[:2], outlook=fs.OUTLOOK[:1],
    )  # fmt: skip
    env = _worker_env(resources, email_settings, tmp_path, fakes)
    warm = await fs.queue_all(email_api, who, boxes, lambda _box: 1)
    proc = await asyncio.to_thread(_start_worker, env)
    try:
        await fs.settled(email_api, who, set(warm), timeout=120)
        fs.inject(0.15, (smtp, filing_smtp), g, m)
        queued = await fs.queue_all(
            email_api, who, boxes, lambda box: {"outlook": 6}.get(box.kind, 15)
        )
        kills = 0
        deadline = time.monotonic() + 600
        while fs.still_open(await fs.states(email_api, who, set(queued))):
            assert time.monotonic() < deadline, "messages still open after 10 minutes"
            if kills < 21:
                await asyncio.sleep(rng.uniform(0.05, 1.5))
                os.kill(proc.pid, signal.SIGKILL)  # at whatever point it is
                await asyncio.to_thread(proc.wait, 30)
                kills += 1
                proc = await asyncio.to_thread(_start_worker, env)
            else:
                await asyncio.sleep(0.5)
        messages = await fs.states(email_api, who, set(queued))
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 30)
    counts = await _verdict(resources, messages, queued)
    print(f"\nkilled {kills} times: {len(messages)} messages: {counts}")
    assert kills >= 20

"""Workers claiming sends at the same moment: a message is held by one worker at a time,
and a mailbox has one message in flight at a time, however their claims interleave; and
a worker with nothing due wakes at the next turn."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.email.ledger.repository import QueueRepository
from backend.email.sending import worker
from backend.email.sending.worker import Sender
from backend.kit.resources import Resources
from tests.backend.email.support import connect_smtp, queue_email, wait_state
from tests.factories.auth import signup
from tests.servers.smtp import SMTPServer


@pytest.mark.slow
async def test_racing_claims_never_take_a_message_or_a_mailbox_twice(
    email_api: httpx.AsyncClient, resources: Resources, smtp: SMTPServer
) -> None:
    tenant = await signup(email_api, "Racers")
    for _ in range(12):
        mailbox = await connect_smtp(email_api, tenant.admin, smtp)
        for _ in range(2):
            await queue_email(email_api, tenant.admin, mailbox["id"])
    held: dict[uuid.UUID, str] = {}  # message -> the claimer holding it now
    busy: dict[uuid.UUID, str] = {}  # mailbox -> the claimer with a message of it
    breaches: list[str] = []
    claims = 0
    rng = random.Random(7)

    async def claimer(name: str) -> None:
        nonlocal claims
        for _ in range(60):
            async with resources.sessionmaker() as session, session.begin():
                taken = await QueueRepository.from_session(session).claim(name, 50)
            for item in taken:  # committed: these are ours now
                claims += 1
                if item.message_id in held:
                    breaches.append(
                        f"{item.message_id} taken by {name}, held by {held[item.message_id]}"
                    )
                if item.mailbox_id in busy:
                    breaches.append(
                        f"mailbox {item.mailbox_id} taken by {name} and {busy[item.mailbox_id]}"
                    )
                held[item.message_id] = name
                busy[item.mailbox_id] = name
            await asyncio.sleep(rng.uniform(0, 0.01))
            for item in taken:  # given back (as a send ends), then released in the queue
                held.pop(item.message_id, None)
                busy.pop(item.mailbox_id, None)
            async with resources.sessionmaker() as session, session.begin():
                await QueueRepository.from_session(session).release([i.message_id for i in taken])

    await asyncio.gather(*(claimer(f"worker-{i}") for i in range(4)))
    assert claims > 100  # they did race
    assert not breaches, "\n".join(breaches[:10])


async def test_a_message_due_later_goes_at_its_time_not_at_the_next_poll(
    email_api: httpx.AsyncClient, smtp: SMTPServer, sender: Sender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker idles until the soonest turn (a scheduled send, a retry, a mailbox's
    pace), not a fixed poll: with the poll put beyond the test's patience, the message
    still goes, and not before its time."""
    monkeypatch.setattr(worker, "POLL_SECONDS", 600.0)
    tenant = await signup(email_api, "Punctual")
    mailbox = await connect_smtp(email_api, tenant.admin, smtp)
    await asyncio.sleep(1.5)  # the worker is idle now, past any earlier turn of its own
    at = datetime.now(UTC) + timedelta(seconds=2)
    queued = await queue_email(email_api, tenant.admin, mailbox["id"], send_at=at.isoformat())
    sent = await wait_state(
        email_api, tenant.admin, queued["id"], {"sent", "failed", "uncertain"}, timeout=60
    )
    assert sent["state"] == "sent", sent
    got = next(m for m in smtp.recorder.accepted if m.message_id == queued["message_id"])
    assert got.at >= at.timestamp()

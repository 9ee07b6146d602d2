"""Workers claiming sends at the same moment: a message is held by one worker at a time,
and a mailbox has one message in flight at a time, however their claims interleave."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest

from backend.email.ledger.repository import QueueRepository
from backend.kit.resources import Resources
from tests.backend.email.support import connect_smtp, queue_email
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

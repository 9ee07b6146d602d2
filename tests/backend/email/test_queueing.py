"""Many sends queued at the same moment, more than a connection pool holds: each request
holds its database connection while it asks the CRM for the recipients' contacts, so
in one process (solo, ``serve --all``) the CRM must not wait for the same pool."""

from __future__ import annotations

import asyncio

import httpx

from backend.kit.resources import Resources
from tests.backend.email.support import EMAILS, connect_smtp
from tests.factories.auth import signup
from tests.servers.smtp import SMTPServer


async def test_more_sends_at_once_than_the_pool_holds_are_all_queued(
    email_api: httpx.AsyncClient, resources: Resources, smtp: SMTPServer
) -> None:
    tenant = await signup(email_api, "Busy")
    mailbox = await connect_smtp(email_api, tenant.admin, smtp)
    pool = resources.settings.db_pool_size * 2  # its size and as many again in overflow

    async def send(n: int) -> httpx.Response:
        body = {"mailbox_id": mailbox["id"], "to": [f"lead{n}@example.org"],
                "subject": f"Note {n}", "body_text": "Hi"}  # fmt: skip
        return await email_api.post(EMAILS, json=body, headers=tenant.admin.headers)

    answers = await asyncio.gather(*(send(n) for n in range(pool * 2)))
    assert [r.status_code for r in answers] == [202] * (pool * 2), {
        r.status_code: r.text for r in answers if r.status_code != 202
    }

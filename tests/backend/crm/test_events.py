"""The CRM's events: one shape whichever path wrote the record, and a merge tells the
consumers about every record it moved."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.crm import events
from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging import topics
from backend.messaging.consumers import ConsumerRunner, Handler
from backend.messaging.envelope import Envelope
from backend.messaging.relay import Relay
from tests.backend.messaging.support import wait_for
from tests.factories import crm
from tests.factories.auth import signup


@contextlib.asynccontextmanager
async def consumed(
    resources: Resources, settings: Settings, *topic_list: topics.Topic
) -> AsyncIterator[list[Envelope]]:
    """A real consumer group of ``topic_list`` behind a real relay: what it handled."""
    seen: list[Envelope] = []

    async def handle(session: AsyncSession, event: Envelope) -> None:
        seen.append(event)

    fast = settings.model_copy(update={"relay_poll_seconds": 0.2})
    group = Handler(f"crm-events-{uuid.uuid4().hex[:8]}", tuple(t.name for t in topic_list), handle)
    runner = ConsumerRunner(resources.sessionmaker, resources.bootstrap_servers, fast, [group])
    relay = Relay(resources.engine, resources.bootstrap_servers, fast)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    try:
        yield seen
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        async with resources.engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM events.consumer_groups WHERE name = :n"), {"n": group.name}
            )


def _about(seen: list[Envelope], record_id: str, event_type: str) -> list[Envelope]:
    return [e for e in seen if e.aggregate_id == record_id and e.type == event_type]


async def test_a_merge_tells_consumers_of_every_record_it_moves(
    api: httpx.AsyncClient, resources: Resources, settings: Settings
) -> None:
    tenant = await signup(api)
    admin = tenant.admin
    keep = await crm.account(api, admin, "Acme", domain="acme.com")
    dupe = await crm.account(api, admin, "ACME Inc", domain="www.acme.com")
    person = await crm.contact(api, admin, "Doe", account_id=dupe["id"])
    deal = await crm.opportunity(api, admin, "Deal", account_id=dupe["id"])
    async with consumed(
        resources, settings, topics.CRM_CONTACTS, topics.CRM_OPPORTUNITIES, topics.CRM_ACCOUNTS
    ) as seen:
        r = await api.post(
            "/api/v1/accounts/merge",
            json={"winner_id": keep["id"], "loser_ids": [dupe["id"]]},
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text

        async def all_seen() -> bool:
            return bool(
                _about(seen, person["id"], "crm.contact.updated")
                and _about(seen, deal["id"], "crm.opportunity.updated")
                and _about(seen, dupe["id"], "crm.account.deleted")
            )

        await wait_for(all_seen, timeout=60, what="the merge's events")
    moved_contact = _about(seen, person["id"], "crm.contact.updated")[0].event()
    assert isinstance(moved_contact, events.ContactUpdated)
    assert moved_contact.changes.model_fields_set == {"account_id"}
    assert str(moved_contact.changes.account_id) == keep["id"]
    assert moved_contact.version == person["version"] + 1
    moved_deal = _about(seen, deal["id"], "crm.opportunity.updated")[0].event()
    assert isinstance(moved_deal, events.OpportunityUpdated)
    assert str(moved_deal.changes.account_id) == keep["id"]
    # What the consumer was told is what the API now says.
    now = (await api.get(f"/api/v1/contacts/{person['id']}", headers=admin.headers)).json()
    assert (now["account_id"], now["version"]) == (keep["id"], moved_contact.version)


async def _created_payload(owner: AsyncEngine, record_id: str) -> dict:
    async with owner.connect() as conn:
        payload = await conn.scalar(
            text("SELECT payload FROM events.outbox WHERE aggregate_id = :a AND type = :t"),
            {"a": record_id, "t": "crm.contact.created"},
        )
    assert payload is not None
    return dict(payload)


async def test_an_imported_contact_has_the_events_of_one_made_through_the_api(
    api: httpx.AsyncClient, owner_engine: AsyncEngine
) -> None:
    tenant = await signup(api)
    admin = tenant.admin
    account = await crm.account(api, admin, "Initech", domain="initech.io")
    typed = await crm.contact(
        api, admin, "Lumbergh", first_name="Bill", email="bill@initech.io",
        account_id=account["id"], title="VP",
    )  # fmt: skip
    csv = "Last name,First name,Email,Company domain,Title\nWaddams,Milton,milton@initech.io,initech.io,Stapler\n"
    r = await api.post(
        "/api/v1/imports",
        files={"file": ("people.csv", csv.encode(), "text/csv")},
        data={
            "object_type": "contact",
            "mapping": '{"Last name": "last_name", "First name": "first_name", "Email": "email",'
            ' "Company domain": "account_domain", "Title": "title"}',
        },
        headers=admin.headers,
    )
    assert r.status_code == 202, r.text
    for _ in range(200):
        job = (await api.get(f"/api/v1/imports/{r.json()['id']}", headers=admin.headers)).json()
        if job["status"] == "done":
            break
        await asyncio.sleep(0.05)
    assert job["created_count"] == 1, job
    listed = (
        await api.get("/api/v1/contacts?filter=email:eq:milton@initech.io", headers=admin.headers)
    ).json()["items"]
    imported = listed[0]
    by_api = await _created_payload(owner_engine, typed["id"])
    by_import = await _created_payload(owner_engine, imported["id"])
    assert set(by_api) == set(by_import) == {
        "contact_id", "version", "owner_id", "previous_owner_id", "record",
    }  # fmt: skip
    assert set(by_api["record"]) == set(by_import["record"])  # the whole snapshot, both ways
    assert by_import["record"]["account_id"] == account["id"]
    assert by_import["record"]["owner_id"] == admin.user_id
    assert by_import["version"] == 1
    for payload in (by_api, by_import):  # both read back as the typed event
        assert isinstance(events.ContactCreated.model_validate(payload), events.ContactCreated)

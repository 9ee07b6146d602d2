"""The small demo book of business a first solo run shows: a dozen accounts with
their people and deals, written through the record service (so as the API writes
them, with their events) as the application role (row-level security applies)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm.pipelines.service import PipelineService
from backend.crm.records.kinds import ACCOUNTS, CONTACTS
from backend.crm.records.service import OpportunityService, RecordService
from backend.kit.access import Access
from backend.kit.errors import ValidationFailed

DEMO_ACCOUNTS: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("Acme Robotics", "acmerobotics.com", "Manufacturing", 1200, "Pittsburgh", "United States"),
    ("Globex Logistics", "globex-logistics.com", "Logistics", 5400, "Rotterdam", "Netherlands"),
    ("Initech Software", "initech.io", "Software", 320, "Austin", "United States"),
    ("Umbrella Health", "umbrellahealth.org", "Healthcare", 2100, "Boston", "United States"),
    ("Stark Energy", "starkenergy.com", "Energy", 8800, "Houston", "United States"),
    ("Wayne Analytics", "wayneanalytics.com", "Software", 140, "Chicago", "United States"),
    ("Soylent Foods", "soylentfoods.com", "Food & Beverage", 950, "Lyon", "France"),
    ("Tyrell Biotech", "tyrellbio.com", "Biotech", 610, "Cambridge", "United Kingdom"),
    ("Cyberdyne Systems", "cyberdyne.ai", "Software", 75, "Sunnyvale", "United States"),
    ("Hooli Cloud", "hooli.cloud", "Software", 12000, "Palo Alto", "United States"),
    ("Vandelay Imports", "vandelay.com", "Wholesale", 45, "New York", "United States"),
    ("Nakatomi Trading", "nakatomi.co.jp", "Finance", 3300, "Tokyo", "Japan"),
)
FIRST = (
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Katherine",
    "John",
    "Radia",
    "Tim",
    "Hedy",
    "Donald",
    "Sophie",
    "Marc",
    "Yuki",
    "Priya",
)
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Johnson",
    "McCarthy",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Knuth",
    "Wilson",
    "Andreessen",
    "Matsumoto",
    "Patel",
)
TITLES = (
    "VP Sales",
    "Head of Operations",
    "CTO",
    "Procurement Manager",
    "CFO",
    "Director of IT",
    "Office Manager",
    "Chief Revenue Officer",
    "Engineering Manager",
    "COO",
)
DEALS = (
    "Platform license",
    "Expansion",
    "Pilot",
    "Renewal",
    "Support upgrade",
    "Onboarding package",
)


async def seed_demo_crm(
    session: AsyncSession, customer_id: uuid.UUID, owners: list[uuid.UUID]
) -> int:
    """Write the small demo book for a tenant (its session must be bound to it).

    Returns:
        How many records were created.
    """
    rnd = random.Random(7)  # noqa: S311 - the same demo every time, not a secret
    access = Access.acting_for(customer_id, owners[0])
    pipeline = await PipelineService(session).default()
    _, stages = await PipelineService(session).get(pipeline.id)
    accounts = RecordService(session, ACCOUNTS, access)
    contacts = RecordService(session, CONTACTS, access)
    deals = OpportunityService(session, access)
    account_rows = [
        {
            "name": name, "domain": domain, "industry": industry, "size": size, "city": city,
            "country": country, "owner_id": owners[i % len(owners)],
        }
        for i, (name, domain, industry, size, city, country) in enumerate(DEMO_ACCOUNTS)
    ]  # fmt: skip
    made = _prepared(await accounts.prepare_new(account_rows))
    await accounts.add_new(made)
    contact_rows: list[dict[str, Any]] = []
    deal_rows: list[dict[str, Any]] = []
    today = date.today()
    for account in made:
        for j in range(rnd.randint(2, 5)):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            contact_rows.append(
                {
                    "first_name": first, "last_name": last,
                    "email": f"{first}.{last}{j}@{account.domain}".lower(),
                    "title": rnd.choice(TITLES),
                    "phone": f"+1 555 {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}",
                    "account_id": account.id, "owner_id": account.owner_id,
                    "time_zone": "America/New_York",
                }
            )  # fmt: skip
        for _ in range(rnd.randint(1, 3)):
            stage = rnd.choice(stages)
            # An open deal closes ahead; a closed one closed in the past.
            days = rnd.randint(5, 120) if stage.outcome == "open" else -rnd.randint(1, 60)
            deal_rows.append(
                {
                    # the card and the editor name it alike: its account shows beside it
                    "name": rnd.choice(DEALS), "account_id": account.id,
                    "amount": Decimal(rnd.randrange(5_000, 250_000, 500)), "currency": "USD",
                    "stage_id": stage.id, "owner_id": account.owner_id,
                    "close_date": today + timedelta(days=days),
                }
            )  # fmt: skip
    people = _prepared(await contacts.prepare_new(contact_rows))
    await contacts.add_new(people)
    opportunities = _prepared(await deals.prepare_new(deal_rows))
    await deals.add_new(opportunities)
    return len(made) + len(people) + len(opportunities)


def _prepared(outcomes: list[Any]) -> list[Any]:
    for outcome in outcomes:
        if isinstance(outcome, ValidationFailed):
            raise outcome  # the demo book is ours: a refusal is a bug
    return outcomes

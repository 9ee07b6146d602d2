"""CRM demo data: a small realistic book of business, and a generator at scale.

The small set is written through the models as the application role (row-level
security applies) with an event per record. The scale set (benchmarks: 100k
accounts, 300k contacts, 100k opportunities) is written with COPY by the owner
role, which row-level security does not let the application role use; it emits no
events (it is load, not history).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm import events
from backend.crm.models import Account, Contact, Opportunity
from backend.crm.pipelines import PipelineService
from backend.messaging.outbox import emit

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
    pipeline = await PipelineService(session).default()
    _, stages = await PipelineService(session).get(pipeline.id)
    count = 0
    now = datetime.now(UTC)
    for i, (name, domain, industry, size, city, country) in enumerate(DEMO_ACCOUNTS):
        owner = owners[i % len(owners)]
        account = Account(
            id=uuid.uuid4(),
            customer_id=customer_id,
            name=name,
            domain=domain,
            industry=industry,
            size=size,
            city=city,
            country=country,
            owner_id=owner,
            created_by=owner,
            custom_fields={},
        )
        session.add(account)
        await session.flush()
        await _emit(
            session,
            events.AccountCreated(account_id=account.id, version=1, record={"name": name}),
            account.id,
            customer_id,
        )
        count += 1
        for j in range(rnd.randint(2, 5)):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            contact = Contact(
                id=uuid.uuid4(),
                customer_id=customer_id,
                first_name=first,
                last_name=last,
                email=f"{first}.{last}{j}@{domain}".lower(),
                title=rnd.choice(TITLES),
                phone=f"+1 555 {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}",
                account_id=account.id,
                owner_id=owner,
                created_by=owner,
                custom_fields={},
                time_zone="America/New_York",
            )
            session.add(contact)
            await session.flush()
            await _emit(
                session,
                events.ContactCreated(contact_id=contact.id, version=1, record={"last_name": last}),
                contact.id,
                customer_id,
            )
            count += 1
        for _ in range(rnd.randint(1, 3)):
            stage = rnd.choice(stages)
            amount = Decimal(rnd.randrange(5_000, 250_000, 500))
            opp = Opportunity(
                id=uuid.uuid4(),
                customer_id=customer_id,
                name=f"{name} — {rnd.choice(DEALS)}",
                account_id=account.id,
                amount=amount,
                currency="USD",
                pipeline_id=pipeline.id,
                stage_id=stage.id,
                status=stage.outcome,
                owner_id=owner,
                created_by=owner,
                close_date=date.today() + timedelta(days=rnd.randint(-30, 120)),
                custom_fields={},
                closed_at=now if stage.outcome != "open" else None,
            )
            session.add(opp)
            await session.flush()
            created = events.OpportunityCreated(
                opportunity_id=opp.id, version=1, record={"name": opp.name, "amount": str(amount)}
            )
            await _emit(session, created, opp.id, customer_id)
            count += 1
    return count


async def _emit(
    session: AsyncSession, event: Any, aggregate_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    await emit(session, event, aggregate_id=aggregate_id, customer_id=customer_id)


async def generate_scale(
    conn: Any,
    customer_id: uuid.UUID,
    owners: list[uuid.UUID],
    *,
    accounts: int,
    progress: Any = None,
) -> dict[str, int]:
    """COPY ``accounts`` accounts, 3x contacts and 1x opportunities for a tenant.

    Args:
        conn: An asyncpg connection as the owner role (COPY bypasses nothing else).
        progress: Called with a line of text after each chunk.
    """
    rnd = random.Random(42)  # noqa: S311 - reproducible load, not a secret
    first_names, last_names = _name_pools()
    pipeline_id, stages = await _default_stages(conn, customer_id)
    words = (
        "North",
        "Blue",
        "Summit",
        "Atlas",
        "Nova",
        "River",
        "Peak",
        "Bright",
        "Iron",
        "Cedar",
        "Quantum",
        "Harbor",
        "Vector",
        "Pine",
        "Solar",
        "Silver",
        "Apex",
        "Delta",
        "Oak",
        "Prime",
    )
    kinds = (
        "Labs",
        "Systems",
        "Foods",
        "Logistics",
        "Health",
        "Energy",
        "Partners",
        "Works",
        "Group",
        "Retail",
    )
    industries = (
        "Software",
        "Manufacturing",
        "Healthcare",
        "Retail",
        "Finance",
        "Energy",
        "Logistics",
    )
    cities = (
        "Paris",
        "Berlin",
        "Austin",
        "Toronto",
        "Sydney",
        "Osaka",
        "Madrid",
        "Denver",
        "Dublin",
        "Oslo",
    )
    now = datetime.now(UTC)
    chunk = 20_000
    totals = {"accounts": 0, "contacts": 0, "opportunities": 0}
    for start in range(0, accounts, chunk):
        n = min(chunk, accounts - start)
        acc_rows, con_rows, opp_rows = [], [], []
        for k in range(start, start + n):
            aid = uuid.uuid4()
            owner = owners[k % len(owners)]
            # Company names like real ones: a surname or two and a kind, with a word now
            # and then (so a search for one name meets a realistic number of rows).
            founders = rnd.choice(last_names)
            if rnd.random() < 0.3:
                founders = f"{founders} & {rnd.choice(last_names)}"
            elif rnd.random() < 0.3:
                founders = f"{rnd.choice(words)} {founders}"
            name = f"{founders} {rnd.choice(kinds)}"
            slug = "".join(ch for ch in name.lower() if ch.isalnum())
            domain = f"{slug}{k}.example"
            acc_rows.append(
                (
                    aid,
                    customer_id,
                    name,
                    domain,
                    rnd.choice(industries),
                    rnd.randint(1, 50_000),
                    rnd.choice(cities),
                    "United States",
                    owner,
                    now,
                    now,
                )
            )
            for c in range(3):
                first, last = rnd.choice(first_names), rnd.choice(last_names)
                con_rows.append(
                    (
                        uuid.uuid4(),
                        customer_id,
                        first,
                        last,
                        f"{first}.{last}.{k}.{c}@{domain}".lower(),
                        rnd.choice(TITLES),
                        aid,
                        owner,
                        now,
                        now,
                    )
                )
            stage_id, outcome = rnd.choice(stages)
            opp_rows.append(
                (
                    uuid.uuid4(),
                    customer_id,
                    f"{name} {rnd.choice(DEALS)}",
                    aid,
                    Decimal(rnd.randrange(1_000, 500_000, 100)),
                    "USD",
                    pipeline_id,
                    stage_id,
                    outcome,
                    owner,
                    now,
                    now,
                )
            )
        await conn.copy_records_to_table(
            "accounts",
            schema_name="crm",
            records=acc_rows,
            columns=[
                "id",
                "customer_id",
                "name",
                "domain",
                "industry",
                "size",
                "city",
                "country",
                "owner_id",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "contacts",
            schema_name="crm",
            records=con_rows,
            columns=[
                "id",
                "customer_id",
                "first_name",
                "last_name",
                "email",
                "title",
                "account_id",
                "owner_id",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "opportunities",
            schema_name="crm",
            records=opp_rows,
            columns=[
                "id",
                "customer_id",
                "name",
                "account_id",
                "amount",
                "currency",
                "pipeline_id",
                "stage_id",
                "status",
                "owner_id",
                "created_at",
                "updated_at",
            ],
        )
        totals["accounts"] += len(acc_rows)
        totals["contacts"] += len(con_rows)
        totals["opportunities"] += len(opp_rows)
        if progress is not None:
            progress(
                f"{totals['accounts']:,} accounts, {totals['contacts']:,} contacts, "
                f"{totals['opportunities']:,} opportunities"
            )
    await conn.execute("ANALYZE crm.accounts; ANALYZE crm.contacts; ANALYZE crm.opportunities")
    return totals


async def _default_stages(
    conn: Any, customer_id: uuid.UUID
) -> tuple[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    pipeline_id = await conn.fetchval(
        "SELECT id FROM crm.pipelines WHERE customer_id = $1 AND is_default", customer_id
    )
    if pipeline_id is None:
        raise RuntimeError("the tenant has no default pipeline yet; seed the demo first")
    rows = await conn.fetch(
        "SELECT id, outcome FROM crm.stages WHERE pipeline_id = $1 ORDER BY position", pipeline_id
    )
    return pipeline_id, [(r["id"], r["outcome"]) for r in rows]


def _name_pools() -> tuple[list[str], list[str]]:
    """Thousands of first and last names from Faker's locales: real spread, so a
    search for one name meets as many rows as it would in a real book of business."""
    from faker import Faker

    firsts: set[str] = set()
    lasts: set[str] = set()
    for locale in (
        "en_US",
        "en_GB",
        "de_DE",
        "fr_FR",
        "es_ES",
        "it_IT",
        "nl_NL",
        "pt_BR",
        "pl_PL",
        "sv_SE",
    ):
        provider = Faker(locale).provider("faker.providers.person")
        for attr, pool in (("first_names", firsts), ("last_names", lasts)):
            names = getattr(provider, attr, ())
            pool.update(names.keys() if isinstance(names, dict) else names)
    return sorted(firsts), sorted(lasts)

"""Generated load for benchmarks: 100k accounts, 300k contacts, 100k opportunities.

Written with COPY by the owner role, which row-level security does not let the
application role use; it emits no events (it is load, not history).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.crm.demo.book import DEALS, TITLES
from backend.crm.demo.repository import ScaleStore


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
    store = ScaleStore(conn)
    first_names, last_names = _name_pools()
    pipeline_id, stages = await store.default_stages(customer_id)
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
        await store.copy(acc_rows, con_rows, opp_rows)
        totals["accounts"] += len(acc_rows)
        totals["contacts"] += len(con_rows)
        totals["opportunities"] += len(opp_rows)
        if progress is not None:
            progress(
                f"{totals['accounts']:,} accounts, {totals['contacts']:,} contacts, "
                f"{totals['opportunities']:,} opportunities"
            )
    await store.analyze()
    return totals


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

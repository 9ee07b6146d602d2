"""What the Home screen reads: the user's deals closing this month, their stale deals,
and the records changed lately, in one background call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.api.client import GatewayClient
from app.api.paging import ID_BATCH
from app.api.records import ACCOUNTS, CONTACTS, OPPORTUNITIES, Opportunity, RecordsApi
from app.ops import FailureHandler, Operations

STALE_DAYS = 30
"""An open deal unchanged this long is stale."""

SHOWN = 8
"""How many of each the Home screen lists."""


@dataclass(frozen=True)
class Recent:
    """A record changed lately.

    Attributes:
        kind: ``account``, ``contact`` or ``opportunity``.
        id: The record.
        title: Its name.
        updated_at: When it changed.
    """

    kind: str
    id: str
    title: str
    updated_at: datetime


NEVER = datetime.min.replace(tzinfo=UTC)
"""The time of a record that does not say when it changed (it sorts last)."""


@dataclass(frozen=True)
class HomeData:
    """What the Home screen shows.

    Attributes:
        closing: The user's open deals closing this month, soonest first.
        stale: The user's open deals unchanged for :data:`STALE_DAYS` days, oldest first.
        recent: Accounts, contacts and deals changed lately, newest first.
        account_names: The names of the deals' accounts, by id.
        today: The day it was read for.
    """

    closing: list[Opportunity]
    stale: list[Opportunity]
    recent: list[Recent]
    account_names: dict[str, str]
    today: date


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class HomeOps:
    """Reads the Home screen's lists through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._records = RecordsApi(client)
        self._ops = ops

    async def read(self, today: date | None = None, now: datetime | None = None) -> HomeData:
        """The user's lists for ``today`` (the local date by default); deals unchanged
        since :data:`STALE_DAYS` days before ``now`` (this moment by default) are stale."""
        day = today or date.today()
        first, last = month_of(day)
        mine_open = ("owner_id:eq:me", "status:eq:open")
        stale_before = (now or datetime.now(UTC)) - timedelta(days=STALE_DAYS)
        records = self._records
        closing, stale, accounts, contacts, deals = await asyncio.gather(
            records.page(
                OPPORTUNITIES,
                sort="close_date",
                filters=(*mine_open, f"close_date:gte:{first}", f"close_date:lte:{last}"),
                limit=SHOWN,
            ),
            records.page(
                OPPORTUNITIES,
                sort="updated_at",
                filters=(*mine_open, f"updated_at:lt:{stale_before.isoformat()}"),
                limit=SHOWN,
            ),
            records.page(ACCOUNTS, sort="-updated_at", limit=SHOWN),
            records.page(CONTACTS, sort="-updated_at", limit=SHOWN),
            records.page(OPPORTUNITIES, sort="-updated_at", limit=SHOWN),
        )
        recent = [
            *(Recent("account", a.id, a.name, a.updated_at or NEVER) for a in accounts.items),
            *(Recent("contact", c.id, c.full_name, c.updated_at or NEVER) for c in contacts.items),
            *(Recent("opportunity", o.id, o.name, o.updated_at or NEVER) for o in deals.items),
        ]
        recent.sort(key=lambda item: item.updated_at, reverse=True)
        wanted = sorted(
            {d.account_id for d in (*closing.items, *stale.items) if d.account_id is not None}
        )[:ID_BATCH]
        names: dict[str, str] = {}
        if wanted:
            found = await records.page(
                ACCOUNTS, filters=(f"id:in:{','.join(wanted)}",), limit=len(wanted)
            )
            names = {account.id: account.name for account in found.items}
        return HomeData(closing.items, stale.items, recent[:SHOWN], names, day)

    def load(
        self, done: Callable[[HomeData], None], failed: FailureHandler
    ) -> asyncio.Task[HomeData]:
        """Read the lists in the background."""
        return self._ops.run(self.read(), on_success=done, on_failure=failed, name="home")

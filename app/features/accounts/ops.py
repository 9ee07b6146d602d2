"""The calls of the Accounts page, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from app.api.client import GatewayClient
from app.api.models import Account, Contact, Opportunity
from app.api.records import ACCOUNTS, AccountRecord, RecordsApi
from app.features.records.model import RecordQuery
from app.features.records.ops import RecordPage, RecordStore
from app.ops import FailureHandler, Operations

DETAIL_LIMIT = 50
"""How many contacts and opportunities the detail panel shows."""


@dataclass(frozen=True)
class AccountRelations:
    """What hangs off an account, for its detail panel.

    Attributes:
        account: The account.
        contacts: Its contacts (the first :data:`DETAIL_LIMIT`, by last name).
        opportunities: Its opportunities (the first :data:`DETAIL_LIMIT`, by close date).
        more: Whether either list has more than it shows.
    """

    account: Account
    contacts: list[Contact]
    opportunities: list[Opportunity]
    more: bool = False


class AccountRecordOps:
    """Reads and changes accounts through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._client = client
        self._ops = ops
        self.store: RecordStore[AccountRecord] = RecordStore(RecordsApi(client), ACCOUNTS, ops)
        """Creating, changing, deleting accounts; custom fields; saved views."""

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    async def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage[AccountRecord]:
        """One page of accounts for ``query``."""
        return await self.store.fetch_page(query, cursor)

    async def _relations(self, account: Account) -> AccountRelations:
        condition = (f"account_id:eq:{account.id}",)
        contacts, opportunities = await asyncio.gather(
            self._client.contacts(sort="last_name", filters=condition, limit=DETAIL_LIMIT),
            self._client.opportunities(sort="close_date", filters=condition, limit=DETAIL_LIMIT),
        )
        more = contacts.next_cursor is not None or opportunities.next_cursor is not None
        return AccountRelations(account, contacts.items, opportunities.items, more)

    def load_relations(
        self,
        account: Account,
        done: Callable[[AccountRelations], None],
        failed: FailureHandler,
    ) -> asyncio.Task[AccountRelations]:
        """Fetch an account's contacts and opportunities."""
        return self._ops.run(
            self._relations(account), on_success=done, on_failure=failed, name="account-detail"
        )

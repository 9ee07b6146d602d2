"""The calls of the Accounts page, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from app.api.client import GatewayClient
from app.api.records import ACCOUNTS, CONTACTS, OPPORTUNITIES, Account, Contact, Opportunity
from app.features.records.ops import RecordOps
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


class AccountRecordOps(RecordOps[Account]):
    """Lists, reads and changes accounts (see :class:`RecordOps`), and reads what hangs
    off one.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        super().__init__(client, ACCOUNTS, ops)

    async def _relations(self, account: Account) -> AccountRelations:
        condition = (f"account_id:eq:{account.id}",)
        contacts, opportunities = await asyncio.gather(
            self.records.page(CONTACTS, sort="last_name", filters=condition, limit=DETAIL_LIMIT),
            self.records.page(
                OPPORTUNITIES, sort="close_date", filters=condition, limit=DETAIL_LIMIT
            ),
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
        return self.ops.run(
            self._relations(account), on_success=done, on_failure=failed, name="account-detail"
        )

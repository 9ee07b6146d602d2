"""The calls of the Contacts page, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.records import ACCOUNTS, CONTACTS, OPPORTUNITIES, Account, Contact, Opportunity
from app.features.records.ops import RecordOps
from app.ops import FailureHandler, Operations

DETAIL_LIMIT = 50
"""How many opportunities the detail panel shows."""
ACCOUNT_CHOICES = 20
"""How many accounts the account picker offers for what was typed."""


@dataclass(frozen=True)
class ContactRelations:
    """What hangs off a contact, for its detail panel.

    Attributes:
        contact: The contact.
        account: The account they work at; ``None`` when they have none or it cannot
            be seen (in the trash, out of reach).
        opportunities: The opportunities they are the primary contact of (the first
            :data:`DETAIL_LIMIT`, by close date).
        more: Whether there are more opportunities than shown.
    """

    contact: Contact
    account: Account | None
    opportunities: list[Opportunity]
    more: bool = False


class ContactRecordOps(RecordOps[Contact]):
    """Lists, reads and changes contacts (see :class:`RecordOps`), and reads their accounts
    and opportunities.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        super().__init__(client, CONTACTS, ops)

    async def _account(self, account_id: str | None) -> Account | None:
        if account_id is None:
            return None
        try:
            return await self.records.get(ACCOUNTS, account_id)
        except ApiError as exc:
            if exc.status_code in (403, 404):
                return None
            raise

    async def _relations(self, contact: Contact) -> ContactRelations:
        account, opportunities = await asyncio.gather(
            self._account(contact.account_id),
            self.records.page(
                OPPORTUNITIES,
                sort="close_date",
                filters=(f"primary_contact_id:eq:{contact.id}",),
                limit=DETAIL_LIMIT,
            ),
        )
        more = opportunities.next_cursor is not None
        return ContactRelations(contact, account, opportunities.items, more)

    def load_relations(
        self,
        contact: Contact,
        done: Callable[[ContactRelations], None],
        failed: FailureHandler,
    ) -> asyncio.Task[ContactRelations]:
        """Fetch a contact's account and opportunities."""
        return self.ops.run(
            self._relations(contact), on_success=done, on_failure=failed, name="contact-detail"
        )

    async def _accounts_named(self, text: str) -> list[tuple[str, str]]:
        page = await self.records.page(
            ACCOUNTS, sort="name", filters=(f"name:contains:{text}",), limit=ACCOUNT_CHOICES
        )
        return [(account.name, account.id) for account in page.items]

    def search_accounts(
        self, text: str, done: Callable[[list[tuple[str, str]]], None], failed: FailureHandler
    ) -> asyncio.Task[list[tuple[str, str]]]:
        """Find accounts whose name contains ``text``: (name, id) pairs, by name."""
        return self.ops.run(
            self._accounts_named(text), on_success=done, on_failure=failed, name="account-search"
        )

    async def _account_name(self, account_id: str) -> str:
        account = await self._account(account_id)
        return account.name if account is not None else "(an account you cannot see)"

    def account_name(
        self, account_id: str, done: Callable[[str], None], failed: FailureHandler
    ) -> asyncio.Task[str]:
        """Look up the name of the account ``account_id``."""
        return self.ops.run(
            self._account_name(account_id), on_success=done, on_failure=failed, name="account-name"
        )

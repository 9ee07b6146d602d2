"""The calls of the Contacts page, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.models import Opportunity
from app.api.records import ACCOUNTS, CONTACTS, AccountRecord, ContactRecord, RecordsApi
from app.features.records.model import RecordQuery
from app.features.records.ops import MAX_READ_AT_ONCE, RecordPage, RecordStore
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

    contact: ContactRecord
    account: AccountRecord | None
    opportunities: list[Opportunity]
    more: bool = False


class ContactRecordOps:
    """Reads and changes contacts through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._client = client
        self._ops = ops
        self._api = RecordsApi(client)
        self.store: RecordStore[ContactRecord] = RecordStore(self._api, CONTACTS, ops)
        """Creating, changing, deleting contacts; custom fields; saved views."""

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    async def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage[ContactRecord]:
        """One page of contacts for ``query``."""
        return await self.store.fetch_page(query, cursor)

    async def _account(self, account_id: str | None) -> AccountRecord | None:
        if account_id is None:
            return None
        try:
            return await self._api.get(ACCOUNTS, account_id)
        except ApiError as exc:
            if exc.status_code in (403, 404):
                return None
            raise

    async def _relations(self, contact: ContactRecord) -> ContactRelations:
        account, opportunities = await asyncio.gather(
            self._account(contact.account_id),
            self._api.opportunities(
                sort="close_date",
                filters=(f"primary_contact_id:eq:{contact.id}",),
                limit=DETAIL_LIMIT,
            ),
        )
        more = opportunities.next_cursor is not None
        return ContactRelations(contact, account, opportunities.items, more)

    def load_relations(
        self,
        contact: ContactRecord,
        done: Callable[[ContactRelations], None],
        failed: FailureHandler,
    ) -> asyncio.Task[ContactRelations]:
        """Fetch a contact's account and opportunities."""
        return self._ops.run(
            self._relations(contact), on_success=done, on_failure=failed, name="contact-detail"
        )

    async def _accounts_named(self, text: str) -> list[tuple[str, str]]:
        page = await self._api.page(
            ACCOUNTS, sort="name", filters=(f"name:contains:{text}",), limit=ACCOUNT_CHOICES
        )
        return [(account.name, account.id) for account in page.items]

    def search_accounts(
        self, text: str, done: Callable[[list[tuple[str, str]]], None], failed: FailureHandler
    ) -> asyncio.Task[list[tuple[str, str]]]:
        """Find accounts whose name contains ``text``: (name, id) pairs, by name."""
        return self._ops.run(
            self._accounts_named(text), on_success=done, on_failure=failed, name="account-search"
        )

    async def _account_name(self, account_id: str) -> str:
        account = await self._account(account_id)
        return account.name if account is not None else "(an account you cannot see)"

    def account_name(
        self, account_id: str, done: Callable[[str], None], failed: FailureHandler
    ) -> asyncio.Task[str]:
        """Look up the name of the account ``account_id``."""
        return self._ops.run(
            self._account_name(account_id), on_success=done, on_failure=failed, name="account-name"
        )

    async def _names_of(self, account_ids: Sequence[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for start in range(0, len(account_ids), MAX_READ_AT_ONCE):
            chunk = account_ids[start : start + MAX_READ_AT_ONCE]
            page = await self._api.page(
                ACCOUNTS, filters=(f"id:in:{','.join(chunk)}",), limit=len(chunk)
            )
            names.update((account.id, account.name) for account in page.items)
        return names

    def account_names(
        self,
        account_ids: Sequence[str],
        done: Callable[[dict[str, str]], None],
        failed: FailureHandler,
    ) -> asyncio.Task[dict[str, str]]:
        """The names of the accounts ``account_ids`` by id, in one call (for a page of
        contacts: at most :data:`~app.features.records.ops.MAX_READ_AT_ONCE` ids a call).
        Accounts in the trash or out of the user's reach are not among them."""
        return self._ops.run(
            self._names_of(list(account_ids)),
            on_success=done,
            on_failure=failed,
            name="account-names",
        )

"""The calls of the opportunity editor, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.api.client import GatewayClient
from app.api.errors import ApiError
from app.api.records import (
    ACCOUNTS,
    CONTACTS,
    OPPORTUNITIES,
    Account,
    Contact,
    Opportunity,
    RecordsApi,
)
from app.ops import FailureHandler, Operations

ACCOUNT_CHOICES = 20
"""How many accounts the account field offers for what was typed."""

CONTACTS_LIMIT = 200
"""How many of an account's contacts the primary-contact list offers."""


@dataclass(frozen=True)
class OpportunityContext:
    """An opportunity as the editor opens it: its latest version and what it names.

    Attributes:
        record: The opportunity as the server has it now.
        account: Its account (``None`` if it has none or it is out of reach).
        contacts: The account's contacts (for the primary contact).
    """

    record: Opportunity
    account: Account | None
    contacts: list[Contact]


class OpportunityEditorOps:
    """Reads and saves opportunities for the editor.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._records = RecordsApi(client)
        self._ops = ops

    async def _contacts_of(self, account_id: str) -> list[Contact]:
        page = await self._records.page(
            CONTACTS,
            sort="last_name",
            filters=(f"account_id:eq:{account_id}",),
            limit=CONTACTS_LIMIT,
        )
        return page.items

    async def _context(self, opportunity_id: str) -> OpportunityContext:
        record = await self._records.get(OPPORTUNITIES, opportunity_id)
        account: Account | None = None
        contacts: list[Contact] = []
        if record.account_id:
            try:
                account, contacts = await asyncio.gather(
                    self._records.get(ACCOUNTS, record.account_id),
                    self._contacts_of(record.account_id),
                )
            except ApiError as exc:
                if exc.status_code != 404:
                    raise
        return OpportunityContext(record, account, contacts)

    def load(
        self,
        opportunity_id: str,
        done: Callable[[OpportunityContext], None],
        failed: FailureHandler,
    ) -> asyncio.Task[OpportunityContext]:
        """Fetch the latest version of an opportunity, its account and the account's contacts."""
        return self._ops.run(
            self._context(opportunity_id), on_success=done, on_failure=failed, name="opp-load"
        )

    async def _find_accounts(self, text: str) -> list[Account]:
        text = text.strip()
        filters = (f"name:contains:{text}",) if text else ()
        page = await self._records.page(
            ACCOUNTS, sort="name", filters=filters, limit=ACCOUNT_CHOICES
        )
        return page.items

    def find_accounts(
        self, text: str, done: Callable[[list[Account]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Account]]:
        """Accounts whose name contains ``text`` (the first 20, by name)."""
        return self._ops.run(
            self._find_accounts(text), on_success=done, on_failure=failed, name="opp-accounts"
        )

    def load_contacts(
        self, account_id: str, done: Callable[[list[Contact]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Contact]]:
        """The contacts of an account, by last name."""
        return self._ops.run(
            self._contacts_of(account_id), on_success=done, on_failure=failed, name="opp-contacts"
        )

    def create(
        self,
        fields: dict[str, Any],
        done: Callable[[Opportunity], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Opportunity]:
        """Create an opportunity."""
        return self._ops.run(
            self._records.create(OPPORTUNITIES, fields),
            on_success=done,
            on_failure=failed,
            name="opp-create",
        )

    def update(
        self,
        record: Opportunity,
        changes: dict[str, Any],
        done: Callable[[Opportunity], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Opportunity]:
        """Change an opportunity, refused (412) if it changed since ``record`` was read."""
        return self._ops.run(
            self._records.update(OPPORTUNITIES, record.id, changes, record.version),
            on_success=done,
            on_failure=failed,
            name="opp-update",
        )

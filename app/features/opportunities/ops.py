"""The calls of the opportunity editor, each in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.api.errors import ApiError
from app.api.models import Account, Contact
from app.api.pipelines import OpportunityRecord, PipelinesApi
from app.ops import FailureHandler, Operations


@dataclass(frozen=True)
class OpportunityContext:
    """An opportunity as the editor opens it: its latest version and what it names.

    Attributes:
        record: The opportunity as the server has it now.
        account: Its account (``None`` if it has none or it is out of reach).
        contacts: The account's contacts (for the primary contact).
    """

    record: OpportunityRecord
    account: Account | None
    contacts: list[Contact]


class OpportunityEditorOps:
    """Reads and saves opportunities for the editor.

    Args:
        api: The typed calls.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, api: PipelinesApi, ops: Operations) -> None:
        self._api = api
        self._ops = ops

    async def _context(self, opportunity_id: str) -> OpportunityContext:
        record = await self._api.opportunity(opportunity_id)
        account: Account | None = None
        contacts: list[Contact] = []
        if record.account_id:
            try:
                account, contacts = await asyncio.gather(
                    self._api.account(record.account_id),
                    self._api.contacts_of(record.account_id),
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

    def find_accounts(
        self, text: str, done: Callable[[list[Account]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Account]]:
        """Accounts whose name contains ``text`` (the first 20, by name)."""
        return self._ops.run(
            self._api.find_accounts(text), on_success=done, on_failure=failed, name="opp-accounts"
        )

    def load_contacts(
        self, account_id: str, done: Callable[[list[Contact]], None], failed: FailureHandler
    ) -> asyncio.Task[list[Contact]]:
        """The contacts of an account."""
        return self._ops.run(
            self._api.contacts_of(account_id),
            on_success=done,
            on_failure=failed,
            name="opp-contacts",
        )

    def create(
        self,
        fields: dict[str, Any],
        done: Callable[[OpportunityRecord], None],
        failed: FailureHandler,
    ) -> asyncio.Task[OpportunityRecord]:
        """Create an opportunity."""
        return self._ops.run(
            self._api.create_opportunity(fields),
            on_success=done,
            on_failure=failed,
            name="opp-create",
        )

    def update(
        self,
        record: OpportunityRecord,
        changes: dict[str, Any],
        done: Callable[[OpportunityRecord], None],
        failed: FailureHandler,
    ) -> asyncio.Task[OpportunityRecord]:
        """Change an opportunity, refused (412) if it changed since ``record`` was read."""
        return self._ops.run(
            self._api.update_opportunity(record.id, changes, record.if_match),
            on_success=done,
            on_failure=failed,
            name="opp-update",
        )

"""Global search across accounts, contacts and opportunities, as a rep reads results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.crm.search.repository import SearchRepository
from backend.kit.access import Access
from backend.kit.security import Permission


@dataclass(frozen=True)
class Hit:
    """One result: what it is, how to name it, and where it belongs.

    Attributes:
        account_name: The account of a contact or an opportunity.
        amount: An opportunity's amount (with ``currency`` and ``status``).
    """

    type: str
    id: uuid.UUID
    title: str
    score: float
    subtitle: str | None = None
    account_id: uuid.UUID | None = None
    account_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    status: str | None = None


class SearchService:
    def __init__(self, session: AsyncSession, access: Access) -> None:
        self.repo = SearchRepository.from_session(session)
        self.access = access

    async def search(self, q: str, limit: int) -> list[Hit]:
        """Records by name, email, domain or title within the caller's reach; prefixes
        and small typos find them; best first."""
        rows = await self.repo.search(q, limit, self.access.owners(Permission.RECORDS_READ))
        names = await self.repo.account_names(
            {r.account_id for kind, (r, _) in rows if kind != "account" and r.account_id}
        )
        hits = []
        for kind, (record, score) in rows:
            if kind == "account":
                hits.append(Hit(kind, record.id, record.name, float(score), record.domain))
                continue
            account = {
                "account_id": record.account_id,
                "account_name": names.get(record.account_id) if record.account_id else None,
            }
            if kind == "contact":
                title = " ".join(filter(None, [record.first_name, record.last_name]))
                hits.append(
                    Hit(
                        kind,
                        record.id,
                        title,
                        float(score),
                        record.email or record.title,
                        **account,
                    )
                )
            else:
                hits.append(
                    Hit(
                        kind, record.id, record.name, float(score), None, **account,
                        amount=record.amount, currency=record.currency, status=record.status,
                    )
                )  # fmt: skip
        return hits

"""All SQL of the global search."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Float, literal, select, text

from backend.crm.models import Account, Contact, Opportunity
from backend.kit.repository import TenantRepositoryBase

SEARCH_CANDIDATES = 400
"""How many matches per kind are ranked. A word shared by thousands of records (every
"North…" company) would otherwise cost a similarity computation for each of them;
the ranked set is then the first 400 matches found, and typing one more letter
narrows it."""


class SearchRepository(TenantRepositoryBase[Account]):
    """Global search by trigram word similarity (prefixes and small typos match) on
    each record's stored ``search_doc``: candidates from its GIN index, nearest first."""

    model = Account

    async def search(
        self, q: str, limit: int, owners: frozenset[uuid.UUID] | None
    ) -> list[tuple[str, Any]]:
        needle = " ".join(q.lower().split())
        if not needle:
            return []
        # With a LIMIT on the candidates the planner prefers reading the table in
        # order until enough rows match, which for a rare word means the whole table;
        # the trigram index is always the better road here.
        await self.session.execute(text("SET LOCAL enable_seqscan = off"))
        results: list[tuple[str, Any]] = []
        for kind, model in (
            ("account", Account),
            ("contact", Contact),
            ("opportunity", Opportunity),
        ):
            document: ColumnElement[Any] = model.search_doc  # type: ignore[assignment]
            distance = literal(needle).op("<<->", return_type=Float())(document)
            candidates = select(model.id.label("id"), distance.label("distance")).where(
                model.customer_id == self.customer_id,
                model.deleted_at.is_(None),
                literal(needle).op("<%", is_comparison=True)(document),
            )
            if owners is not None:
                candidates = candidates.where(model.owner_id.in_(owners))
            found = candidates.limit(SEARCH_CANDIDATES).subquery(f"{kind}_found")
            best = (
                select(found.c.id, found.c.distance)
                .order_by(found.c.distance, found.c.id)
                .limit(limit)
                .subquery(f"{kind}_best")
            )
            stmt = (
                select(model, (1 - best.c.distance).label("score"))
                .join(best, model.id == best.c.id)
                .order_by(best.c.distance, best.c.id)
            )
            results += [(kind, row) for row in (await self.session.execute(stmt)).all()]
        results.sort(key=lambda item: -float(item[1][1]))
        return results[:limit]

    async def account_names(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The names of the live accounts among ``ids`` (to say where a hit works)."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Account.id, Account.name).where(
                Account.customer_id == self.customer_id,
                Account.id.in_(ids),
                Account.deleted_at.is_(None),
            )
        )
        return {row[0]: row[1] for row in rows}

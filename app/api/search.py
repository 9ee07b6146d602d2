"""Global search over accounts, contacts and opportunities (``GET /search``).

The server answers each hit with a title and at most one line of detail (an
account's domain, a contact's email). The palette shows more (an opportunity's
amount, the account a contact works at), so this module also reads single
records by id.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from app.api.client import GatewayClient
from app.api.models import Account, Contact, Opportunity

SEARCH_LIMIT = 20
"""How many hits one search asks for (the server allows up to 50)."""

KINDS: tuple[str, ...] = ("account", "contact", "opportunity")
"""The kinds of record search finds, in the order the palette groups them."""

M = TypeVar("M", bound=BaseModel)


class SearchHit(BaseModel):
    """One record that matched.

    Attributes:
        type: ``"account"``, ``"contact"`` or ``"opportunity"``.
        id: The record's id.
        title: Its name (a contact's first and last name).
        subtitle: An account's domain, a contact's email (or title); may be empty.
        score: How close the match is, 0 to 1 (higher is closer).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str
    id: str
    title: str
    subtitle: str | None = None
    score: float = 0.0


class SearchResults(BaseModel):
    """``GET /search``: the hits, closest first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[SearchHit]


class SearchApi:
    """The search calls of the gateway.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        """Records whose name, email, domain or title is like ``query`` (prefixes and
        small typos match), closest first.

        Raises:
            ApiError: ``validation_error`` (422) for an empty or over-long query.
        """
        params: dict[str, str | int] = {"q": query, "limit": limit}
        results = await self._client.call_json(
            "GET", "/api/v1/search", SearchResults, params=params
        )
        return results.items

    async def account(self, account_id: str) -> Account:
        """One account by id.

        Raises:
            ApiError: ``not_found`` (404) when it is gone or not the user's to see.
        """
        return await self._record(f"/api/v1/accounts/{account_id}", Account)

    async def contact(self, contact_id: str) -> Contact:
        """One contact by id (raises as :meth:`account`)."""
        return await self._record(f"/api/v1/contacts/{contact_id}", Contact)

    async def opportunity(self, opportunity_id: str) -> Opportunity:
        """One opportunity by id (raises as :meth:`account`)."""
        return await self._record(f"/api/v1/opportunities/{opportunity_id}", Opportunity)

    async def _record(self, path: str, model: type[M]) -> M:
        return await self._client.call_json("GET", path, model)

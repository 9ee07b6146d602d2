"""Global search over accounts, contacts and opportunities (``GET /search``).

One call answers a query: each hit carries what the palette's second line needs
(a contact's or an opportunity's account name, an opportunity's amount, currency
and status), so no record is read one by one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.api.client import GatewayClient

SEARCH_LIMIT = 20
"""How many hits one search asks for (the server allows up to 50)."""

KINDS: tuple[str, ...] = ("account", "contact", "opportunity")
"""The kinds of record search finds, in the order the palette groups them."""


class SearchHit(BaseModel):
    """One record that matched.

    Attributes:
        type: ``"account"``, ``"contact"`` or ``"opportunity"``.
        id: The record's id.
        title: Its name (a contact's first and last name).
        subtitle: An account's domain, a contact's email (or title); may be empty.
        score: How close the match is, 0 to 1 (higher is closer).
        account_id: The account a contact works at or an opportunity is with.
        account_name: That account's name (``None`` when it has none, or it is in the
            trash).
        amount: An opportunity's amount, a decimal string (never a float).
        currency: The amount's ISO currency code.
        status: An opportunity's ``open``, ``won`` or ``lost``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str
    id: str
    title: str
    subtitle: str | None = None
    score: float = 0.0
    account_id: str | None = None
    account_name: str | None = None
    amount: str | None = None
    currency: str | None = None
    status: str | None = None


class SearchResults(BaseModel):
    """``GET /search``: the hits, closest first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[SearchHit]


class SearchApi:
    """The search call of the gateway.

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

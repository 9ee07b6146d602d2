"""The calls of the Contacts page, each in the background."""

from __future__ import annotations

from app.api.client import GatewayClient
from app.api.models import ContactPage
from app.features.records.model import RecordQuery
from app.ops import Operations


class ContactRecordOps:
    """Reads contacts through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._client = client
        self._ops = ops

    @property
    def ops(self) -> Operations:
        """Where the calls run."""
        return self._ops

    async def fetch_page(self, query: RecordQuery, cursor: str | None) -> ContactPage:
        """One page of contacts for ``query``."""
        return await self._client.contacts(cursor=cursor, sort=query.sort, filters=query.filters)

"""The calls of the deals list, each in the background."""

from __future__ import annotations

from app.api.client import GatewayClient
from app.api.records import OPPORTUNITIES, Opportunity
from app.features.records.ops import RecordOps
from app.ops import Operations


class DealRecordOps(RecordOps[Opportunity]):
    """Lists, reads and changes deals, many at once too (see :class:`RecordOps`).

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        super().__init__(client, OPPORTUNITIES, ops)

"""The answer of a global search."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel

from backend.crm.schemas import ObjectType


# ---------------------------------------------------------------- search
class SearchHit(BaseModel):
    type: ObjectType
    id: uuid.UUID
    title: str
    subtitle: str | None = None
    score: float
    account_id: uuid.UUID | None = None
    account_name: str | None = None
    """The account of a contact or an opportunity (so a result line can name it)."""
    amount: Decimal | None = None
    currency: str | None = None
    status: str | None = None
    """An opportunity's amount, currency and ``open``/``won``/``lost``."""


class SearchResults(BaseModel):
    items: list[SearchHit]

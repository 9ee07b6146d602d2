"""Lists the server pages: one page model and one list query for every list.

A list answers ``{"items": [...], "next_cursor": ...}``, keyset-paged by the server
(``cursor`` is the ``next_cursor`` of the page before), sorted (``sort=field`` or
``-field``) and filtered (``filter=field:op:value``, repeated, all must hold) there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

PAGE_SIZE = 50
"""How many records a list asks for at once (a screen's worth and some)."""

MAX_PAGE = 200
"""The most records one list call returns (the server's limit)."""

ID_BATCH = 100
"""How many ids one ``filter=id:in:…`` names (the query string stays a few KB)."""


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is ``None`` on the last one.

    Attributes:
        items: What this page holds, in the server's order.
        next_cursor: Pass it back for the next page.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[T]
    next_cursor: str | None = None


def list_query(
    cursor: str | None = None,
    sort: str | None = None,
    filters: Sequence[str] = (),
    limit: int = PAGE_SIZE,
) -> httpx.QueryParams:
    """The query of a list call (``filter`` repeats)."""
    params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
    if cursor:
        params.append(("cursor", cursor))
    if sort:
        params.append(("sort", sort))
    params.extend(("filter", condition) for condition in filters)
    return httpx.QueryParams(params)


def batches(ids: Sequence[str], size: int = ID_BATCH) -> list[Sequence[str]]:
    """``ids`` in runs of at most ``size`` (one ``id:in:`` call each)."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]

"""The global search route (``/api/v1/search``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.crm.deps import AccessDep, E
from backend.crm.search import schemas as s
from backend.crm.search.service import SearchService
from backend.kit.errors import ValidationFailed
from backend.kit.tenancy import TenantSessionDep
from backend.kit.validation import NUL_MESSAGE, has_nul

router = APIRouter(tags=["search"])


@router.get("/search", response_model=s.SearchResults, responses=E)
async def search(
    session: TenantSessionDep,
    access: AccessDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> s.SearchResults:
    """Accounts, contacts and opportunities by name, email, domain or title; prefixes and
    small typos find the record."""
    if has_nul(q):
        raise ValidationFailed.for_field("query.q", NUL_MESSAGE)
    hits = await SearchService(session, access).search(q, limit)
    return s.SearchResults(
        items=[s.SearchHit.model_validate(h, from_attributes=True) for h in hits]
    )

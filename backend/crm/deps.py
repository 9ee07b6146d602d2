"""Dependencies of the CRM routes, declared once: its state, the caller's reach, and
the query and header aliases every route shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from pydantic import StringConstraints

from backend.context import ContextEnv, ContextState
from backend.crm.schemas import FILTER_VALUE_MAX, filter_pattern, sort_pattern
from backend.kit.access import Access, access_for
from backend.kit.errors import ErrorBody
from backend.kit.http import state_of
from backend.kit.pagination import MAX_LIMIT
from backend.kit.security import CurrentPrincipal
from backend.kit.tasks import BackgroundTasks
from backend.kit.team import TeamDirectory


class CrmState(ContextState):
    """Per-process state of the CRM service.

    Attributes:
        team: Asks auth (a peer, over its API) who is on a manager's team.
        tasks: Running imports, kept referenced until done.
    """

    def __init__(self, env: ContextEnv) -> None:
        self.team = TeamDirectory(env.peers["auth"])
        self.tasks = BackgroundTasks()

    async def aclose(self) -> None:
        await self.tasks.aclose()


async def crm_state(request: Request) -> CrmState:
    return state_of(request, CrmState)


CrmStateDep = Annotated[CrmState, Depends(crm_state)]


async def access(request: Request, principal: CurrentPrincipal, state: CrmStateDep) -> Access:
    return await access_for(state.team, principal, request.headers.get("authorization", ""))


AccessDep = Annotated[Access, Depends(access)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def filters_of(fields: Iterable[str]) -> Any:
    """The ``filter`` query of a list of records with ``fields``: ``field:op:value``,
    repeatable, every one must hold (the document names the fields and operators)."""
    item = Annotated[
        str, StringConstraints(max_length=FILTER_VALUE_MAX + 100, pattern=filter_pattern(fields))
    ]
    return Annotated[
        list[item],
        Query(alias="filter", max_length=50, description="field:op:value, repeatable"),
    ]


def sort_of(fields: Iterable[str]) -> Any:
    """The ``sort`` query: ``field`` or ``-field``."""
    return Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=sort_pattern(fields),
            description="field or -field; cf.<key> for a custom field",
        ),
    ]


Quick = Annotated[
    str,
    Query(
        max_length=200,
        pattern=r"^[^\u0000]*$",
        description="the filter box: any of the record's everyday fields contains it "
        "(an account's name, domain or city; a contact's name, email, phone or mobile)",
    ),
]
End = Annotated[
    bool, Query(description="the last page of the list, in its order (no cursor with it)")
]
IfMatch = Annotated[str | None, Header(description="the ETag you last read")]
E: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 412, 422, 429)
}
"""The error answers every CRM route may give (documented in the OpenAPI)."""

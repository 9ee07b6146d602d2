"""The three record kinds (accounts, contacts, opportunities) and what differs between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from backend.crm import events
from backend.crm.models import Account, Contact, Opportunity

R = TypeVar("R", Account, Contact, Opportunity)

SYSTEM_FIELDS = frozenset(
    {
        "id",
        "customer_id",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
        "created_by",
        "search_doc",
    }
)
"""Columns the platform keeps; never written by a caller, never in a snapshot."""


@dataclass(frozen=True)
class RecordKind(Generic[R]):
    """One kind of record: its table, its events and its snapshot types.

    Attributes:
        references: Columns pointing at other records: ``column -> (model, label)``.
        read_only: Columns derived by the service (an opportunity's status).
    """

    object_type: str
    label: str
    model: type[R]
    id_field: str
    created: type[events.RecordEvent]
    updated: type[events.RecordEvent]
    deleted: type[events.RecordEvent]
    restored: type[events.RecordEvent]
    snapshot: type[BaseModel]
    changes: type[BaseModel]
    default_sort: str
    references: dict[str, tuple[type[Any], str]] = field(default_factory=dict)
    read_only: frozenset[str] = frozenset()

    def columns(self) -> list[str]:
        """The record's business columns (what a snapshot holds)."""
        return [c.key for c in self.model.__table__.columns if c.key not in SYSTEM_FIELDS]

    def editable(self) -> list[str]:
        """The columns a caller may set."""
        return [c for c in self.columns() if c not in self.read_only]


ACCOUNTS: RecordKind[Account] = RecordKind(
    object_type="account",
    label="Account",
    model=Account,
    id_field="account_id",
    created=events.AccountCreated,
    updated=events.AccountUpdated,
    deleted=events.AccountDeleted,
    restored=events.AccountRestored,
    snapshot=events.AccountSnapshot,
    changes=events.AccountChanges,
    default_sort="name",
)
CONTACTS: RecordKind[Contact] = RecordKind(
    object_type="contact",
    label="Contact",
    model=Contact,
    id_field="contact_id",
    created=events.ContactCreated,
    updated=events.ContactUpdated,
    deleted=events.ContactDeleted,
    restored=events.ContactRestored,
    snapshot=events.ContactSnapshot,
    changes=events.ContactChanges,
    default_sort="last_name",
    references={"account_id": (Account, "account")},
)
OPPORTUNITIES: RecordKind[Opportunity] = RecordKind(
    object_type="opportunity",
    label="Opportunity",
    model=Opportunity,
    id_field="opportunity_id",
    created=events.OpportunityCreated,
    updated=events.OpportunityUpdated,
    deleted=events.OpportunityDeleted,
    restored=events.OpportunityRestored,
    snapshot=events.OpportunitySnapshot,
    changes=events.OpportunityChanges,
    default_sort="-updated_at",
    references={"account_id": (Account, "account"), "primary_contact_id": (Contact, "contact")},
    read_only=frozenset({"pipeline_id", "status", "closed_at"}),
)

KINDS: dict[str, RecordKind[Any]] = {k.object_type: k for k in (ACCOUNTS, CONTACTS, OPPORTUNITIES)}

REFERENCES_TO: dict[str, list[tuple[RecordKind[Any], str]]] = {
    "account": [(CONTACTS, "account_id"), (OPPORTUNITIES, "account_id")],
    "contact": [(OPPORTUNITIES, "primary_contact_id")],
}
"""Which columns of which kinds point at a record of a kind (moved on merge)."""

"""Events the CRM publishes (its contract with the other contexts).

Every event about a record carries the record's ``version`` after the change (what
its ETag names). A created record travels whole as a typed snapshot; an update
carries only the fields that changed (a :class:`~backend.messaging.envelope.Changes`
of the same fields, so ``changes.model_fields_set`` names them). Every write path
(the API, bulk changes, imports, merges, demo data) builds them the same way, in
``backend.crm.records.service``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from backend.messaging import topics
from backend.messaging.envelope import Changes, DomainEvent

Amount = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str)]
"""An amount as an exact decimal string on the wire (``"12500.00"``)."""


# ---------------------------------------------------------------------- snapshots
class _AccountFields(BaseModel):
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    size: int | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None


class _ContactFields(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    title: str | None = None
    account_id: uuid.UUID | None = None
    time_zone: str | None = None
    do_not_contact: bool | None = None
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None


class _OpportunityFields(BaseModel):
    name: str | None = None
    account_id: uuid.UUID | None = None
    primary_contact_id: uuid.UUID | None = None
    amount: Amount | None = None
    currency: str | None = None
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    probability_override: int | None = None
    close_date: date | None = None
    status: str | None = None
    closed_reason: str | None = None
    closed_at: datetime | None = None
    owner_id: uuid.UUID | None = None
    custom_fields: dict[str, Any] | None = None


_SNAPSHOT = ConfigDict(frozen=True, extra="forbid", from_attributes=True)


class AccountSnapshot(_AccountFields):
    """An account's business fields (not its id, version, timestamps or trash state)."""

    model_config = _SNAPSHOT


class AccountChanges(Changes, _AccountFields):
    """The fields of an account that changed, with their new values."""

    model_config = _SNAPSHOT


class ContactSnapshot(_ContactFields):
    model_config = _SNAPSHOT


class ContactChanges(Changes, _ContactFields):
    model_config = _SNAPSHOT


class OpportunitySnapshot(_OpportunityFields):
    model_config = _SNAPSHOT


class OpportunityChanges(Changes, _OpportunityFields):
    model_config = _SNAPSHOT


# ---------------------------------------------------------------------- events
class RecordEvent(DomainEvent):
    """An event about one account, contact or opportunity."""

    version: int
    """The record's version after the change (what its ETag names)."""
    owner_id: uuid.UUID | None = None
    """Whose record it is after the change: who may read it follows from that (the live
    feed sends the event only to users who reach that owner)."""
    previous_owner_id: uuid.UUID | None = None
    """Whose it was, when the change gave it to someone else."""


class _AccountEvent(RecordEvent):
    topic: ClassVar[topics.Topic] = topics.CRM_ACCOUNTS
    aggregate_type: ClassVar[str] = "account"
    account_id: uuid.UUID


class _ContactEvent(RecordEvent):
    topic: ClassVar[topics.Topic] = topics.CRM_CONTACTS
    aggregate_type: ClassVar[str] = "contact"
    contact_id: uuid.UUID


class _OpportunityEvent(RecordEvent):
    topic: ClassVar[topics.Topic] = topics.CRM_OPPORTUNITIES
    aggregate_type: ClassVar[str] = "opportunity"
    opportunity_id: uuid.UUID


class AccountCreated(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.created"
    record: AccountSnapshot


class AccountUpdated(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.updated"
    changes: AccountChanges


class AccountDeleted(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.deleted"


class AccountRestored(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.restored"


class ContactCreated(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.created"
    record: ContactSnapshot


class ContactUpdated(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.updated"
    changes: ContactChanges


class ContactDeleted(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.deleted"


class ContactRestored(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.restored"


class OpportunityCreated(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.created"
    record: OpportunitySnapshot


class OpportunityUpdated(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.updated"
    changes: OpportunityChanges


class OpportunityDeleted(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.deleted"


class OpportunityRestored(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.restored"


class OpportunityStageChanged(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.stage_changed"
    from_stage_id: uuid.UUID
    to_stage_id: uuid.UUID


class OpportunityWon(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.won"
    amount: Amount | None
    currency: str


class OpportunityLost(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.lost"
    reason: str | None


class RecordsMerged(DomainEvent):
    """Records were merged into ``winner_id``; references were moved to it (each moved
    record has its own Updated event)."""

    event_type: ClassVar[str] = "crm.records.merged"
    topic: ClassVar[topics.Topic] = topics.CRM_ACCOUNTS
    aggregate_type: ClassVar[str] = "merge"
    object_type: str
    winner_id: uuid.UUID
    merged_ids: list[uuid.UUID]

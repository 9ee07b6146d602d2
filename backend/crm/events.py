"""Events the CRM publishes (its contract with the other contexts)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from backend.messaging import topics
from backend.messaging.envelope import DomainEvent


class RecordEvent(DomainEvent):
    """An event about one account, contact or opportunity."""

    version: int
    """The record's version after the change (what its ETag names)."""


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
    record: dict[str, Any]


class AccountUpdated(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.updated"
    changes: dict[str, Any]


class AccountDeleted(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.deleted"


class AccountRestored(_AccountEvent):
    event_type: ClassVar[str] = "crm.account.restored"


class ContactCreated(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.created"
    record: dict[str, Any]


class ContactUpdated(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.updated"
    changes: dict[str, Any]


class ContactDeleted(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.deleted"


class ContactRestored(_ContactEvent):
    event_type: ClassVar[str] = "crm.contact.restored"


class OpportunityCreated(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.created"
    record: dict[str, Any]


class OpportunityUpdated(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.updated"
    changes: dict[str, Any]


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
    amount: str | None
    currency: str


class OpportunityLost(_OpportunityEvent):
    event_type: ClassVar[str] = "crm.opportunity.lost"
    reason: str | None


class RecordsMerged(DomainEvent):
    """Records were merged into ``winner_id``; references were moved to it."""

    event_type: ClassVar[str] = "crm.records.merged"
    topic: ClassVar[topics.Topic] = topics.CRM_ACCOUNTS
    aggregate_type: ClassVar[str] = "merge"
    object_type: str
    winner_id: uuid.UUID
    merged_ids: list[uuid.UUID]

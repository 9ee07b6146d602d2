"""Events the auth context publishes (its contract with the other contexts)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from backend.messaging import topics
from backend.messaging.envelope import DomainEvent


class _UserEvent(DomainEvent):
    topic: ClassVar[topics.Topic] = topics.AUTH_USERS
    aggregate_type: ClassVar[str] = "user"

    user_id: uuid.UUID


class CustomerSignedUp(_UserEvent):
    event_type: ClassVar[str] = "auth.customer.signed_up"

    customer_name: str


class UserCreated(_UserEvent):
    event_type: ClassVar[str] = "auth.user.created"

    email: str
    name: str
    role: str
    manager_id: uuid.UUID | None = None


class UserUpdated(_UserEvent):
    event_type: ClassVar[str] = "auth.user.updated"

    changes: dict[str, str | None]


class UserDeactivated(_UserEvent):
    event_type: ClassVar[str] = "auth.user.deactivated"


class PasswordChanged(_UserEvent):
    event_type: ClassVar[str] = "auth.user.password_changed"

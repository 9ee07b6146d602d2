"""The topic registry: ``<context>.<aggregate>``, one topic per aggregate type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A Kafka topic; events of one aggregate type share one, keyed by aggregate id."""

    context: str
    aggregate: str

    @property
    def name(self) -> str:
        return f"{self.context}.{self.aggregate}"

    def __str__(self) -> str:
        return self.name


CRM_ACCOUNTS = Topic("crm", "accounts")
CRM_CONTACTS = Topic("crm", "contacts")
CRM_OPPORTUNITIES = Topic("crm", "opportunities")
EMAIL_MESSAGES = Topic("email", "messages")
EMAIL_MAILBOXES = Topic("email", "mailboxes")
EMAIL_ENGAGEMENT = Topic("email", "engagement")
CALENDAR_MEETINGS = Topic("calendar", "meetings")
SEQUENCES_ENROLLMENTS = Topic("sequences", "enrollments")
ACTIVITIES_ITEMS = Topic("activities", "items")
SCORING_SCORES = Topic("scoring", "scores")
AUTH_USERS = Topic("auth", "users")
SYNC_RECORDS = Topic("sync", "records")

ALL_TOPICS: tuple[Topic, ...] = (
    CRM_ACCOUNTS,
    CRM_CONTACTS,
    CRM_OPPORTUNITIES,
    EMAIL_MESSAGES,
    EMAIL_MAILBOXES,
    EMAIL_ENGAGEMENT,
    CALENDAR_MEETINGS,
    SEQUENCES_ENROLLMENTS,
    ACTIVITIES_ITEMS,
    SCORING_SCORES,
    AUTH_USERS,
    SYNC_RECORDS,
)

BY_NAME: dict[str, Topic] = {t.name: t for t in ALL_TOPICS}


def topic_named(name: str) -> Topic:
    """Look a topic up by its name.

    Raises:
        KeyError: for a topic that is not registered.
    """
    return BY_NAME[name]

"""What the gateway answers, as typed, read-only models.

The client reads leniently (unknown fields are ignored, unknown status words are
kept as they are) so an older desktop keeps working against a newer server.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ComponentHealth(BaseModel):
    """Health of one part of the backend (the database, the broker or a service).

    Attributes:
        status: ``"ok"`` when it works; anything else (``"down"``, ...) when not.
        detail: What the server said about it, e.g. the Postgres version or the error.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether this part works."""
        return self.status == "ok"


class Health(BaseModel):
    """``GET /health`` of the gateway: the whole backend at a glance.

    Attributes:
        status: ``"ok"`` or ``"degraded"``.
        mode: ``"solo"`` (in this process) or ``"team"`` (a server).
        version: The backend's version.
        database: The Postgres the backend uses.
        broker: The Kafka-protocol broker.
        services: Each bounded-context service by name (``auth``, ``crm``, ...).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    mode: str = ""
    version: str = ""
    database: ComponentHealth
    broker: ComponentHealth
    services: dict[str, ComponentHealth] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the server says everything works and every part agrees."""
        return self.status == "ok" and not self.problems()

    def problems(self) -> list[str]:
        """Names of the parts that are not ok: ``database``, ``broker``, then services."""
        parts = {"database": self.database, "broker": self.broker}
        parts.update(sorted(self.services.items()))
        return [name for name, part in parts.items() if not part.ok]


ROLE_LABELS: dict[str, str] = {"admin": "Admin", "manager": "Manager", "rep": "Sales rep"}
"""Names people read for the server's role words."""

ROLES: tuple[str, ...] = ("rep", "manager", "admin")
"""The roles a user can have, least powerful first."""


def role_label(role: str) -> str:
    """The readable name of a role (``"rep"`` → "Sales rep"); unknown words are kept."""
    return ROLE_LABELS.get(role, role.capitalize())


class User(BaseModel):
    """A person of the company who can sign in.

    Attributes:
        id: The user's id.
        customer_id: The company (tenant) the user belongs to.
        email: Their sign-in email (lower case).
        name: Their name.
        role: ``"admin"``, ``"manager"`` or ``"rep"``.
        manager_id: The id of their manager, if they have one.
        is_active: ``False`` once deactivated: they cannot sign in.
        created_at: When the account was made.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str = ""
    email: str
    name: str
    role: str
    manager_id: str | None = None
    is_active: bool = True
    created_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user may manage users and settings."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        """The role as people read it."""
        return role_label(self.role)


class TokenGrant(BaseModel):
    """What sign-in and refresh answer: a short-lived access token and a refresh token.

    Attributes:
        access_token: Sent as ``Authorization: Bearer …`` on every call.
        refresh_token: Traded for new tokens once (each refresh spends it).
        expires_in: Seconds the access token is valid.
        user: Who signed in.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    user: User


class DeviceSession(BaseModel):
    """One signed-in device of the user (a refresh-token family on the server).

    Attributes:
        id: The session's id (to end it).
        created_at: When the user signed in there.
        last_used_at: When that device last refreshed its tokens.
        expires_at: When it ends by itself.
        user_agent: What the device called itself.
        ip: The address it signed in from.
        current: Whether it is the session making this request.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str = ""
    ip: str = ""
    current: bool = False


class DeviceSessionList(BaseModel):
    """``GET /auth/sessions``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[DeviceSession]


class UserPage(BaseModel):
    """One page of ``GET /users`` (sorted by email).

    Attributes:
        items: The users on this page.
        next_cursor: Pass it back for the next page; ``None`` on the last one.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[User]
    next_cursor: str | None = None


class EndedSessions(BaseModel):
    """``POST /auth/sessions/end-others``: how many sessions ended."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    ended: int


class Account(BaseModel):
    """A company the sales team sells to (``GET /accounts``).

    Attributes:
        id: The account's id.
        name: The company's name.
        domain: Its web domain, e.g. ``acme.com``.
        industry: Its industry, as typed by a user.
        size: Its number of employees.
        city: Where it is.
        country: Its country.
        updated_at: When it last changed.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    size: int | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    owner_id: str | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Contact(BaseModel):
    """A person at an account (``GET /contacts``).

    Attributes:
        id: The contact's id.
        first_name: Their first name, if known.
        last_name: Their last name.
        email: Their email address.
        title: Their job title.
        phone: Their phone number.
        account_id: The account they work at.
        updated_at: When the contact last changed.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    first_name: str | None = None
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    title: str | None = None
    account_id: str | None = None
    do_not_contact: bool = False
    owner_id: str | None = None
    version: int = 0
    updated_at: datetime | None = None

    @property
    def full_name(self) -> str:
        """First and last name, as people write them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class Opportunity(BaseModel):
    """A deal being worked on with an account (``GET /opportunities``).

    Attributes:
        id: The opportunity's id.
        name: What the deal is.
        account_id: The account it is with.
        amount: Its value as a decimal string (``"12345.67"``); ``None`` when unknown.
        currency: The ISO code of the amount's currency.
        status: ``"open"``, ``"won"`` or ``"lost"``.
        close_date: When it is expected to close (or closed).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    account_id: str | None = None
    amount: str | None = None
    currency: str = "USD"
    stage_id: str | None = None
    probability: int = 0
    status: str = "open"
    close_date: date | None = None
    updated_at: datetime | None = None


class Page(BaseModel, Generic[T]):
    """One page of a record list (``GET /accounts``, ...); ``next_cursor`` is ``None``
    on the last one."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[T]
    next_cursor: str | None = None


AccountPage = Page[Account]
ContactPage = Page[Contact]
OpportunityPage = Page[Opportunity]

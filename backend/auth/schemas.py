"""Request and response bodies of the auth API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema

from backend.kit.security import Role
from backend.kit.validation import Email, Input, not_null

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Field(
    min_length=1,
    max_length=1024,
    description="8-128 characters, hard to guess (checked by zxcvbn); kept exactly as typed",
    # The document states the policy; the service checks it, with a message for people.
    json_schema_extra={"minLength": 8, "maxLength": 128},
)
"""Kept exactly as typed (spaces included); the strength is checked in the service."""
AnyPassword = Field(min_length=1, max_length=1024)
"""A password being checked (sign-in, the current one): whatever was set before."""


class _In(Input):
    @field_validator("email", mode="before", check_fields=False)
    @classmethod
    def _trim(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("email", mode="after", check_fields=False)
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class SignupIn(_In):
    company: Name
    name: Name
    email: Email
    password: str = Password


class LoginIn(_In):
    email: Email
    password: str = AnyPassword


class RefreshIn(_In):
    refresh_token: str = Field(min_length=16, max_length=512)


class ChangePasswordIn(_In):
    current_password: str = AnyPassword
    new_password: str = Password


class UserCreateIn(_In):
    email: Email
    name: Name
    role: Role = Role.REP
    password: str = Password
    manager_id: uuid.UUID | None = None


class UserUpdateIn(_In):
    name: Name | SkipJsonSchema[None] = None
    role: Role | SkipJsonSchema[None] = None
    manager_id: uuid.UUID | None = None

    _required = not_null("name", "role")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    email: str
    name: str
    role: Role
    manager_id: uuid.UUID | None
    is_active: bool
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None = None


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    user: UserOut


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    current: bool = False


class SessionList(BaseModel):
    items: list[SessionOut]


class Ended(BaseModel):
    ended: int


class SessionStatus(BaseModel):
    """Internal: is this session live (not revoked, not expired, user active)?"""

    active: bool

"""Request and response bodies of the auth API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from backend.kit.security import Role

Name = Field(min_length=1, max_length=200)
Password = Field(min_length=1, max_length=1024)  # policy (8..128, blocklist) checked in service


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("email", mode="after", check_fields=False)
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class SignupIn(_In):
    company: str = Field(min_length=1, max_length=200)
    name: str = Name
    email: EmailStr
    password: str = Password


class LoginIn(_In):
    email: EmailStr
    password: str = Password


class RefreshIn(_In):
    refresh_token: str = Field(min_length=16, max_length=512)


class ChangePasswordIn(_In):
    current_password: str = Password
    new_password: str = Password


class UserCreateIn(_In):
    email: EmailStr
    name: str = Name
    role: Role = Role.REP
    password: str = Password
    manager_id: uuid.UUID | None = None


class UserUpdateIn(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    manager_id: uuid.UUID | None = None


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

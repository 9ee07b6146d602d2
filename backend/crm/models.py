"""Tables of the ``crm`` schema (see migration 0003 for indexes and RLS)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backend.kit.db import Base

SCHEMA = "crm"


class _Tenant:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class _Record(_Tenant):
    """Columns every CRM record has: owner, custom fields, version (ETag), trash."""

    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Pipeline(_Tenant, Base):
    __tablename__ = "pipelines"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Stage(_Tenant, Base):
    __tablename__ = "stages"
    __table_args__ = {"schema": SCHEMA}

    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.pipelines.id"))
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(Text, default="open")


class Account(_Record, Base):
    __tablename__ = "accounts"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    search_doc: Mapped[str | None] = mapped_column(
        Text, Computed("lower(name || ' ' || coalesce(domain, ''))", persisted=True), deferred=True
    )


class Contact(_Record, Base):
    __tablename__ = "contacts"
    __table_args__ = {"schema": SCHEMA}

    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    mobile: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("crm.accounts.id"))
    time_zone: Mapped[str | None] = mapped_column(Text)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    search_doc: Mapped[str | None] = mapped_column(
        Text,
        Computed(
            "lower(coalesce(first_name, '') || ' ' || last_name || ' ' || coalesce(email, ''))",
            persisted=True,
        ),
        deferred=True,
    )


class Opportunity(_Record, Base):
    __tablename__ = "opportunities"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(Text)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("crm.accounts.id"))
    primary_contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("crm.contacts.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(CHAR(3), default="USD")
    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.pipelines.id"))
    stage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.stages.id"))
    probability_override: Mapped[int | None] = mapped_column(Integer)
    close_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, default="open")
    closed_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_doc: Mapped[str | None] = mapped_column(
        Text, Computed("lower(name)", persisted=True), deferred=True
    )


class CustomField(_Tenant, Base):
    __tablename__ = "custom_fields"
    __table_args__ = {"schema": SCHEMA}

    object_type: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    field_type: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONB, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SavedView(_Tenant, Base):
    __tablename__ = "views"
    __table_args__ = {"schema": SCHEMA}

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    object_type: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    filters: Mapped[list[str]] = mapped_column(JSONB, default=list)
    sort: Mapped[str | None] = mapped_column(Text)
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Merge(_Tenant, Base):
    """Audit of a merge: who, when, which values won, and the losers as they were."""

    __tablename__ = "merges"
    __table_args__ = {"schema": SCHEMA}

    object_type: Mapped[str] = mapped_column(Text)
    winner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    merged_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    choices: Mapped[dict[str, Any]] = mapped_column(JSONB)
    snapshots: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    merged_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Import(_Tenant, Base):
    __tablename__ = "imports"
    __table_args__ = {"schema": SCHEMA}

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    object_type: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(Text)
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB)
    on_duplicate: Mapped[str] = mapped_column(Text)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    role: Mapped[str | None] = mapped_column(Text)
    """The importer's role when it started (its rows are written within that reach)."""
    reach: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    """The owners whose records it may update; ``None``: every owner."""
    columns: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    """The file's columns in their order (the error report keeps it)."""


class ImportLease(Base):
    """A running import and the process running it, refreshed each batch: a lease that
    stops being refreshed is an import whose process died. No personal data and no
    row-level security, so the recovery job can list them across tenants."""

    __tablename__ = "import_leases"
    __table_args__ = {"schema": SCHEMA}

    import_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    holder: Mapped[str] = mapped_column(Text)
    heartbeat_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ImportError_(_Tenant, Base):
    __tablename__ = "import_errors"
    __table_args__ = {"schema": SCHEMA}

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.imports.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

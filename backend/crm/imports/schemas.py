"""Request and response bodies of CSV imports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from backend.crm.schemas import Out


# ---------------------------------------------------------------- imports
class ImportPreview(BaseModel):
    """The file's columns, a sample, and a suggested column -> field mapping."""

    headers: list[str]
    sample: list[list[str]]
    total_rows: int
    suggested_mapping: dict[str, str]
    fields: list[str]


class ImportOut(Out):
    id: uuid.UUID
    object_type: str
    filename: str
    status: Literal["queued", "running", "done", "failed", "interrupted"]
    on_duplicate: str
    mapping: dict[str, str]
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    failure: str | None
    created_at: datetime
    finished_at: datetime | None


class ImportList(BaseModel):
    items: list[ImportOut]


class ImportErrorOut(Out):
    id: uuid.UUID
    row_number: int
    field: str | None
    message: str
    raw: dict[str, str] | None = None
    """The row as the file had it (column -> cell), so a reader can show the value."""


class ImportErrorPage(BaseModel):
    items: list[ImportErrorOut]

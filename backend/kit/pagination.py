"""Keyset pagination: stable pages at any depth, no OFFSET scans.

A cursor is an opaque, url-safe string holding the sort key of the last row of the
previous page. The query asks for ``limit + 1`` rows to know whether more exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from backend.kit.errors import ValidationFailed

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list: ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"$dt": value.isoformat()}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$uuid" in value:
            return UUID(value["$uuid"])
        if "$dec" in value:
            return Decimal(value["$dec"])
    return value


_cursor_key = secrets.token_bytes(32)
_TAG = 12
"""Bytes of HMAC-SHA256 a cursor carries: one made up or altered is refused before any
of its values reaches a query."""


def use_cursor_key(secret: str) -> None:
    """Sign cursors with a key derived from the secret (every process of a deployment
    shares it, so a cursor from one works on another)."""
    global _cursor_key
    _cursor_key = hashlib.sha256(b"salesos cursors\0" + secret.encode()).digest()


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":")).encode()
    tag = hmac.new(_cursor_key, raw, hashlib.sha256).digest()[:_TAG]
    return base64.urlsafe_b64encode(tag + raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`.

    Raises:
        ValidationFailed: naming the ``cursor`` parameter when it was tampered with.
    """
    try:
        signed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, raw = signed[:_TAG], signed[_TAG:]
        if not hmac.compare_digest(tag, hmac.new(_cursor_key, raw, hashlib.sha256).digest()[:_TAG]):
            raise ValueError("not signed by this server")
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError
        return [_from_jsonable(v) for v in values]
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.for_field(
            "query.cursor", "is not a cursor this server issued"
        ) from exc


def keyset_page(
    statement: Select[Any],
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> Select[Any]:
    """Order ``statement`` by ``keys`` (the last must be unique) and seek past ``cursor``.

    Returns the statement asking for ``limit + 1`` rows; pass the rows to
    :func:`finish_page`.
    """
    if cursor:
        values = decode_cursor(cursor, len(keys))
        # Row-value comparison written out so it works for mixed directions later.
        clauses: list[ColumnElement[bool]] = []
        for i, key in enumerate(keys):
            prefix = [keys[j] == values[j] for j in range(i)]
            step = key < values[i] if descending else key > values[i]
            clauses.append(and_(*prefix, step))
        statement = statement.where(or_(*clauses))
    order = [k.desc() if descending else k.asc() for k in keys]
    return statement.order_by(*order).limit(limit + 1)


def finish_page(rows: Sequence[T], keys: Sequence[str], limit: int) -> tuple[list[T], str | None]:
    """Cut the extra row and make the next cursor from the last row's ``keys``."""
    items = list(rows[:limit])
    if len(rows) > limit and items:
        last = items[-1]
        return items, encode_cursor([getattr(last, k) for k in keys])
    return items, None


def sorted_cursor(value: Any, tiebreak: Any) -> str:
    return encode_cursor([value, tiebreak])

"""CSV import and export of accounts and contacts.

An import is checked whole before it starts (UTF-8, well-formed CSV, a header, a
mapping to known fields), then runs in the background in batches of
:data:`BATCH` rows, each batch one transaction: rows that fail validation go to the
import's error report and the others are created, updated or skipped by their
de-duplication key (contact email, account domain). Progress is in the import row.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.crm import events
from backend.crm.models import Account, Contact, CustomField, ImportError_
from backend.crm.repository import CustomFieldRepository, ImportRepository, RecordRepository
from backend.crm.schemas import AccountIn, ContactIn
from backend.crm.service import validate_custom_fields
from backend.kit.errors import ErrorDetail, ValidationFailed
from backend.kit.tenancy import bind_tenant
from backend.messaging.envelope import DomainEvent
from backend.messaging.outbox import emit_many

log = logging.getLogger(__name__)

BATCH = 1000
MAX_ERRORS = 50_000
ON_DUPLICATE = ("create", "update", "skip")


@dataclass(frozen=True)
class Target:
    """An importable object: its fields, its required field, its de-duplication key."""

    object_type: str
    model: type[Any]
    schema: type[Any]
    fields: tuple[str, ...]
    required: str
    dedupe: str
    created: type[Any]  # a DomainEvent class taking the id field and ``record``
    updated: type[Any]  # a DomainEvent class taking the id field and ``changes``
    id_field: str


TARGETS = {
    "contact": Target(
        "contact",
        Contact,
        ContactIn,
        (
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "title",
            "time_zone",
            "do_not_contact",
            "account_domain",
        ),
        "last_name",
        "email",
        events.ContactCreated,
        events.ContactUpdated,
        "contact_id",
    ),
    "account": Target(
        "account",
        Account,
        AccountIn,
        (
            "name",
            "domain",
            "industry",
            "size",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
        ),
        "name",
        "domain",
        events.AccountCreated,
        events.AccountUpdated,
        "account_id",
    ),
}
SYNONYMS = {
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "e-mail": "email",
    "email address": "email",
    "mail": "email",
    "job title": "title",
    "company domain": "account_domain",
    "website": "domain",
    "company": "name",
    "company name": "name",
    "employees": "size",
    "zip": "postal_code",
    "postcode": "postal_code",
    "state": "region",
    "phone number": "phone",
    "mobile phone": "mobile",
}


@dataclass(frozen=True)
class FileCheck:
    headers: list[str]
    total_rows: int
    sample: list[list[str]]


def check_file(path: Path, sample_rows: int = 10) -> FileCheck:
    """Read the whole file once: UTF-8, well-formed CSV with a header row.

    Raises:
        ValidationFailed: naming ``file`` and saying what to do.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            headers = next(reader, None)
            if not headers or not any(h.strip() for h in headers):
                raise ValidationFailed.for_field(
                    "file", "has no header row (the first line names the columns)"
                )
            names = [h.strip() for h in headers]
            if len(set(names)) != len(names):
                raise ValidationFailed.for_field("file", "has two columns with the same name")
            sample: list[list[str]] = []
            total = 0
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                total += 1
                if len(sample) < sample_rows:
                    sample.append(row)
    except UnicodeDecodeError as exc:
        raise ValidationFailed.for_field(
            "file",
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
            "save it as 'CSV UTF-8' and upload again",
        ) from exc
    except csv.Error as exc:
        raise ValidationFailed.for_field("file", f"is not well-formed CSV: {exc}") from exc
    if total == 0:
        raise ValidationFailed.for_field("file", "has a header but no rows")
    return FileCheck(names, total, sample)


def suggest_mapping(
    headers: list[str], target: Target, custom: dict[str, CustomField]
) -> dict[str, str]:
    """Guess ``header -> field`` from names and common synonyms (the user confirms)."""
    known = set(target.fields) | {f"cf.{k}" for k in custom}
    labels = {c.label.lower(): f"cf.{c.key}" for c in custom.values()}
    mapping = {}
    for header in headers:
        norm = header.strip().lower()
        guess = (
            norm.replace(" ", "_")
            if norm.replace(" ", "_") in known
            else SYNONYMS.get(norm, labels.get(norm, ""))
        )
        if target.object_type == "contact" and guess == "name":
            guess = ""
        mapping[header] = guess if guess in known else ""
    return mapping


def check_mapping(
    mapping: dict[str, str], headers: list[str], target: Target, custom: dict[str, CustomField]
) -> None:
    """Raises:
    ValidationFailed: unknown columns or fields, or the required field unmapped.
    """
    known = set(target.fields) | {f"cf.{k}" for k in custom}
    problems = []
    for header, field in mapping.items():
        if header not in headers:
            problems.append(
                ErrorDetail(field=f"body.mapping.{header}", message="is not a column of the file")
            )
        elif field and field not in known:
            problems.append(
                ErrorDetail(
                    field=f"body.mapping.{header}",
                    message=f"{field!r} is not a field of {target.object_type}s",
                )
            )
    targets = [f for f in mapping.values() if f]
    if len(targets) != len(set(targets)):
        problems.append(
            ErrorDetail(field="body.mapping", message="two columns go to the same field")
        )
    if target.required not in targets:
        problems.append(
            ErrorDetail(
                field="body.mapping", message=f"map a column to {target.required} (required)"
            )
        )
    if problems:
        raise ValidationFailed("The column mapping needs attention", details=problems)


def _cell_value(raw: str, field: str, custom: dict[str, CustomField]) -> Any:
    value = raw.strip()
    if value == "":
        return None
    if field.startswith("cf."):
        kind = custom[field[3:]].field_type
        if kind == "number":
            try:
                number = Decimal(value)
            except InvalidOperation:
                return value  # validation reports it
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "boolean":
            return {
                "true": True,
                "yes": True,
                "1": True,
                "false": False,
                "no": False,
                "0": False,
            }.get(value.lower(), value)
        if kind == "multi_select":
            return [v.strip() for v in value.split(";") if v.strip()]
        return value
    if field == "do_not_contact":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            value.lower(), value
        )
    return value


class ImportRunner:
    """Runs one import in the background, in batches, each its own transaction."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        customer_id: uuid.UUID,
        user_id: uuid.UUID,
        import_id: uuid.UUID,
        path: Path,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.customer_id = customer_id
        self.user_id = user_id
        self.import_id = import_id
        self.path = path

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # the import fails visibly; the service keeps running
            log.exception("import %s failed", self.import_id)
            async with self.sessionmaker() as session, session.begin():
                await bind_tenant(session, self.customer_id)
                job = await ImportRepository.from_session(session).get(self.import_id)
                if job is not None:
                    job.status, job.failure = "failed", f"{exc.__class__.__name__}: {exc}"[:500]
                    job.finished_at = datetime.now(UTC)
        finally:
            self.path.unlink(missing_ok=True)

    async def _run(self) -> None:
        async with self.sessionmaker() as session, session.begin():
            await bind_tenant(session, self.customer_id)
            job = await ImportRepository.from_session(session).get(self.import_id)
            assert job is not None
            job.status = "running"
            target = TARGETS[job.object_type]
            mapping = dict(job.mapping)
            on_duplicate = job.on_duplicate
            custom = await CustomFieldRepository.from_session(session).for_object(
                target.object_type
            )
        seen: dict[str, uuid.UUID] = {}  # dedupe key -> record, within this file
        for number, batch in _batches(self.path):
            async with self.sessionmaker() as session, session.begin():
                await bind_tenant(session, self.customer_id)
                counts = await self._batch(
                    session, target, mapping, custom, on_duplicate, batch, seen
                )
                job = await ImportRepository.from_session(session).get(self.import_id)
                assert job is not None
                job.processed_rows += len(batch)
                job.created_count += counts["created"]
                job.updated_count += counts["updated"]
                job.skipped_count += counts["skipped"]
                job.error_count += counts["errors"]
            await asyncio.sleep(0)  # let requests in between batches
            del number
        async with self.sessionmaker() as session, session.begin():
            await bind_tenant(session, self.customer_id)
            job = await ImportRepository.from_session(session).get(self.import_id)
            assert job is not None
            job.status, job.finished_at = "done", datetime.now(UTC)

    async def _batch(
        self,
        session: AsyncSession,
        target: Target,
        mapping: dict[str, str],
        custom: dict[str, CustomField],
        on_duplicate: str,
        rows: list[tuple[int, dict[str, str]]],
        seen: dict[str, uuid.UUID],
    ) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "skipped": 0, "errors": 0}
        errors: list[ImportError_] = []
        parsed: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for row_number, row in rows:
            values: dict[str, Any] = {}
            cf: dict[str, Any] = {}
            for header, field in mapping.items():
                if not field:
                    continue
                value = _cell_value(row.get(header, ""), field, custom)
                if field.startswith("cf."):
                    if value is not None:
                        cf[field[3:]] = value
                elif value is not None:
                    values[field] = value
            problems, values = self._validate(target, values, cf, custom, mapping)
            if problems:
                counts["errors"] += 1
                errors += [
                    ImportError_(
                        id=uuid.uuid4(),
                        customer_id=self.customer_id,
                        import_id=self.import_id,
                        row_number=row_number,
                        field=f,
                        message=m,
                        raw=row,
                    )
                    for f, m in problems
                ]
                continue
            parsed.append((row_number, values, cf))
        repo = RecordRepository.of(session, target.model)
        keys = [v.get(target.dedupe) for _, v, _ in parsed if v.get(target.dedupe)]
        existing = (
            await repo.by_key(target.dedupe, [str(k).lower() for k in keys])
            if on_duplicate != "create"
            else {}
        )
        domains = [v["account_domain"].lower() for _, v, _ in parsed if v.get("account_domain")]
        accounts = (
            await RecordRepository.of(session, Account).by_key("domain", domains) if domains else {}
        )
        new_records: list[Any] = []
        fresh: dict[str, Any] = {}  # created in this batch, not flushed yet
        created_events: list[tuple[DomainEvent, object]] = []
        updated_events: list[tuple[DomainEvent, object]] = []
        for _row_number, values, cf in parsed:
            domain = values.pop("account_domain", None)
            if domain and target.object_type == "contact":
                account = accounts.get(domain.lower())
                values["account_id"] = account.id if account else None
            key = str(values.get(target.dedupe) or "").lower()
            duplicate = (
                (existing.get(key) or fresh.get(key) or seen.get(key))
                if key and on_duplicate != "create"
                else None
            )
            if duplicate is not None and on_duplicate == "skip":
                counts["skipped"] += 1
                continue
            if duplicate is not None and on_duplicate == "update":
                record = (
                    duplicate if not isinstance(duplicate, uuid.UUID) else await repo.get(duplicate)
                )
                if record is None:
                    counts["skipped"] += 1
                    continue
                changed = {k: v for k, v in values.items() if getattr(record, k) != v}
                if cf:
                    merged = {**record.custom_fields, **cf}
                    if merged != record.custom_fields:
                        changed["custom_fields"] = merged
                for k, v in changed.items():
                    setattr(record, k, v)
                if changed:
                    record.version += 1
                    record.updated_at = datetime.now(UTC)
                    payload = {
                        k: (str(v) if not isinstance(v, (str, int, bool, dict, list)) else v)
                        for k, v in changed.items()
                    }
                    updated_events.append(
                        (
                            target.updated(
                                **{target.id_field: record.id},
                                version=record.version,
                                changes=payload,
                            ),
                            record.id,
                        )
                    )
                counts["updated"] += 1
                continue
            record = target.model(
                id=uuid.uuid4(),
                customer_id=self.customer_id,
                owner_id=self.user_id,
                created_by=self.user_id,
                version=1,
                custom_fields=cf,
                **values,
            )
            new_records.append(record)
            if key:
                seen[key] = record.id
                fresh[key] = record
            snapshot = {
                k: (str(v) if not isinstance(v, (str, int, bool)) else v) for k, v in values.items()
            }
            created_events.append(
                (
                    target.created(**{target.id_field: record.id}, version=1, record=snapshot),
                    record.id,
                )
            )
            counts["created"] += 1
        session.add_all(new_records)
        session.add_all(errors[: max(0, MAX_ERRORS)])
        await session.flush()
        await emit_many(session, created_events + updated_events, customer_id=self.customer_id)
        return counts

    def _validate(
        self,
        target: Target,
        values: dict[str, Any],
        cf: dict[str, Any],
        custom: dict[str, CustomField],
        mapping: dict[str, str],
    ) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """Problems as ``(column header, message)``, so the report speaks the file's
        language; and the values as the schema made them (``"120"`` becomes 120, a
        URL a bare domain), which is what gets stored."""
        header_of = {field: header for header, field in mapping.items() if field}
        problems: list[tuple[str, str]] = []
        checked = {k: v for k, v in values.items() if k != "account_domain"}
        normalized: dict[str, Any] = {}
        try:
            normalized = target.schema.model_validate(checked).model_dump(exclude_unset=True)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else target.required
                problems.append(
                    (header_of.get(field, field), str(err["msg"]).removeprefix("Value error, "))
                )
        if cf or any(d.required for d in custom.values()):
            try:
                validate_custom_fields(cf, custom, creating=True, current={})
            except ValidationFailed as exc:
                for detail in exc.details:
                    key = (detail.field or "").rsplit(".", 1)[-1]
                    problems.append((header_of.get(f"cf.{key}", key), detail.message))
        if "account_domain" in values:
            normalized["account_domain"] = values["account_domain"]
        return problems, normalized


def _batches(path: Path) -> Iterator[tuple[int, list[tuple[int, dict[str, str]]]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        headers = [h.strip() for h in next(reader)]
        batch: list[tuple[int, dict[str, str]]] = []
        number = 0
        for line_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            batch.append((line_number, dict(zip(headers, row, strict=False))))
            if len(batch) == BATCH:
                number += 1
                yield number, batch
                batch = []
        if batch:
            yield number + 1, batch


EXPORT_COLUMNS = {
    "account": [
        "id",
        "name",
        "domain",
        "industry",
        "size",
        "street",
        "city",
        "region",
        "postal_code",
        "country",
        "owner_id",
        "created_at",
        "updated_at",
    ],
    "contact": [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "title",
        "account_id",
        "time_zone",
        "do_not_contact",
        "owner_id",
        "created_at",
        "updated_at",
    ],
    "opportunity": [
        "id",
        "name",
        "account_id",
        "primary_contact_id",
        "amount",
        "currency",
        "stage_id",
        "status",
        "close_date",
        "owner_id",
        "created_at",
        "updated_at",
    ],
}


async def csv_lines(header: list[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    """Encode rows as CSV (UTF-8 with a BOM so spreadsheet apps read accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in row])
        yield buffer.getvalue().encode()

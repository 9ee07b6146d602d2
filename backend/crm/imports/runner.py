"""Runs one CSV import in the background, in batches, each its own transaction.

Rows are written through the record service, exactly as the API writes them (same
checks, same events): a batch's new records are prepared and added together, its
updates prepared and applied together. A row that fails a check goes to the
import's error report with the column it came from; the others go on. Progress is
kept in the import row after each batch.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.crm.fields.service import CustomFieldService
from backend.crm.imports import files
from backend.crm.imports.mapping import LINKS, TARGETS, Target, cell_value
from backend.crm.imports.repository import ImportLeaseRepository, ImportRepository
from backend.crm.imports.wording import plain, sentence
from backend.crm.models import Account, CustomField, Import, ImportError_
from backend.crm.records.repository import RecordRepository
from backend.crm.records.service import RecordService, record_service
from backend.kit.access import Access
from backend.kit.errors import ValidationFailed
from backend.kit.leases import holder_name
from backend.kit.security import Permission, Role
from backend.kit.tenancy import TENANT_KEY
from backend.kit.validation import NUL_MESSAGE

log = logging.getLogger(__name__)

MAX_ERRORS = 50_000
"""Most error rows kept per import (the counts go on)."""


@dataclass
class _Batch:
    """What one batch does: counts and the rows it could not import."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    problems: list[ImportError_] = field(default_factory=list)


def upload_path(home: Path, import_id: uuid.UUID) -> Path:
    """Where an import's uploaded file waits until the import ends."""
    return home / "imports" / f"{import_id}.csv"


class ImportRunner:
    """Runs one import (from its first row, or from where an interrupted run stopped);
    deletes its file when it ends."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        customer_id: uuid.UUID,
        import_id: uuid.UUID,
        path: Path,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.customer_id = customer_id
        self.import_id = import_id
        self.path = path
        self.holder = holder_name()
        self._access: Access | None = None
        self._errors_kept = 0

    @property
    def access(self) -> Access:
        """Whose reach the rows are written within (read from the import when it starts)."""
        if self._access is None:
            raise RuntimeError("the import has not started")
        return self._access

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise  # the process is stopping: the lease stays, recovery resumes it
        except Exception:  # the import fails visibly; the service keeps running
            log.exception("import %s failed", self.import_id)
            async with self._session() as session, session.begin():
                job = await ImportRepository.from_session(session).get(self.import_id)
                if job is not None:
                    job.status = "failed"
                    job.failure = "Something went wrong on our side; the rows up to "
                    job.failure += f"{job.processed_rows} were handled. Try the rest again."
                    job.finished_at = datetime.now(UTC)
                await ImportLeaseRepository.from_session(session).release(self.import_id)
            self.path.unlink(missing_ok=True)
        else:
            self.path.unlink(missing_ok=True)

    def _session(self) -> AsyncSession:
        session = self.sessionmaker()
        session.info[TENANT_KEY] = self.customer_id  # every transaction runs as the tenant
        return session

    async def _run(self) -> None:
        async with self._session() as session, session.begin():
            job = await ImportRepository.from_session(session).get(self.import_id)
            assert job is not None
            job.status = "running"
            target = TARGETS[job.object_type]
            mapping = dict(job.mapping)
            on_duplicate = job.on_duplicate
            done_before = job.processed_rows  # > 0 when resuming an interrupted run
            self._access = _importer(job)
            custom = await CustomFieldService(session).definitions(target.object_type)
            await ImportLeaseRepository.from_session(session).hold(
                self.import_id, self.customer_id, self.holder
            )
        seen: dict[str, uuid.UUID] = {}  # dedupe key -> record, from earlier batches
        for rows in files.rows_after(self.path, done_before):
            async with self._session() as session, session.begin():
                done = await self._batch(session, target, mapping, custom, on_duplicate, rows, seen)
                job = await ImportRepository.from_session(session).get(self.import_id)
                assert job is not None
                await ImportLeaseRepository.from_session(session).hold(
                    self.import_id, self.customer_id, self.holder
                )
                job.processed_rows += len(rows)
                job.created_count += done.created
                job.updated_count += done.updated
                job.skipped_count += done.skipped
                job.error_count += done.errors
            await asyncio.sleep(0)  # let requests in between batches
        async with self._session() as session, session.begin():
            job = await ImportRepository.from_session(session).get(self.import_id)
            assert job is not None
            job.status, job.finished_at = "done", datetime.now(UTC)
            await ImportLeaseRepository.from_session(session).release(self.import_id)

    async def _batch(
        self,
        session: AsyncSession,
        target: Target,
        mapping: dict[str, str],
        custom: dict[str, CustomField],
        on_duplicate: str,
        rows: list[tuple[int, dict[str, str]]],
        seen: dict[str, uuid.UUID],
    ) -> _Batch:
        done = _Batch()
        service = record_service(session, target.kind, self.access)
        header_of = {f: h for h, f in mapping.items() if f}
        parsed: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        for row_number, row in rows:
            values, problems = self._parse(target, mapping, custom, row, header_of)
            if problems:
                self._refuse(done, row_number, row, problems)
            else:
                parsed.append((row_number, row, values))
        existing = await self._existing(service, target, on_duplicate, parsed)
        accounts = await self._accounts_by_domain(session, parsed)
        named = await self._accounts_by_name(session, parsed)
        new_rows: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        pending: dict[str, int] = {}  # dedupe key -> index in new_rows (this batch)
        updates: list[tuple[int, dict[str, str], Any, dict[str, Any]]] = []
        for row_number, row, values in parsed:
            domain = values.pop("account_domain", None)
            company = values.pop("account_name", None)
            if (domain or company) and target.object_type == "contact":
                # By domain first (it names one company); else by the company's name.
                account = accounts.get(domain.lower()) if domain else None
                if account is None and company:
                    account = named.get(" ".join(company.split()).lower())
                values["account_id"] = account.id if account else None
            key = str(values.get(target.dedupe) or "").lower() if on_duplicate != "create" else ""
            if key and key in pending:  # the same record twice in this batch
                if on_duplicate == "skip":
                    done.skipped += 1
                else:
                    _merge_into(new_rows[pending[key]][2], values)
                    done.updated += 1
                continue
            duplicate = existing.get(key) if key else None
            if duplicate is None and key in seen:
                duplicate = await service.repo.live_one(seen[key])
            if duplicate is not None:
                if on_duplicate == "skip":
                    done.skipped += 1
                else:
                    changes = dict(values)
                    if "custom_fields" in changes:
                        changes["custom_fields"] = {
                            **duplicate.custom_fields,
                            **changes["custom_fields"],
                        }
                    updates.append((row_number, row, duplicate, changes))
                continue
            if key:
                pending[key] = len(new_rows)
            new_rows.append((row_number, row, values))
        prepared = await service.prepare_new([values for _, _, values in new_rows])
        records = []
        for (row_number, row, values), outcome in zip(new_rows, prepared, strict=True):
            if isinstance(outcome, ValidationFailed):
                self._refuse(done, row_number, row, _problems_of(outcome, header_of))
                continue
            records.append(outcome)
            key = str(values.get(target.dedupe) or "").lower()
            if key:
                seen[key] = outcome.id
        await service.add_new(records)
        done.created += len(records)
        pairs = []
        for row_number, row, record, changes in updates:
            try:
                pairs.append((record, await service.prepare_changes(record, changes)))
            except ValidationFailed as exc:
                self._refuse(done, row_number, row, _problems_of(exc, header_of))
                continue
            done.updated += 1
        await service.apply_changes(pairs)
        await ImportRepository.from_session(session).add_errors(done.problems)
        return done

    def _parse(
        self,
        target: Target,
        mapping: dict[str, str],
        custom: dict[str, CustomField],
        row: dict[str, str],
        header_of: dict[str, str],
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """A row as the API would take it: the schema makes ``"120"`` 120 and a URL a bare
        domain; problems come as ``(column header, message)`` (the file's language)."""
        values: dict[str, Any] = {}
        cf: dict[str, Any] = {}
        nul = [h for h, name in mapping.items() if name and "\x00" in row.get(h, "")]
        if nul:
            return {}, [(h, NUL_MESSAGE) for h in nul]
        for header, name in mapping.items():
            if not name:
                continue
            value = cell_value(row.get(header, ""), name, custom)
            if value is None:
                continue
            if name.startswith("cf."):
                cf[name[3:]] = value
            else:
                values[name] = value
        checked = {k: v for k, v in values.items() if k not in LINKS}
        problems: list[tuple[str, str]] = []
        normalized: dict[str, Any] = {}
        try:
            normalized = target.schema.model_validate(checked).model_dump(exclude_unset=True)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else target.required
                column = header_of.get(name, name)
                problems.append((column, plain(dict(err), column)))
        for link in LINKS:
            if link in values:
                normalized[link] = values[link]
        if cf:
            normalized["custom_fields"] = cf
        return normalized, problems

    async def _existing(
        self,
        service: RecordService[Any],
        target: Target,
        on_duplicate: str,
        parsed: list[tuple[int, dict[str, str], dict[str, Any]]],
    ) -> dict[str, Any]:
        if on_duplicate == "create":
            return {}
        keys = [str(v[target.dedupe]).lower() for _, _, v in parsed if v.get(target.dedupe)]
        return await service.repo.by_key(
            target.dedupe, keys, self.access.owners(Permission.RECORDS_WRITE)
        )

    async def _accounts_by_domain(
        self, session: AsyncSession, parsed: list[tuple[int, dict[str, str], dict[str, Any]]]
    ) -> dict[str, Account]:
        domains = [v["account_domain"].lower() for _, _, v in parsed if v.get("account_domain")]
        if not domains:
            return {}
        return await RecordRepository.of(session, Account).by_key(
            "domain", domains, self.access.owners(Permission.RECORDS_READ)
        )

    async def _accounts_by_name(
        self, session: AsyncSession, parsed: list[tuple[int, dict[str, str], dict[str, Any]]]
    ) -> dict[str, Account]:
        """Accounts within reach by their name (spaces tidied, any case); of two with one
        name, the older."""
        wanted = [
            " ".join(str(v["account_name"]).split()).lower()
            for _, _, v in parsed
            if v.get("account_name")
        ]
        if not wanted:
            return {}
        return await RecordRepository.of(session, Account).by_key(
            "name", wanted, self.access.owners(Permission.RECORDS_READ)
        )

    def _refuse(
        self, done: _Batch, row_number: int, row: dict[str, str], problems: list[tuple[str, str]]
    ) -> None:
        done.errors += 1
        for column, message in problems:
            if self._errors_kept >= MAX_ERRORS:
                return
            self._errors_kept += 1
            done.problems.append(
                ImportError_(
                    id=uuid.uuid4(),
                    import_id=self.import_id,
                    row_number=row_number,
                    field=column,
                    message=message,
                    # Postgres cannot store NUL: the report shows it as U+2400 (␀).
                    raw={
                        k.replace("\x00", "\u2400"): v.replace("\x00", "\u2400")
                        for k, v in row.items()
                    },
                )
            )


def _importer(job: Import) -> Access:
    """The reach of who started the import, as it was then."""
    role = Role(job.role) if job.role else Role.ADMIN
    team = frozenset(job.reach or ()) - {job.user_id}
    return Access.acting_for(job.customer_id, job.user_id, role, team)


def _storable(row: dict[str, str]) -> dict[str, str]:
    """The row for the error report; Postgres cannot store NUL, shown as U+2400 (␀)."""
    return {k.replace("\x00", "\u2400"): v.replace("\x00", "\u2400") for k, v in row.items()}


def _merge_into(first: dict[str, Any], later: dict[str, Any]) -> None:
    """A later row of the same record in one batch: its values win, custom fields merge."""
    custom = {**first.get("custom_fields", {}), **later.get("custom_fields", {})}
    first.update(later)
    if custom:
        first["custom_fields"] = custom


def _problems_of(exc: ValidationFailed, header_of: dict[str, str]) -> list[tuple[str, str]]:
    """A service's field errors as ``(column header, message)``."""
    problems = []
    for detail in exc.details or []:
        name = (detail.field or "").removeprefix("body.")
        if name.startswith("custom_fields."):
            key = name.removeprefix("custom_fields.")
            problems.append((header_of.get(f"cf.{key}", key), sentence(detail.message)))
        else:
            problems.append((header_of.get(name, name), sentence(detail.message)))
    return problems or [("", sentence(exc.message))]

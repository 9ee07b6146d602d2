"""CSV imports (check the file, propose and check a mapping, start, follow, report)
and exports, of accounts and contacts.

An import is checked whole before it starts (UTF-8, well-formed CSV, a header, a
mapping to known fields); its rows are then written by :mod:`backend.crm.imports.runner`
in the background, in batches, through the same record service as the API.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.crm.fields.service import CustomFieldService
from backend.crm.imports import files
from backend.crm.imports.mapping import (
    ON_DUPLICATE,
    check_mapping,
    suggest_mapping,
    target_of,
)
from backend.crm.imports.repository import ImportLeaseRepository, ImportRepository
from backend.crm.imports.runner import ImportRunner
from backend.crm.models import Import, ImportError_
from backend.crm.records.kinds import KINDS, RecordKind
from backend.crm.records.service import record_service
from backend.kit.access import Access
from backend.kit.db import after_commit
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.leases import holder_name
from backend.kit.security import Permission
from backend.kit.tasks import BackgroundTasks
from backend.kit.tenancy import bind_tenant

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


@dataclass(frozen=True)
class Preview:
    check: files.FileCheck
    suggested: dict[str, str]
    fields: list[str]


class ImportService:
    """A user's imports: preview, start, progress and error reports."""

    def __init__(self, session: AsyncSession, access: Access) -> None:
        self.session = session
        self.access = access
        self.repo = ImportRepository.from_session(session)
        self.fields = CustomFieldService(session)

    async def preview(self, path: Path, object_type: str) -> Preview:
        """Check the file and propose a mapping (nothing is imported)."""
        target = target_of(object_type)
        check = await asyncio.to_thread(files.check_file, path)
        custom = await self.fields.definitions(target.object_type)
        return Preview(
            check,
            suggest_mapping(check.headers, target, custom),
            [*target.fields, *(f"cf.{k}" for k in custom)],
        )

    async def start(
        self,
        import_id: uuid.UUID,
        path: Path,
        *,
        filename: str,
        object_type: str,
        mapping: dict[str, str],
        on_duplicate: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        tasks: BackgroundTasks,
    ) -> Import:
        """Create the import ``import_id`` (its upload is ``path``); its rows are written
        in the background once the request has committed, within the caller's reach as
        it is now. From then on the runner owns ``path`` and deletes it; a lease says a
        process is on it, so an import whose process dies is resumed or marked
        interrupted (:mod:`backend.crm.imports.recovery`).

        Raises:
            ValidationFailed: a bad kind, duplicate policy, file or mapping.
            Forbidden: the caller may not write records.
        """
        self.access.principal.require(Permission.RECORDS_WRITE)
        target = target_of(object_type)
        if on_duplicate not in ON_DUPLICATE:
            raise ValidationFailed.for_field("body.on_duplicate", "must be create, update or skip")
        check = await asyncio.to_thread(files.check_file, path, 0)
        custom = await self.fields.definitions(target.object_type)
        check_mapping(mapping, check.headers, target, custom)
        reach = self.access.owners(Permission.RECORDS_WRITE)
        job = Import(
            id=import_id, user_id=self.access.principal.user_id,
            object_type=target.object_type, filename=filename[:200], status="queued",
            mapping=mapping, columns=list(check.headers), on_duplicate=on_duplicate,
            total_rows=check.total_rows,
            role=self.access.principal.role.value,
            reach=sorted(reach) if reach is not None else None,
        )  # fmt: skip
        await self.repo.create(job)
        await ImportLeaseRepository.from_session(self.session).hold(
            job.id, self.access.principal.customer_id, holder_name()
        )
        runner = ImportRunner(sessionmaker, self.access.principal.customer_id, job.id, path)
        after_commit(self.session, lambda: tasks.spawn(runner.run(), name=f"import-{job.id}"))
        return job

    async def recent(self) -> Sequence[Import]:
        return await self.repo.recent(self.access.principal.user_id)

    async def mine(self, import_id: uuid.UUID) -> Import:
        """Raises:
        NotFound: no such import of this user.
        """
        job = await self.repo.get(import_id)
        if job is None or job.user_id != self.access.principal.user_id:
            raise NotFound("Import", import_id)
        return job

    async def errors(
        self, import_id: uuid.UUID, limit: int, after_row: int
    ) -> Sequence[ImportError_]:
        await self.mine(import_id)
        return await self.repo.errors(import_id, limit, after_row)


def report_columns(job: Import) -> list[str]:
    """The file's columns as the user's file had them (older imports: as mapped)."""
    return list(job.columns) if job.columns else list(job.mapping)


async def error_report_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    job: Import,
) -> AsyncIterator[list[Any]]:
    """The error report's rows (row, column, problem, then the row as the file had it),
    read in pages on a session of its own (the response streams after the request)."""
    columns = report_columns(job)
    after = 0
    async with sessionmaker() as session:
        await bind_tenant(session, customer_id)
        while True:
            batch = await ImportRepository.from_session(session).errors(job.id, 2000, after)
            if not batch:
                return
            for err in batch:
                yield [
                    err.row_number,
                    err.field,
                    err.message,
                    *(err.raw.get(c, "") for c in columns),
                ]
            after = batch[-1].row_number


class Export:
    """Every record of a list (same filters, filter box and sort) as CSV rows."""

    def __init__(
        self,
        object_type: str,
        access: Access,
        filters: Sequence[str],
        sort: str | None,
        quick: str = "",
    ) -> None:
        self.kind: RecordKind[Any] = KINDS[object_type]
        self.columns = EXPORT_COLUMNS[object_type]
        self.access = access
        self.filters = list(filters)
        self.sort = sort
        self.quick = quick
        self.custom_keys: list[str] = []

    async def check(self, session: AsyncSession) -> None:
        """Fail fast on bad filters or sort, before an answer starts; learn the custom
        fields to add as columns."""
        service = record_service(session, self.kind, self.access)
        await service.page(
            filters=self.filters,
            sort=self.sort,
            trash=False,
            cursor=None,
            limit=1,
            quick=self.quick,
        )
        self.custom_keys = sorted(await service.custom_definitions())

    @property
    def header(self) -> list[str]:
        return [*self.columns, *(f"cf.{k}" for k in self.custom_keys)]

    async def rows(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[list[Any]]:
        async with sessionmaker() as session:
            await bind_tenant(session, self.access.principal.customer_id)
            service = record_service(session, self.kind, self.access)
            cursor: str | None = None
            while True:
                items, cursor = await service.page(
                    filters=self.filters,
                    sort=self.sort,
                    trash=False,
                    cursor=cursor,
                    limit=2000,
                    quick=self.quick,
                )
                for r in items:
                    yield [
                        *(getattr(r, c) for c in self.columns),
                        *(r.custom_fields.get(k) for k in self.custom_keys),
                    ]
                if cursor is None:
                    return

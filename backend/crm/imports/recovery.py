"""Imports whose process died: resumed where they stopped, or said to be interrupted.

A running import holds a lease it refreshes each batch. This job (in-process in solo
mode and ``salesos serve --all``, alone as ``salesos worker imports``) looks at the
leases at start and then every :data:`CHECK_SECONDS`. A lease whose holder is gone
(a process of this host that no longer runs, or no heartbeat for
:data:`STALE_SECONDS`) belongs to an interrupted import: if its uploaded file is on
this host the import goes on from its last committed batch; otherwise it is marked
``interrupted`` with what was done. Uploaded files (names, emails) never outlive
:data:`FILE_RETENTION_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from backend.crm.imports.repository import ImportLeaseRepository, ImportRepository
from backend.crm.imports.runner import ImportRunner, upload_path
from backend.kit.leases import holder_gone, holder_name
from backend.kit.resources import Resources
from backend.kit.tasks import BackgroundTasks
from backend.kit.tenancy import TENANT_KEY

log = logging.getLogger(__name__)

CHECK_SECONDS = 30.0
STALE_SECONDS = 120.0
"""A lease not refreshed for this long is a dead run (a batch takes well under a second)."""
FILE_RETENTION_SECONDS = 24 * 3600.0
"""The longest an uploaded file is kept, whatever happened to its import."""


async def recover_once(resources: Resources, tasks: BackgroundTasks) -> list[uuid.UUID]:
    """Take over the imports whose runner died; returns their ids."""
    taken: list[tuple[uuid.UUID, uuid.UUID]] = []
    async with resources.sessionmaker() as session, session.begin():
        leases = ImportLeaseRepository.from_session(session)
        for lease, age in await leases.claimable():
            if holder_gone(lease.holder, age, STALE_SECONDS):
                await leases.hold(lease.import_id, lease.customer_id, holder_name())
                taken.append((lease.import_id, lease.customer_id))
    for import_id, customer_id in taken:
        path = upload_path(resources.settings.home, import_id)
        session = resources.sessionmaker()
        session.info[TENANT_KEY] = customer_id
        async with session, session.begin():
            job = await ImportRepository.from_session(session).get(import_id)
            if job is None or job.status not in ("queued", "running"):
                await ImportLeaseRepository.from_session(session).release(import_id)
                path.unlink(missing_ok=True)
                continue
            if path.exists():
                log.warning(
                    "import %s was interrupted at row %d; resuming", import_id, job.processed_rows
                )
                runner = ImportRunner(resources.sessionmaker, customer_id, import_id, path)
                tasks.spawn(runner.run(), name=f"import-{import_id}")
                continue
            job.status, job.finished_at = "interrupted", datetime.now(UTC)
            job.failure = (
                f"The server stopped before this import finished: {job.processed_rows:,} of "
                f"{job.total_rows:,} rows were handled. Upload the file again to import the "
                "rest (rows already imported are found as duplicates)."
            )
            await ImportLeaseRepository.from_session(session).release(import_id)
            log.warning("import %s was interrupted and its file is gone", import_id)
    return [import_id for import_id, _ in taken]


def remove_old_uploads(folder: Path, now: float | None = None) -> int:
    """Delete uploads older than the retention; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.csv"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > FILE_RETENTION_SECONDS:
                path.unlink()
                removed += 1
    return removed


async def recover_imports(resources: Resources, stop: asyncio.Event) -> None:
    """The ``imports`` worker: recover, sweep old uploads, wait; until ``stop``."""
    tasks = BackgroundTasks()
    try:
        while not stop.is_set():
            try:
                await recover_once(resources, tasks)
                await asyncio.to_thread(remove_old_uploads, resources.settings.home / "imports")
            except Exception:  # the database may be away: try again next round
                log.exception("import recovery failed; trying again in %.0f s", CHECK_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), CHECK_SECONDS)
    finally:
        await tasks.aclose()

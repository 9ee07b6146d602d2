"""CSV imports of accounts and contacts (``/imports``).

An import goes in three calls: ``POST /imports/preview`` checks the file and
proposes a column mapping (nothing is imported), ``POST /imports`` starts the
import in the background (202), and ``GET /imports/{id}`` tells how far it got.
Rows the server refused are listed by ``GET /imports/{id}/errors`` and, as a CSV
file to fix and import again, by ``GET /imports/{id}/errors.csv``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient

ON_DUPLICATE: tuple[str, ...] = ("skip", "update", "create")
"""What the server may do with a row whose key (contact email, account domain) exists."""

ERROR_PAGE_SIZE = 200
"""How many failed rows one ``GET /imports/{id}/errors`` returns at most (server: 1000)."""


class ImportPreview(BaseModel):
    """``POST /imports/preview``: what the server read of the file.

    Attributes:
        headers: The file's column names, in order.
        sample: The first rows (each a list of cells, as in the file).
        total_rows: How many non-empty rows the file has (the header not counted).
        suggested_mapping: ``column -> field`` guessed from the names; ``""`` for
            a column the server could not place.
        fields: The fields a column may go to (``cf.<key>`` for custom fields).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    headers: list[str]
    sample: list[list[str]] = Field(default_factory=list)
    total_rows: int = 0
    suggested_mapping: dict[str, str] = Field(default_factory=dict)
    fields: list[str] = Field(default_factory=list)


class ImportJob(BaseModel):
    """One import and how far it got (``POST /imports``, ``GET /imports/{id}``).

    Attributes:
        id: The import's id.
        object_type: ``"account"`` or ``"contact"``.
        filename: The name of the file uploaded.
        status: ``"queued"``, ``"running"``, ``"done"``, ``"failed"`` or ``"interrupted"``
            (the server stopped before it finished, and its file was not there to go on).
        on_duplicate: ``"create"``, ``"update"`` or ``"skip"``.
        mapping: The ``column -> field`` mapping it runs with.
        total_rows: Rows in the file.
        processed_rows: Rows handled so far (imported, skipped or refused).
        created_count: Records created.
        updated_count: Existing records updated.
        skipped_count: Duplicates left out.
        error_count: Rows refused (see the error report).
        failure: Why the whole import stopped, when ``status`` is ``"failed"``.
        created_at: When it was started.
        finished_at: When it ended, if it has.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    object_type: str
    filename: str = ""
    status: str
    on_duplicate: str = "skip"
    mapping: dict[str, str] = Field(default_factory=dict)
    total_rows: int = 0
    processed_rows: int = 0
    created_count: int = 0
    updated_count: int = 0
    skipped_count: int = 0
    error_count: int = 0
    failure: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """Whether the import has ended, well or not."""
        return self.status in ("done", "failed", "interrupted")


class ImportJobList(BaseModel):
    """``GET /imports``: the user's recent imports, newest first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[ImportJob]


class ImportRowError(BaseModel):
    """A problem with one row of the file, which was therefore not imported.

    Attributes:
        row_number: The row's line in the file (the header is line 1).
        field: The column the problem is in, when it is one column's.
        message: What is wrong.
        raw: The row as the file had it (column → cell), when known: the server's
            list of problems does not say it (its error report does, see
            :meth:`ImportsApi.refused_rows`); ``None`` when not known.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = ""
    row_number: int
    field: str | None = None
    message: str
    raw: dict[str, str] | None = None

    @property
    def value(self) -> str | None:
        """The cell the problem is about, as the file had it ("" for an empty one);
        ``None`` when the row is not known or the problem is not one column's."""
        if self.raw is None or self.field is None:
            return None
        return self.raw.get(self.field, "")


class ImportRowErrorPage(BaseModel):
    """``GET /imports/{id}/errors``: problems in row order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[ImportRowError]


class ImportsApi:
    """The import calls of the gateway.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def preview(self, filename: str, content: bytes, object_type: str) -> ImportPreview:
        """Have the server read a CSV file and propose a mapping; nothing is imported.

        Args:
            filename: The file's name (shown in the import's history).
            content: The file's bytes.
            object_type: ``"account"`` or ``"contact"``.

        Raises:
            ApiError: ``validation_error`` (422) naming ``file`` (not UTF-8, not
                well-formed CSV, no header, no rows) or ``object_type``; 413 when
                the file is larger than the server accepts.
        """
        files = {
            "file": (filename, content, "text/csv"),
            "object_type": (None, object_type.encode()),
        }
        return await self._client.call_json(
            "POST", "/api/v1/imports/preview", ImportPreview, files=files
        )

    async def start(
        self,
        filename: str,
        content: bytes,
        object_type: str,
        mapping: Mapping[str, str],
        on_duplicate: str,
    ) -> ImportJob:
        """Start importing a file in the background; poll :meth:`job` for progress.

        Args:
            filename: The file's name.
            content: The file's bytes.
            object_type: ``"account"`` or ``"contact"``.
            mapping: ``column -> field`` (``""`` leaves a column out).
            on_duplicate: One of :data:`ON_DUPLICATE`.

        Raises:
            ApiError: ``validation_error`` (422) naming ``file``, ``mapping.<column>``
                (not a column of the file, not a field), ``mapping`` (two columns
                to one field, the required field not mapped) or ``on_duplicate``;
                ``forbidden`` (403) for users who may not change records.
        """
        files = {
            "file": (filename, content, "text/csv"),
            "object_type": (None, object_type.encode()),
            "mapping": (None, json.dumps(dict(mapping)).encode()),
            "on_duplicate": (None, on_duplicate.encode()),
        }
        return await self._client.call_json(
            "POST", "/api/v1/imports", ImportJob, files=files, status=202
        )

    async def job(self, import_id: str) -> ImportJob:
        """One import of the user's, as far as it got."""
        return await self._client.call_json("GET", f"/api/v1/imports/{import_id}", ImportJob)

    async def recent(self) -> list[ImportJob]:
        """The user's recent imports, newest first."""
        return (await self._client.call_json("GET", "/api/v1/imports", ImportJobList)).items

    async def row_errors(
        self, import_id: str, *, after_row: int = 0, limit: int = ERROR_PAGE_SIZE
    ) -> list[ImportRowError]:
        """The problems of the rows after line ``after_row``, in row order."""
        params: dict[str, str | int] = {"after_row": after_row, "limit": limit}
        page = await self._client.call_json(
            "GET", f"/api/v1/imports/{import_id}/errors", ImportRowErrorPage, params=params
        )
        return page.items

    async def refused_rows(self, import_id: str, up_to_row: int) -> dict[int, dict[str, str]]:
        """The refused rows as the file had them (column → cell) by line number, up to
        line ``up_to_row``.

        Read from the error report (``errors.csv``: ``row``, ``column``, ``problem``,
        then the row as sent), the one place the server says them; its lines past
        ``up_to_row`` are not parsed.

        Raises:
            ApiError: The server refused the report.
            csv.Error: The report is not CSV.
            ValueError: A line's ``row`` is not a number.
        """
        text = (await self.error_report(import_id)).decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        rows: dict[int, dict[str, str]] = {}
        for cells in reader:
            if not cells:
                continue
            number = int(cells[0])
            if number > up_to_row:
                break
            rows[number] = dict(zip(header[3:], cells[3:], strict=False))
        return rows

    async def error_report(self, import_id: str) -> bytes:
        """The refused rows as CSV: ``row``, ``column``, ``problem``, then the row as sent."""
        headers = {"Accept": "text/csv"}
        path = f"/api/v1/imports/{import_id}/errors.csv"
        response = await self._client.call("GET", path, headers=headers)
        return response.content

"""CSV files in and out: checking an upload, reading it in batches, writing CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from backend.kit.errors import ValidationFailed

BATCH = 1000
"""Rows an import handles in one transaction."""
MAX_COLUMNS = 500
MAX_HEADER_BYTES = 256 * 1024
"""A header row longer than this is no contact list (one of 3 million columns was seen)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to spreadsheet apps (OWASP: CSV
injection); what we write starts with a ``'`` instead, which they show as text."""


async def save_upload(upload: UploadFile, path: Path) -> Path:
    """Copy an upload to ``path`` (the upload's own file ends with the request); disk
    writes happen off the event loop."""
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    out = await asyncio.to_thread(path.open, "wb")
    try:
        while chunk := await upload.read(1024 * 1024):
            await asyncio.to_thread(out.write, chunk)
    finally:
        await asyncio.to_thread(out.close)
    return path


@dataclass(frozen=True)
class FileCheck:
    """What an upload holds: its columns, how many rows, the first few."""

    headers: list[str]
    total_rows: int
    sample: list[list[str]]


def check_file(path: Path, sample_rows: int = 10) -> FileCheck:
    """Read the whole file once: UTF-8, well-formed CSV with a header row.

    Raises:
        ValidationFailed: naming ``file`` and saying what to do.
    """
    with path.open("rb") as raw:
        first = raw.readline(MAX_HEADER_BYTES + 1)
    if len(first) > MAX_HEADER_BYTES:
        raise ValidationFailed.for_field(
            "file",
            f"has a header row longer than {MAX_HEADER_BYTES // 1024} KiB; the first line must "
            "name the columns",
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            headers = next(reader, None)
            if not headers or not any(h.strip() for h in headers):
                raise ValidationFailed.for_field(
                    "file", "has no header row (the first line names the columns)"
                )
            if len(headers) > MAX_COLUMNS:
                raise ValidationFailed.for_field(
                    "file", f"has {len(headers):,} columns; at most {MAX_COLUMNS} can be imported"
                )
            if any("\x00" in h for h in headers):
                raise ValidationFailed.for_field("file", "has a NUL character in its header row")
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
                    sample.append([cell.replace("\x00", "") for cell in row[: len(names)]])
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


def rows_after(path: Path, done: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The batches of a file's rows after the first ``done`` (an interrupted import
    goes on where its last committed batch ended)."""
    skipped = 0
    for _, rows in batches(path):
        if skipped + len(rows) <= done:
            skipped += len(rows)
            continue
        yield rows[max(0, done - skipped) :]
        skipped += len(rows)


def batches(path: Path) -> Iterator[tuple[int, list[tuple[int, dict[str, str]]]]]:
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


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


async def csv_lines(header: list[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    """Encode rows as CSV (UTF-8 with a BOM so spreadsheet apps read accents right);
    every cell, header included, is made safe from formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue().encode()

"""An import whose server is killed mid-run goes on after the restart from its last
committed batch (each row once), or, when its file is gone, says it was interrupted and
how far it got; uploads are never kept past their retention."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.crm.imports.recovery import FILE_RETENTION_SECONDS, remove_old_uploads
from tests.backend.serve_support import ServeProcess

ROWS = 20_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    s = ServeProcess(tmp_path / "home")
    try:
        yield s
    finally:
        s.close()


def _start_big_import(server: ServeProcess) -> tuple[dict[str, str], str]:
    _, headers = server.sign_up("Imp")
    rows = "".join(f"Person{i},person{i}@example.com\n" for i in range(ROWS))
    r = httpx.post(
        f"{server.url}/api/v1/imports",
        files={"file": ("big.csv", f"Last name,Email\n{rows}".encode(), "text/csv")},
        data={"mapping": '{"Last name": "last_name", "Email": "email"}', "object_type": "contact"},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 202, r.text
    return headers, r.json()["id"]


def _job(server: ServeProcess, headers: dict[str, str], import_id: str) -> dict:
    """The import as its owner reads it (the access token outlives the restart)."""
    r = httpx.get(f"{server.url}/api/v1/imports/{import_id}", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _kill_midway(server: ServeProcess, headers: dict[str, str], import_id: str) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = _job(server, headers, import_id)["processed_rows"]
        if done >= 3000:
            server.kill()
            return int(done)
        time.sleep(0.05)
    raise AssertionError("the import never got going")


@pytest.mark.slow
def test_a_killed_import_goes_on_after_the_restart_each_row_once(server: ServeProcess) -> None:
    server.start()
    headers, import_id = _start_big_import(server)
    killed_at = _kill_midway(server, headers, import_id)
    assert killed_at < ROWS  # it really was cut off mid-run
    server.start()
    deadline = time.monotonic() + 180
    while (job := _job(server, headers, import_id))["status"] not in (
        "done",
        "failed",
        "interrupted",
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["processed_rows"] == ROWS
    assert job["created_count"] + job["skipped_count"] == ROWS
    listed = httpx.get(
        f"{server.url}/api/v1/exports/contact.csv", headers=headers, timeout=60
    ).text.splitlines()
    emails = [line.split(",")[3] for line in listed[1:]]
    assert len(emails) == len(set(emails)) == ROWS  # each row once, none lost
    assert not (server.home / "imports" / f"{import_id}.csv").exists()  # its file is gone


@pytest.mark.slow
def test_a_killed_import_whose_file_is_gone_says_it_was_interrupted(server: ServeProcess) -> None:
    server.start()
    headers, import_id = _start_big_import(server)
    _kill_midway(server, headers, import_id)
    (server.home / "imports" / f"{import_id}.csv").unlink()
    server.start()
    deadline = time.monotonic() + 60
    while (job := _job(server, headers, import_id))["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "interrupted"
    assert job["finished_at"] is not None
    assert f"{job['processed_rows']:,} of {ROWS:,} rows were handled" in job["failure"]
    assert "INSERT" not in job["failure"]


def test_uploads_are_not_kept_past_their_retention(tmp_path: Path) -> None:
    folder = tmp_path / "imports"
    folder.mkdir()
    old, fresh = folder / "old.csv", folder / "fresh.csv"
    old.write_text("a\n1\n")
    fresh.write_text("a\n1\n")
    past = time.time() - FILE_RETENTION_SECONDS - 60
    os.utime(old, (past, past))
    assert remove_old_uploads(folder) == 1
    assert not old.exists()
    assert fresh.exists()

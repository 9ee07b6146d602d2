"""File pickers open in a folder that exists (issue 11, defect 12: one opened in a
"Documents" folder the system names but nobody made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.widgets.files import start_folder


class TestWhereAFilePickerOpens:
    def test_a_missing_documents_folder_gives_way_to_home(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
        assert not (tmp_path / "Documents").exists()
        assert start_folder() == tmp_path

    def test_the_folder_asked_for_comes_first_when_it_exists(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        (tmp_path / "Documents").mkdir()
        (tmp_path / "exports").mkdir()
        assert start_folder(tmp_path / "exports") == tmp_path / "exports"
        assert start_folder(tmp_path / "gone") == tmp_path / "Documents"

"""The desktop's remembered choices belong to the data folder (issue 11, defect 12: a
fresh SALESOS_HOME said "Welcome back", hid the demo login and reused the last email,
because the choices were the OS user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.features.login.model import Server, SignInPreferences
from app.qt.core import QSettings
from app.solo import preferences_path


def prefs_of(home: Path, monkeypatch: pytest.MonkeyPatch) -> SignInPreferences:
    monkeypatch.setenv("SALESOS_HOME", str(home))
    return SignInPreferences(QSettings(str(preferences_path()), QSettings.Format.IniFormat))


class TestChoicesPerDataFolder:
    def test_a_fresh_data_folder_starts_afresh(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        used = prefs_of(tmp_path / "used", monkeypatch)
        used.remember(Server.team("https://crm.example.com"), "rep@example.com", False)
        assert preferences_path() == tmp_path / "used" / "desktop.ini"

        fresh = prefs_of(tmp_path / "fresh", monkeypatch)
        assert fresh.email == ""  # so the login offers the demo and says "Welcome"
        assert fresh.server == Server.this_computer()

        again = prefs_of(tmp_path / "used", monkeypatch)
        assert again.email == "rep@example.com"
        assert again.server == Server.team("https://crm.example.com")

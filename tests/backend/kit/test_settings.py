"""Settings: validation names the variable; solo secrets are generated once, private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend.kit.settings import ConfigError, load_settings


class TestValidation:
    @pytest.mark.parametrize(
        ("env", "value", "expected"),
        [
            ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL: must be a postgresql:// URL"),
            (
                "KAFKA_BOOTSTRAP_SERVERS",
                "localhost",
                "KAFKA_BOOTSTRAP_SERVERS: 'localhost' is not host:port",
            ),
            ("KAFKA_BOOTSTRAP_SERVERS", "h:99999", "is not host:port"),
            (
                "SALESOS_SERVICE_URLS",
                "crm=ftp://x",
                "SALESOS_SERVICE_URLS: 'crm=ftp://x' is not name=http",
            ),
            ("SALESOS_LOG_LEVEL", "LOUD", "SALESOS_LOG_LEVEL: must be one of"),
            ("SALESOS_DB_POOL_SIZE", "0", "SALESOS_DB_POOL_SIZE"),
        ],
    )
    def test_bad_value_names_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str
    ) -> None:
        monkeypatch.setenv(env, value)
        with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace("+", r"\+")):
            load_settings()

    def test_environment_is_read(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("SALESOS_HOME", str(tmp_path))
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "a:9092, b:9093")
        monkeypatch.setenv("SALESOS_SERVICE_URLS", "crm=http://crm:3002/,auth=http://auth:3001")
        s = load_settings()
        assert s.home == tmp_path
        assert not s.embedded_broker
        assert s.embedded_database
        assert s.service_urls == {"crm": "http://crm:3002", "auth": "http://auth:3001"}


class TestSecretKey:
    def test_generated_once_and_readable_only_by_the_user(self, tmp_path: Path) -> None:
        s = load_settings(SALESOS_HOME=tmp_path, SALESOS_SECRET_KEY=None)
        first = s.require_secret_key()
        assert len(first) >= 32
        assert s.require_secret_key() == first
        mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
        assert mode == 0o600

    def test_configured_key_must_be_long_enough(self, tmp_path: Path) -> None:
        s = load_settings(SALESOS_HOME=tmp_path, SALESOS_SECRET_KEY="short")
        with pytest.raises(ConfigError, match="SALESOS_SECRET_KEY: must be at least 32"):
            s.require_secret_key()

    def test_unwritable_home_is_a_clear_error(self, tmp_path: Path) -> None:
        (tmp_path / "secret.key").mkdir()  # in the way, whoever runs the test
        s = load_settings(SALESOS_HOME=tmp_path, SALESOS_SECRET_KEY=None)
        with pytest.raises(ConfigError, match="cannot be written"):
            s.require_secret_key()


class TestADataFolderThatIsAFile:
    def test_it_is_named_a_file_not_an_unwritable_folder(self, tmp_path: Path) -> None:
        (tmp_path / "home").write_text("")
        with pytest.raises(ConfigError) as err:
            load_settings(SALESOS_HOME=tmp_path / "home")
        assert str(err.value) == (
            f"SALESOS_HOME: {tmp_path / 'home'} is a file, not a folder; "
            "set SALESOS_HOME to a folder, or move the file away"
        )
        assert "File exists" not in str(err.value)

    def test_a_folder_under_a_file_names_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("")
        with pytest.raises(ConfigError) as err:
            load_settings(SALESOS_HOME=tmp_path / "file" / "home")
        assert str(err.value).startswith(
            f"SALESOS_HOME: {tmp_path / 'file' / 'home'} cannot be made: "
            f"{tmp_path / 'file'} is a file, not a folder; "
        )

"""Settings read from the environment, validated once, with messages a person can act on.

Every setting has an environment variable (``SALESOS_HOME``, ``DATABASE_URL``,
``KAFKA_BOOTSTRAP_SERVERS``, ``SALESOS_SECRET_KEY``, ...). In solo mode the
secrets are generated on first run and kept in ``SALESOS_HOME`` with mode 0600.
"""

from __future__ import annotations

import os
import re
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

GATEWAY_PORT = 3000
"""The gateway's team-mode port; each context declares its own (auth 3001, crm 3002, …)."""

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(Exception):
    """A setting has a value the backend cannot run with.

    The message names the environment variable and what a valid value looks like.
    """


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


def default_home() -> Path:
    """The per-user data folder (``~/.local/share/salesos`` on Linux)."""
    return Path(platformdirs.user_data_dir("salesos", appauthor=False))


class Settings(BaseSettings):
    """Process-wide configuration.

    Attributes:
        home: Where solo mode keeps its database, broker state, secrets and logs.
        database_url: A ``postgresql://`` URL of an existing server (team mode). Empty
            means: start the embedded Postgres under ``home``.
        kafka_bootstrap_servers: ``host:port[,host:port]`` of a Kafka-protocol cluster.
            Empty means: start an embedded broker.
        secret_key: Signs tokens and encrypts provider tokens at rest. Generated in
            solo mode; required in team mode.
        service_urls: Team mode with one service per process: ``name=url`` pairs the
            gateway routes to. Services not listed run in-process.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    home: Path = Field(default_factory=default_home, alias="SALESOS_HOME")
    database_url: str = Field(default="", alias="DATABASE_URL")
    kafka_bootstrap_servers: str = Field(default="", alias="KAFKA_BOOTSTRAP_SERVERS")
    secret_key: SecretStr | None = Field(default=None, alias="SALESOS_SECRET_KEY")
    service_urls: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, alias="SALESOS_SERVICE_URLS"
    )
    log_level: str = Field(default="INFO", alias="SALESOS_LOG_LEVEL")
    log_format: LogFormat = Field(default=LogFormat.JSON, alias="SALESOS_LOG_FORMAT")
    db_pool_size: int = Field(default=10, ge=1, le=200, alias="SALESOS_DB_POOL_SIZE")
    rate_limit_per_minute: int = Field(default=1200, ge=1, alias="SALESOS_RATE_LIMIT_PER_MIN")
    login_ip_limit_per_minute: int = Field(default=30, ge=1, alias="SALESOS_LOGIN_IP_LIMIT_PER_MIN")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="SALESOS_CORS_ORIGINS"
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, alias="SALESOS_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1024, alias="SALESOS_MAX_UPLOAD_BYTES"
    )
    upstream_timeout: float = Field(default=30.0, gt=0, le=600, alias="SALESOS_UPSTREAM_TIMEOUT")
    relay_batch_size: int = Field(default=500, ge=1, le=10_000, alias="SALESOS_RELAY_BATCH")
    relay_max_attempts: int = Field(default=8, ge=1, le=100, alias="SALESOS_RELAY_MAX_ATTEMPTS")
    relay_poll_seconds: float = Field(default=1.0, gt=0, le=60, alias="SALESOS_RELAY_POLL_SECONDS")
    consumer_max_attempts: int = Field(
        default=5, ge=1, le=100, alias="SALESOS_CONSUMER_MAX_ATTEMPTS"
    )
    event_retention_hours: float = Field(default=168.0, gt=0, alias="SALESOS_EVENT_RETENTION_HOURS")
    republish_after_broker_loss: Literal["all", "groups"] | None = Field(
        default=None, alias="SALESOS_REPUBLISH_AFTER_BROKER_LOSS"
    )
    """``all``: every event still in the outbox, so the topics hold what it holds (any
    reader may rely on them); ``groups``: only what registered consumer groups have not
    handled. Unset: ``all`` for the embedded broker (it keeps its log in memory),
    ``groups`` for a cluster (which keeps its own)."""
    previous_secret_keys: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), alias="SALESOS_PREVIOUS_SECRET_KEYS"
    )
    """Keys that sealed secrets still stored (comma-separated): after a rotation of
    ``SALESOS_SECRET_KEY`` they still open, and are sealed again under the new key."""

    # ---- email providers (DESIGN.md: outside systems, configurable base URLs)
    google_client_id: str = Field(default="", alias="SALESOS_GOOGLE_CLIENT_ID")
    google_client_secret: SecretStr = Field(
        default=SecretStr(""), alias="SALESOS_GOOGLE_CLIENT_SECRET"
    )
    """Google's "desktop app" OAuth clients have a secret that is not one (RFC 8252 §8.5):
    the desktop needs it for the token exchange and the server for refreshes."""
    google_auth_url: str = Field(
        default="https://accounts.google.com/o/oauth2/v2/auth", alias="SALESOS_GOOGLE_AUTH_URL"
    )
    google_token_url: str = Field(
        default="https://oauth2.googleapis.com/token", alias="SALESOS_GOOGLE_TOKEN_URL"
    )
    gmail_api_url: str = Field(
        default="https://gmail.googleapis.com", alias="SALESOS_GMAIL_API_URL"
    )
    microsoft_client_id: str = Field(default="", alias="SALESOS_MICROSOFT_CLIENT_ID")
    microsoft_authority: str = Field(
        default="https://login.microsoftonline.com/common", alias="SALESOS_MICROSOFT_AUTHORITY"
    )
    """``https://login.microsoftonline.com/<tenant>``: ``common``, ``organizations`` or a
    directory id."""
    graph_api_url: str = Field(default="https://graph.microsoft.com", alias="SALESOS_GRAPH_API_URL")
    provider_ca_file: Path | None = Field(default=None, alias="SALESOS_PROVIDER_CA_FILE")
    """A PEM bundle to trust for provider endpoints instead of the public CAs (a
    corporate TLS proxy; the tests' local CA)."""
    email_send_timeout: float = Field(
        default=30.0, gt=0, le=600, alias="SALESOS_EMAIL_SEND_TIMEOUT"
    )
    email_concurrency: int = Field(default=32, ge=1, le=1000, alias="SALESOS_EMAIL_CONCURRENCY")
    """Messages one send worker has in flight at once (each mailbox sends one at a time)."""
    email_wait_scale: float = Field(default=1.0, gt=0, le=1, alias="SALESOS_EMAIL_WAIT_SCALE")
    """Tests and benchmarks shrink the send worker's own waits (its backoff, the wait
    for a mailbox to be reconnected); a provider's ``Retry-After`` is always obeyed as
    given. Never below 1 in production."""
    email_lookup_scale: float = Field(default=1.0, gt=0, le=1, alias="SALESOS_EMAIL_LOOKUP_SCALE")
    """Tests shrink the windows in which a Sent folder is searched again before a
    message is called not sent (a provider files and indexes what it took with a delay:
    shrunk too far, a message still being filed is sent twice). Never below 1 in
    production."""
    # Tests and benchmarks trade durability for speed; never the default.
    embedded_pg_fast: bool = Field(default=False, alias="SALESOS_EMBEDDED_PG_FAST")

    @field_validator("home")
    @classmethod
    def _check_home(cls, value: Path) -> Path:
        """A data folder that is a file (or lies under one) can never be used: say so
        plainly here, rather than "not writable (File exists)" from deep in a start."""
        for path in (value, *value.parents):
            if path.exists():
                if not path.is_dir():
                    whose = "" if path == value else f"{value} cannot be made: "
                    raise ValueError(
                        f"{whose}{path} is a file, not a folder; "
                        "set SALESOS_HOME to a folder, or move the file away"
                    )
                break
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(
            ("postgresql://", "postgres://", "postgresql+asyncpg://")
        ):
            raise ValueError(
                "must be a postgresql:// URL, e.g. postgresql://user:pass@host:5432/salesos"
            )
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _check_bootstrap(cls, value: str) -> str:
        value = value.strip()
        for server in filter(None, (s.strip() for s in value.split(","))):
            host, sep, port = server.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{server!r} is not host:port, e.g. localhost:9092")
        return value

    @field_validator("service_urls", mode="before")
    @classmethod
    def _parse_service_urls(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        urls: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in value.split(","))):
            name, sep, url = pair.partition("=")
            if (
                not sep
                or not _SERVICE_NAME.match(name.strip())
                or not url.startswith(("http://", "https://"))
            ):
                raise ValueError(f"{pair!r} is not name=http://host:port, e.g. crm=http://crm:3002")
            urls[name.strip()] = url.strip().rstrip("/")
        return urls

    @field_validator("previous_secret_keys", mode="before")
    @classmethod
    def _parse_previous_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(k.strip() for k in value.split(",") if k.strip())
        return value

    @field_validator(
        "google_auth_url", "google_token_url", "gmail_api_url",
        "microsoft_authority", "graph_api_url",
    )  # fmt: skip
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        for origin in origins:
            if not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin such as https://app.example.com")
        return origins

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_broker(self) -> bool:
        return not self.kafka_bootstrap_servers

    @property
    def republish_all(self) -> bool:
        """After a broker loss, publish every event still in the outbox again."""
        if self.republish_after_broker_loss is None:
            return self.embedded_broker
        return self.republish_after_broker_loss == "all"

    @property
    def run_dir(self) -> Path:
        """Pid and address files of the embedded servers."""
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def require_secret_key(self) -> str:
        """The signing key; generated and kept under ``home`` when not configured.

        Raises:
            ConfigError: if the key file cannot be written or the key is too short.
        """
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            if len(key) < 32:
                raise ConfigError("SALESOS_SECRET_KEY: must be at least 32 characters")
            return key
        path = self.home / "secret.key"
        try:
            if path.exists():
                return path.read_text().strip()
            self.home.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(key)
            return key
        except OSError as exc:
            raise ConfigError(
                f"SALESOS_SECRET_KEY is not set and {path} cannot be written ({exc.strerror}); "
                "set SALESOS_SECRET_KEY or SALESOS_HOME to a writable folder"
            ) from exc


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings.

    Raises:
        ConfigError: naming each environment variable with a bad value.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        aliases = {name: f.alias or name for name, f in Settings.model_fields.items()}
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{aliases.get(field, field)}: {msg}")
        raise ConfigError("; ".join(problems)) from None

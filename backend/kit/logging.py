"""Structured JSON logs; every line carries the request id of the request being served."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current_request_id() -> str | None:
    """The id of the request this task is serving, if any."""
    return _request_id.get()


def set_request_id(value: str | None) -> Any:
    """Bind a request id to the current context; returns the token to reset it."""
    return _request_id.set(value)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


def accept_or_new_request_id(incoming: str | None) -> str:
    """Keep a well-formed incoming ``X-Request-Id``; otherwise make a new one."""
    if incoming and _REQUEST_ID_RE.match(incoming):
        return incoming
    return uuid.uuid4().hex


RENAMED_LOGGERS = {"uvicorn.error": "uvicorn"}
"""uvicorn logs its ordinary lines ("Started server process") as ``uvicorn.error``: they
are labelled ``uvicorn``, so a line says ERROR only when its level does."""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class _Renamed(logging.Filter):
    """Gives a logger's records the name people should read (on the logger itself, so
    every handler sees it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.name = RENAMED_LOGGERS.get(record.name, record.name)
        return True


def configure_logging(level: str = "INFO", fmt: str = "json", log_file: Path | None = None) -> None:
    """Route every log record to stderr (and ``log_file``, rotated), as JSON (default)
    or text, with the request id. Solo mode logs to a file: a desktop app's stderr
    goes nowhere."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3))
        except OSError:
            pass  # no log file is no reason not to start; stderr still gets everything
    formatter: logging.Formatter
    if fmt == "json":
        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
        )
    else:
        formatter = logging.Formatter(
            "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_salesos", False):
            root.removeHandler(old)
            old.close()
    for handler in handlers:
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(formatter)
        handler._salesos = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for name in RENAMED_LOGGERS:
        renamed = logging.getLogger(name)
        if not any(isinstance(f, _Renamed) for f in renamed.filters):
            renamed.addFilter(_Renamed())
    for name in ("uvicorn", "uvicorn.error"):  # ours, whoever configured uvicorn before
        owned = logging.getLogger(name)
        for old in list(owned.handlers):
            owned.removeHandler(old)
        owned.propagate = True
        owned.setLevel(logging.NOTSET)
    # uvicorn's access log duplicates ours; aiokafka is chatty at INFO.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)

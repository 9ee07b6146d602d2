"""Fixtures of the email tests: the real SMTP and IMAP servers, the provider fakes,
the backend configured to trust the test CA, and a send worker running in-process.

Everything is real but Google and Microsoft, which are fakes following their
documented APIs (``tests/fakes``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.email.sending.worker import Sender
from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.server import build_backend, close_backend
from tests.fakes.tls import LocalCA, local_ca
from tests.servers import imap as imap_server
from tests.servers import smtp as smtp_server


@pytest.fixture(scope="session")
def test_ca() -> LocalCA:
    return local_ca()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[imap_server.IMAPServer]:
    """One real IMAP server (Debian's dovecot) for the session; users per test."""
    with imap_server.running({}) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[smtp_server.SMTPServer]:
    """A fresh SMTP server per test (its recorder counts what it accepted)."""
    with smtp_server.running({}) as server:
        yield server


@pytest.fixture
def filing_smtp(dovecot: imap_server.IMAPServer) -> Iterator[smtp_server.SMTPServer]:
    """An SMTP server that files what it accepts in the sender's IMAP Sent folder, as
    Gmail's and Office 365's submission servers do."""
    with smtp_server.running({}, sent_folder=dovecot) as server:
        yield server


@pytest.fixture
def provider_settings() -> dict[str, Any]:
    """Settings a test module points at its fakes (``SALESOS_GOOGLE_*``, …); none here."""
    return {}


@pytest.fixture
def email_settings(
    resources: Resources, test_ca: LocalCA, provider_settings: dict[str, Any]
) -> Iterator[Settings]:
    """The backend trusts the test CA for provider endpoints; short send time-outs."""
    original = resources.settings
    resources.settings = original.model_copy(
        update={
            "provider_ca_file": Path(test_ca.ca_bundle),
            "email_send_timeout": 5.0,
            **provider_settings,
        }
    )
    try:
        yield resources.settings
    finally:
        resources.settings = original


@pytest.fixture
async def email_api(
    resources: Resources, email_settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole backend over ASGI, built after the settings above."""
    app = build_backend(resources)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://salesos.test"
    ) as client:
        yield client
    await close_backend(app)


@pytest.fixture
async def sender(resources: Resources, email_settings: Settings) -> AsyncIterator[Sender]:
    """The send worker, in-process (as in solo mode)."""
    worker = Sender(resources)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)

"""Helpers for the CRM screens' tests: a company of one's own, records made over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pytestqt.qtbot import QtBot

from app.features.records.model import RecordTableModel
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer


@dataclass(frozen=True)
class Tenant:
    """A company signed up for one test module, and its admin's access token."""

    server: SoloServer
    email: str
    token: str

    def create(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Create a record (``kind``: accounts, contacts, opportunities); returns it."""
        response = self.server.call("POST", f"/api/v1/{kind}", self.token, json=fields)
        assert response.status_code == 201, response.text
        record: dict[str, Any] = response.json()
        return record

    def add_user(self, role: str = "rep", name: str = "", manager_id: str = "") -> dict[str, Any]:
        """A colleague (who signs in with ``STRONG_PASSWORD``); returns the user."""
        body: dict[str, Any] = {
            "email": f"{role}-{uuid.uuid4().hex[:10]}@example.com",
            "name": name or f"{role.title()} {uuid.uuid4().hex[:4]}",
            "role": role,
            "password": STRONG_PASSWORD,
        }
        if manager_id:
            body["manager_id"] = manager_id
        response = self.server.call("POST", "/api/v1/users", self.token, json=body)
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def change(self, kind: str, record_id: str, **fields: Any) -> dict[str, Any]:
        """Change a record as the admin (another session); returns it."""
        response = self.server.call("PATCH", f"/api/v1/{kind}/{record_id}", self.token, json=fields)
        assert response.status_code == 200, response.text
        record: dict[str, Any] = response.json()
        return record

    def names(self, kind: str, **params: Any) -> list[str]:
        """The ``name`` of each record of the first page the server lists for ``params``."""
        response = self.server.call("GET", f"/api/v1/{kind}", self.token, params=params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]


def sign_up(server: SoloServer, company: str = "") -> Tenant:
    """A new company (an isolated tenant) with an admin who can sign in."""
    email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    with server.api() as http:
        response = http.post(
            "/api/v1/auth/signup",
            json={
                "company": company or f"Test Co {email[:12]}",
                "name": "Olive Owner",
                "email": email,
                "password": STRONG_PASSWORD,
            },
        )
    assert response.status_code == 201, response.text
    return Tenant(server, email, response.json()["access_token"])


def wait_loaded(model: RecordTableModel[Any], qtbot: QtBot) -> None:
    """Wait until the model's first page has arrived and nothing is loading."""
    qtbot.waitUntil(lambda: model.loaded and not model.loading, timeout=SIGN_IN_TIMEOUT_MS)

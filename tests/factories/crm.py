"""CRM records made through the public API (the same path a client takes)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories.auth import Login

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"
OPPORTUNITIES = "/api/v1/opportunities"
CUSTOM_FIELDS = "/api/v1/custom-fields"


async def _create(api: httpx.AsyncClient, path: str, who: Login, body: dict[str, Any]) -> dict:
    r = await api.post(path, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def account(api: httpx.AsyncClient, who: Login, name: str = "Acme", **fields: Any) -> dict:
    return await _create(api, ACCOUNTS, who, {"name": name, **fields})


async def contact(
    api: httpx.AsyncClient, who: Login, last_name: str = "Doe", **fields: Any
) -> dict:
    return await _create(api, CONTACTS, who, {"last_name": last_name, **fields})


async def opportunity(
    api: httpx.AsyncClient, who: Login, name: str = "Deal", **fields: Any
) -> dict:
    return await _create(api, OPPORTUNITIES, who, {"name": name, **fields})


async def custom_field(
    api: httpx.AsyncClient, who: Login, key: str, field_type: str = "text", **fields: Any
) -> dict:
    body = {"object_type": "contact", "key": key, "label": key.title(), "field_type": field_type}
    return await _create(api, CUSTOM_FIELDS, who, {**body, **fields})

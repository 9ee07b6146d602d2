"""What email asks the CRM over its HTTP API (never its tables): a contact and its
account for merge fields, contacts by address, and the company's custom fields.

Calls carry the caller's own token, so the CRM's reach applies: a rep merges only the
data of contacts they may read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import httpx

from backend.kit.errors import UpstreamUnavailable

CUSTOM_FIELDS_TTL = 30.0


class CrmDirectory:
    def __init__(self, crm: httpx.AsyncClient) -> None:
        self.crm = crm
        self._fields: dict[uuid.UUID, tuple[float, dict[str, set[str]]]] = {}

    async def contact(self, contact_id: uuid.UUID, authorization: str) -> dict[str, Any] | None:
        """The contact as the CRM shows it to the caller; ``None`` if they cannot see it."""
        return await self._one(f"/contacts/{contact_id}", authorization)

    async def account(self, account_id: uuid.UUID, authorization: str) -> dict[str, Any] | None:
        return await self._one(f"/accounts/{account_id}", authorization)

    async def contacts_by_email(
        self, emails: Iterable[str], authorization: str
    ) -> dict[str, dict[str, Any]]:
        """The caller's contacts with these addresses, by lower-cased address."""
        wanted = sorted({e.lower() for e in emails if "," not in e})
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 100):
            batch = wanted[start : start + 100]
            response = await self._get(
                "/contacts",
                authorization,
                {"filter": f"email:in:{','.join(batch)}", "limit": "200"},
            )
            for item in response.json()["items"]:
                if item.get("email"):
                    found.setdefault(str(item["email"]).lower(), item)
        return found

    async def custom_field_keys(
        self, customer_id: uuid.UUID, authorization: str
    ) -> dict[str, set[str]]:
        """The company's custom field keys by record kind (``contact``, ``account``)."""
        hit = self._fields.get(customer_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        response = await self._get("/custom-fields", authorization, {})
        body = response.json()
        items = body["items"] if isinstance(body, dict) else body
        keys: dict[str, set[str]] = {}
        for item in items:
            keys.setdefault(str(item["object_type"]), set()).add(str(item["key"]))
        self._fields[customer_id] = (time.monotonic() + CUSTOM_FIELDS_TTL, keys)
        return keys

    async def _one(self, path: str, authorization: str) -> dict[str, Any] | None:
        response = await self._get(path, authorization, {}, ok=(200, 404))
        if response.status_code == 404:
            return None
        body: dict[str, Any] = response.json()
        return body if body.get("deleted_at") is None else None

    async def _get(
        self, path: str, authorization: str, params: dict[str, str], ok: tuple[int, ...] = (200,)
    ) -> httpx.Response:
        try:
            response = await self.crm.get(
                path, params=params, headers={"authorization": authorization}
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable("The CRM service is unavailable; try again.") from exc
        if response.status_code not in ok:
            raise UpstreamUnavailable(f"The CRM service answered {response.status_code}.")
        return response

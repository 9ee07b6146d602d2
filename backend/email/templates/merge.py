"""The values of the merge fields for one recipient: their contact and its account,
asked of the CRM with the caller's token (so its reach applies), and the sender (the
mailbox the message goes from)."""

from __future__ import annotations

import uuid
from typing import Any

from backend.email.contacts import CrmDirectory
from backend.email.models import Mailbox
from backend.email.templates.render import MergeData
from backend.kit.errors import ValidationFailed

CONTACT_KEYS = ("first_name", "last_name", "email", "title", "phone", "mobile", "time_zone")
ACCOUNT_KEYS = ("name", "domain", "industry", "size", "city", "region", "country")


def sender_fields(mailbox: Mailbox | None) -> dict[str, Any]:
    if mailbox is None:
        return {}
    name = mailbox.display_name.strip()
    first, _, last = name.partition(" ")
    return {"name": name, "first_name": first, "last_name": last.strip(), "email": mailbox.email}


def contact_fields(contact: dict[str, Any]) -> dict[str, Any]:
    values = {k: contact.get(k) for k in CONTACT_KEYS}
    full = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
    return {**values, "name": full or None, "cf": dict(contact.get("custom_fields") or {})}


def account_fields(account: dict[str, Any]) -> dict[str, Any]:
    values = {k: account.get(k) for k in ACCOUNT_KEYS}
    return {**values, "cf": dict(account.get("custom_fields") or {})}


class MergeSource:
    """Looks up what a message's merge fields need, once per contact."""

    def __init__(self, crm: CrmDirectory, authorization: str) -> None:
        self.crm = crm
        self.authorization = authorization

    async def contact(self, contact_id: uuid.UUID, field: str) -> dict[str, Any]:
        """The contact as the caller may see it.

        Raises:
            ValidationFailed: naming ``field`` when there is no such contact for them.
        """
        contact = await self.crm.contact(contact_id, self.authorization)
        if contact is None:
            raise ValidationFailed.for_field(field, f"there is no contact {contact_id} you can see")
        return contact

    async def data_for(self, contact: dict[str, Any] | None, mailbox: Mailbox | None) -> MergeData:
        data = MergeData(sender=sender_fields(mailbox))
        if contact is None:
            return data
        data.contact = contact_fields(contact)
        if contact.get("account_id"):
            account = await self.crm.account(
                uuid.UUID(str(contact["account_id"])), self.authorization
            )
            if account is not None:
                data.account = account_fields(account)
        return data

"""Email templates (``/email-templates``): a subject and a plain and/or HTML body with merge
fields such as ``{{ contact.first_name | default("there") }}``.

A template with a syntax error or an unknown merge field is refused before it is saved:
a 422 whose details name the part (``subject``, ``body_text``, ``body_html``) and say
the line (``"line 2: unknown field contact.frist_name"``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.client import GatewayClient

TEMPLATES = "/api/v1/email-templates"


class Template(BaseModel):
    """A reusable message.

    Attributes:
        id: The template's id.
        owner_id: Who made it.
        name: What it is called in the picker.
        subject: Its subject (merge fields allowed).
        body_text: Its plain body, if it has one.
        body_html: Its HTML body, if it has one.
        shared: Whether the whole company sees and uses it (else only its owner).
        version: Its version after its last change.
        created_at: When it was made.
        updated_at: When it last changed.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    owner_id: str = ""
    name: str = ""
    subject: str = ""
    body_text: str | None = None
    body_html: str | None = None
    shared: bool = False
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class TemplateList(BaseModel):
    """``GET /email-templates``: the user's and the company's shared templates, by name."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: list[Template] = Field(default_factory=list)


class TemplatePreview(BaseModel):
    """A template as one recipient would get it.

    Attributes:
        subject: The subject, merge fields filled in.
        body_text: The plain body.
        body_html: The HTML body, if the template has one.
        contact_id: The contact whose fields were used, if one was found.
        empty_fields: Merge fields this recipient has no value for.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    contact_id: str | None = None
    empty_fields: list[str] = Field(default_factory=list)


class MergeFields(BaseModel):
    """The merge fields a template may use, by record kind (``contact.first_name`` is
    ``"first_name"`` under :attr:`contact`).

    Attributes:
        contact: The recipient contact's fields.
        account: Their account's fields.
        sender: The sending user's and mailbox's fields.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    contact: list[str] = Field(default_factory=list)
    account: list[str] = Field(default_factory=list)
    sender: list[str] = Field(default_factory=list)

    def by_kind(self) -> dict[str, list[str]]:
        """Each kind's fields as written in a template (``contact.first_name``)."""
        return {
            kind: [f"{kind}.{name}" for name in names]
            for kind, names in (
                ("contact", self.contact),
                ("account", self.account),
                ("sender", self.sender),
            )
        }


class TemplatesApi:
    """The template calls of the gateway.

    Args:
        client: The signed-in client.
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def templates(self) -> list[Template]:
        """The user's templates and the company's shared ones, by name."""
        answer = await self._client.call_json("GET", TEMPLATES, TemplateList)
        return answer.items

    async def get(self, template_id: str) -> Template:
        """One template.

        Raises:
            ApiError: ``not_found`` (404) for one the user may not see.
        """
        return await self._client.call_json("GET", f"{TEMPLATES}/{template_id}", Template)

    async def create(
        self,
        name: str,
        subject: str,
        *,
        body_text: str | None = None,
        body_html: str | None = None,
        shared: bool = False,
    ) -> Template:
        """Save a new template.

        Raises:
            ApiError: ``validation_error`` (422) naming ``subject``, ``body_text`` or
                ``body_html`` with the line of a syntax error or an unknown field,
                or ``name``.
        """
        body: dict[str, Any] = {"name": name, "subject": subject, "shared": shared}
        if body_text is not None:
            body["body_text"] = body_text
        if body_html is not None:
            body["body_html"] = body_html
        return await self._client.call_json("POST", TEMPLATES, Template, json=body, status=201)

    async def change(self, template_id: str, changes: dict[str, Any]) -> Template:
        """Change a template (``name``, ``subject``, ``body_text``, ``body_html``, ``shared``).

        Raises:
            ApiError: ``validation_error`` (422) as for :meth:`create`; ``forbidden``
                (403) for a shared template of someone else (unless an admin);
                ``not_found`` (404).
        """
        return await self._client.call_json(
            "PATCH", f"{TEMPLATES}/{template_id}", Template, json=changes
        )

    async def delete(self, template_id: str) -> None:
        """Delete a template.

        Raises:
            ApiError: ``forbidden`` (403); ``not_found`` (404).
        """
        await self._client.call("DELETE", f"{TEMPLATES}/{template_id}", status=204)

    async def preview(
        self,
        template_id: str,
        *,
        contact_id: str | None = None,
        to: str | None = None,
        mailbox_id: str | None = None,
    ) -> TemplatePreview:
        """The template as a contact (or the contact of an address) would get it, sent
        from ``mailbox_id`` (default: the user's first mailbox).

        Raises:
            ApiError: ``validation_error`` (422) naming ``contact_id``, ``to`` or
                ``mailbox_id``; ``not_found`` (404).
        """
        body = {
            key: value
            for key, value in (("contact_id", contact_id), ("to", to), ("mailbox_id", mailbox_id))
            if value is not None
        }
        return await self._client.call_json(
            "POST", f"{TEMPLATES}/{template_id}/preview", TemplatePreview, json=body
        )

    async def fields(self) -> MergeFields:
        """The merge fields templates may use."""
        return await self._client.call_json("GET", f"{TEMPLATES}/fields", MergeFields)

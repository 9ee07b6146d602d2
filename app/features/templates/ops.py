"""The background calls of Settings > Templates, each with ``done`` and ``failed``
callbacks, run through :class:`~app.ops.Operations`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.api.client import GatewayClient
from app.api.emails import Draft, EmailsApi, Recipient, RecipientPreview
from app.api.templates import Template, TemplatePreview, TemplatesApi
from app.ops import FailureHandler, Operations


class TemplateOps:
    """The user's and the company's email templates through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self.client = client
        self.ops = ops
        self._templates = TemplatesApi(client)
        self._emails = EmailsApi(client)

    def templates(
        self, done: Callable[[list[Template]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The user's and the company's shared templates, by name."""
        return self.ops.run(
            self._templates.templates(), on_success=done, on_failure=failed, name="templates"
        )

    def save(
        self,
        template_id: str | None,
        values: dict[str, Any],
        done: Callable[[Template], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Create a template (``template_id`` ``None``) or change one; the server refuses
        a syntax error or an unknown field, naming the part and the line."""

        async def work() -> Template:
            if template_id is None:
                return await self._templates.create(
                    values["name"],
                    values["subject"],
                    body_text=values.get("body_text"),
                    body_html=values.get("body_html"),
                    shared=bool(values.get("shared")),
                )
            return await self._templates.change(template_id, values)

        return self.ops.run(work(), on_success=done, on_failure=failed, name="save-template")

    def delete(
        self, template_id: str, done: Callable[[], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Delete a template."""
        return self.ops.run(
            self._templates.delete(template_id),
            on_success=lambda _: done(),
            on_failure=failed,
            name="delete-template",
        )

    def merge_fields(
        self, done: Callable[[dict[str, list[str]]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The merge fields templates may use, by kind (``contact.first_name`` …)."""

        async def work() -> dict[str, list[str]]:
            return (await self._templates.fields()).by_kind()

        return self.ops.run(work(), on_success=done, on_failure=failed, name="merge-fields")

    def preview(
        self,
        template_id: str,
        to: str,
        done: Callable[[TemplatePreview], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """A saved template as the contact of ``to`` would get it."""
        return self.ops.run(
            self._templates.preview(template_id, to=to),
            on_success=done,
            on_failure=failed,
            name="preview-template",
        )

    def preview_draft(
        self,
        to: str,
        values: dict[str, Any],
        done: Callable[[RecipientPreview], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """The template as typed (saved or not) as the contact of ``to`` would get it,
        from the user's first mailbox; an error names the part and its line."""

        async def work() -> RecipientPreview:
            draft = Draft(
                to=[Recipient(email=to)],
                subject=values.get("subject") or "",
                body_text=values.get("body_text"),
                body_html=values.get("body_html"),
            )
            previews = await self._emails.preview(draft)
            return previews[0]

        return self.ops.run(work(), on_success=done, on_failure=failed, name="preview-draft")

"""Templates: checked before they are saved, previewed per recipient.

A private template is its owner's; a shared one is seen and used by the whole company
and changed by its owner or an admin. A template with a syntax error, an unknown
merge field or filter is refused (422) naming the part and the line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.email.contacts import CrmDirectory
from backend.email.mailboxes.repository import MailboxRepository
from backend.email.models import Mailbox, Template
from backend.email.templates import render
from backend.email.templates import schemas as s
from backend.email.templates.merge import MergeSource
from backend.email.templates.repository import TemplateRepository
from backend.kit.errors import ErrorDetail, Forbidden, NotFound, ValidationFailed
from backend.kit.security import Principal, Role


def refuse_problems(problems: list[render.Problem], prefix: str = "body") -> None:
    """Raises ValidationFailed naming each part and line, if there are problems."""
    if problems:
        details = [
            ErrorDetail(field=f"{prefix}.{p.part}", message=p.describe(), type="template")
            for p in problems
        ]
        first = details[0]
        raise ValidationFailed(f"{first.field}: {first.message}", details=details)


class TemplateService:
    def __init__(
        self, session: AsyncSession, principal: Principal, crm: CrmDirectory, authorization: str
    ) -> None:
        self.session = session
        self.principal = principal
        self.crm = crm
        self.authorization = authorization
        self.repo = TemplateRepository.from_session(session)

    async def custom_keys(self) -> Mapping[str, set[str]]:
        return await self.crm.custom_field_keys(self.principal.customer_id, self.authorization)

    async def check(self, source: render.Source, prefix: str = "body") -> None:
        refuse_problems(render.check(source, await self.custom_keys()), prefix)

    async def listing(self) -> list[Template]:
        return list(await self.repo.visible(self.principal.user_id))

    async def visible(self, template_id: uuid.UUID, *, lock: bool = False) -> Template:
        template = await self.repo.live(template_id, lock=lock)
        if template is None or not (template.shared or template.owner_id == self.principal.user_id):
            raise NotFound("email template", template_id)
        return template

    async def create(self, body: s.TemplateIn) -> Template:
        _need_body(body.body_text, body.body_html)
        await self.check(render.Source(body.subject, body.body_text, body.body_html))
        template = Template(owner_id=self.principal.user_id, **body.model_dump())
        return await self.repo.create(template)

    async def change(self, template_id: uuid.UUID, patch: s.TemplatePatch) -> Template:
        template = await self._changeable(template_id)
        values = patch.model_dump(exclude_unset=True)
        merged = {
            **{k: getattr(template, k) for k in ("subject", "body_text", "body_html")},
            **values,
        }
        _need_body(merged["body_text"], merged["body_html"])
        await self.check(render.Source(merged["subject"], merged["body_text"], merged["body_html"]))
        for key, value in values.items():
            setattr(template, key, value)
        template.version += 1
        template.updated_at = datetime.now(UTC)
        await self.session.flush()
        return template

    async def delete(self, template_id: uuid.UUID) -> None:
        template = await self._changeable(template_id)
        template.deleted_at = datetime.now(UTC)
        template.version += 1

    async def preview(self, template_id: uuid.UUID, body: s.PreviewIn) -> s.PreviewOut:
        template = await self.visible(template_id)
        source = render.Source(template.subject, template.body_text, template.body_html)
        merge = MergeSource(self.crm, self.authorization)
        contact = None
        if body.contact_id is not None:
            contact = await merge.contact(body.contact_id, "body.contact_id")
        elif body.to is not None:
            contact = (await self.crm.contacts_by_email([body.to], self.authorization)).get(
                body.to.lower()
            )
        mailbox = await self._sender(body.mailbox_id)
        rendered = render.render(source, await merge.data_for(contact, mailbox))
        return s.PreviewOut(
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
            contact_id=uuid.UUID(str(contact["id"])) if contact else None,
            empty_fields=list(rendered.empty_fields),
        )

    async def _sender(self, mailbox_id: uuid.UUID | None) -> Mailbox | None:
        mailboxes = MailboxRepository.from_session(self.session)
        if mailbox_id is None:
            mine = await mailboxes.of_owner(self.principal.user_id)
            return mine[0] if mine else None
        mailbox = await mailboxes.live(mailbox_id)
        if mailbox is None or mailbox.owner_id != self.principal.user_id:
            raise ValidationFailed.for_field("body.mailbox_id", "is not one of your mailboxes")
        return mailbox

    async def _changeable(self, template_id: uuid.UUID) -> Template:
        template = await self.visible(template_id, lock=True)
        if template.owner_id != self.principal.user_id and self.principal.role is not Role.ADMIN:
            raise Forbidden("Only its owner or an admin changes a shared template.")
        return template


def _need_body(text: str | None, html: str | None) -> None:
    if not (text or "").strip() and not (html or "").strip():
        raise ValidationFailed.for_field(
            "body.body_text", "a template needs a plain or an HTML body"
        )

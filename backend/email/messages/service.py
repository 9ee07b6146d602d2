"""Composing and queueing messages; reading them; cancelling; deciding an uncertain one.

``queue`` checks everything before anything is saved (the mailbox is the caller's
and usable, at most 100 recipients, the template and merge fields render, the
attachments fit the provider's limit); then the message, its queue row and its
``EmailQueued`` event commit together, and the send worker takes it from there.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.email.contacts import CrmDirectory
from backend.email.ledger.repository import (
    AttachmentRepository,
    AttemptRepository,
    MessageRepository,
)
from backend.email.ledger.service import Ledger
from backend.email.mailboxes.repository import MailboxRepository
from backend.email.messages import schemas as s
from backend.email.models import Attachment, Mailbox, Message, SendAttempt
from backend.email.providers.base import Sent
from backend.email.providers.mime import new_message_id, one_line
from backend.email.templates import render
from backend.email.templates.merge import MergeSource
from backend.email.templates.repository import TemplateRepository
from backend.email.templates.service import refuse_problems
from backend.kit.access import Access
from backend.kit.errors import Conflict, ErrorDetail, NotFound, PayloadTooLarge, ValidationFailed
from backend.kit.security import Permission


def _recipient(item: Any) -> dict[str, str]:
    if isinstance(item, str):
        return {"email": item, "name": ""}
    return {"email": item.email, "name": item.name}


@dataclass
class Composed:
    message: Message
    attachments: Sequence[Attachment]


class MessageService:
    def __init__(
        self, session: AsyncSession, access: Access, crm: CrmDirectory, authorization: str
    ) -> None:
        self.session = session
        self.access = access
        self.principal = access.principal
        self.crm = crm
        self.authorization = authorization
        self.messages = MessageRepository.from_session(session)
        self.ledger = Ledger(session)

    # ------------------------------------------------------------------ queueing
    async def queue(self, body: s.EmailIn) -> Composed:
        self.principal.require(Permission.RECORDS_WRITE)
        mailbox = await self._mailbox(body.mailbox_id, sending=True)
        to, cc, bcc = ([_recipient(r) for r in part] for part in (body.to, body.cc, body.bcc))
        if len(to) + len(cc) + len(bcc) > s.MAX_RECIPIENTS:
            raise ValidationFailed.for_field(
                "body.to",
                f"a message goes to at most {s.MAX_RECIPIENTS} recipients "
                "(To, Cc and Bcc together)",
            )
        source, template_id = await self._source(
            body.template_id, body.subject, body.body_text, body.body_html
        )
        merge = MergeSource(self.crm, self.authorization)
        contact = await self._contact(merge, body.contact_id, to[0]["email"])
        if contact is not None and contact.get("do_not_contact"):
            raise ValidationFailed.for_field(
                "body.contact_id" if body.contact_id else "body.to",
                f"{contact.get('email') or 'this contact'} asked not to be contacted",
            )
        rendered = render.render(source, await merge.data_for(contact, mailbox))
        if not rendered.subject.strip():
            raise ValidationFailed.for_field("body.subject", "a message needs a subject")
        attachments = await self._attachments(body.attachment_ids, mailbox, rendered)
        in_reply_to, references, thread = await self._thread(body.reply_to, mailbox)
        now = datetime.now(UTC)
        message = Message(
            id=uuid.uuid4(),
            owner_id=self.principal.user_id,
            mailbox_id=mailbox.id,
            contact_id=uuid.UUID(str(contact["id"])) if contact else None,
            account_id=uuid.UUID(str(contact["account_id"]))
            if contact and contact.get("account_id")
            else None,
            template_id=template_id,
            from_email=mailbox.email,
            from_name=mailbox.display_name,
            to=to,
            cc=cc,
            bcc=bcc,
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
            message_id=new_message_id(mailbox.email),
            in_reply_to=in_reply_to,
            references=references,
            provider_thread_id=thread,
            send_at=max(body.send_at or now, now),
            state="scheduled",
            attempts=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
        await self.ledger.queue_new(message)
        for item in attachments:
            item.message_id = message.id
        if mailbox.status == "needs_reconnect":
            await self.ledger.wait(message, "Its mailbox needs reconnecting.")
        return Composed(message, attachments)

    async def preview(self, body: s.PreviewIn) -> s.PreviewOut:
        mailbox = (
            await self._mailbox(body.mailbox_id, sending=False)
            if body.mailbox_id
            else await self._first_mailbox()
        )
        source, _ = await self._source(
            body.template_id, body.subject, body.body_text, body.body_html
        )
        merge = MergeSource(self.crm, self.authorization)
        to = [_recipient(r) for r in body.to]
        named = body.contact_id is not None  # the first recipient's contact is given
        looked_up = [r["email"] for r in to[1:]] if named else [r["email"] for r in to]
        by_email = (
            await self.crm.contacts_by_email(looked_up, self.authorization) if looked_up else {}
        )
        items = []
        for index, recipient in enumerate(to):
            contact = by_email.get(recipient["email"].lower())
            if index == 0 and body.contact_id is not None:
                contact = await merge.contact(body.contact_id, "body.contact_id")
            rendered = render.render(source, await merge.data_for(contact, mailbox))
            items.append(
                s.RecipientPreview(
                    to=recipient["email"],
                    contact_id=uuid.UUID(str(contact["id"])) if contact else None,
                    subject=rendered.subject,
                    body_text=rendered.body_text,
                    body_html=rendered.body_html,
                    empty_fields=list(rendered.empty_fields),
                )
            )
        return s.PreviewOut(items=items)

    # ------------------------------------------------------------------ reading
    async def page(
        self,
        *,
        contact_id: uuid.UUID | None,
        account_id: uuid.UUID | None,
        mailbox_id: uuid.UUID | None,
        states: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Message], str | None]:
        return await self.messages.page(
            owners=self.access.owners(Permission.RECORDS_READ),
            contact_id=contact_id,
            account_id=account_id,
            mailbox_id=mailbox_id,
            states=states,
            cursor=cursor,
            limit=limit,
        )

    async def visible(self, message_id: uuid.UUID, *, lock: bool = False) -> Message:
        message = await (
            self.messages.locked(message_id) if lock else self.messages.get(message_id)
        )
        if message is None or not self.access.reaches(Permission.RECORDS_READ, message.owner_id):
            raise NotFound("email", message_id)
        return message

    async def attempts(self, message: Message) -> Sequence[SendAttempt]:
        return await AttemptRepository.from_session(self.session).of_message(message.id)

    async def attachment_summary(
        self, messages: Sequence[Message]
    ) -> dict[uuid.UUID, list[s.AttachmentOut]]:
        found = await AttachmentRepository.from_session(self.session).summary(
            [m.id for m in messages]
        )
        return {
            mid: [s.AttachmentOut(id=i, filename=n, size=z) for i, n, z in rows]
            for mid, rows in found.items()
        }

    # ------------------------------------------------------------------ changing
    async def cancel(self, message_id: uuid.UUID) -> Message:
        message = await self._writable(message_id)
        if message.state != "scheduled":
            raise Conflict(f"Only a scheduled email can be cancelled; this one is {message.state}.")
        await self.ledger.cancel(message)
        return message

    async def decide(self, message_id: uuid.UUID, body: s.Decision) -> Message:
        """An uncertain message's sender says what happened (never the server alone)."""
        message = await self._writable(message_id)
        if message.state != "uncertain":
            raise Conflict(
                f"Only an uncertain email needs a decision; this one is {message.state}."
            )
        if body.decision == "sent":
            await self.ledger.sent(message, None, Sent(), found=False)
        elif body.decision == "failed":
            await self.ledger.fail(message, None, "not_sent", "Its sender says it was not sent.")
        else:
            await self._mailbox(message.mailbox_id, sending=True, field="path.email_id")
            await self.ledger.retry(
                message, None, datetime.now(UTC), "Sent again at its sender's request."
            )
        return message

    async def upload(self, filename: str, content_type: str, data: bytes, limit: int) -> Attachment:
        self.principal.require(Permission.RECORDS_WRITE)
        if len(data) > limit:
            raise PayloadTooLarge(
                f"An attachment is at most {limit // (1024 * 1024)} MB.",
                details=[ErrorDetail(field="body.file", message="is too large")],
            )
        if not data:
            raise ValidationFailed.for_field("body.file", "is empty")
        item = Attachment(
            owner_id=self.principal.user_id,
            filename=one_line(filename)[:255] or "attachment",
            content_type=content_type or "application/octet-stream",
            size=len(data),
            data=data,
        )
        return await AttachmentRepository.from_session(self.session).create(item)

    # ------------------------------------------------------------------ helpers
    async def _writable(self, message_id: uuid.UUID) -> Message:
        message = await self.visible(message_id, lock=True)
        if not self.access.reaches(Permission.RECORDS_WRITE, message.owner_id):
            raise NotFound("email", message_id)
        return message

    async def _mailbox(
        self, mailbox_id: uuid.UUID, *, sending: bool, field: str = "body.mailbox_id"
    ) -> Mailbox:
        mailbox = await MailboxRepository.from_session(self.session).live(mailbox_id)
        if mailbox is None or mailbox.owner_id != self.principal.user_id:
            raise ValidationFailed.for_field(field, "is not one of your mailboxes")
        if sending and mailbox.status == "needs_reconnect" and field == "body.mailbox_id":
            raise Conflict(
                f"{mailbox.email} needs reconnecting before it can send: "
                f"{mailbox.status_reason or ''}".strip(),
                details=[
                    ErrorDetail(field=field, message="needs reconnecting", type="needs_reconnect")
                ],
            )
        return mailbox

    async def _first_mailbox(self) -> Mailbox | None:
        mine = await MailboxRepository.from_session(self.session).of_owner(self.principal.user_id)
        return mine[0] if mine else None

    async def _source(
        self,
        template_id: uuid.UUID | None,
        subject: str | None,
        body_text: str | None,
        body_html: str | None,
    ) -> tuple[render.Source, uuid.UUID | None]:
        if template_id is not None:
            template = await TemplateRepository.from_session(self.session).live(template_id)
            if template is None or not (
                template.shared or template.owner_id == self.principal.user_id
            ):
                raise ValidationFailed.for_field(
                    "body.template_id", "is not a template you can use"
                )
            subject = subject if subject is not None else template.subject
            if body_text is None and body_html is None:
                body_text, body_html = template.body_text, template.body_html
        if not (body_text or "").strip() and not (body_html or "").strip():
            raise ValidationFailed.for_field(
                "body.body_text", "a message needs a plain or an HTML body (or a template)"
            )
        source = render.Source(subject or "", body_text or None, body_html or None)
        keys = await self.crm.custom_field_keys(self.principal.customer_id, self.authorization)
        refuse_problems(render.check(source, keys))
        return source, template_id

    async def _contact(
        self, merge: MergeSource, contact_id: uuid.UUID | None, first_to: str
    ) -> dict[str, Any] | None:
        if contact_id is not None:
            return await merge.contact(contact_id, "body.contact_id")
        return (await self.crm.contacts_by_email([first_to], self.authorization)).get(
            first_to.lower()
        )

    async def _attachments(
        self, ids: Sequence[uuid.UUID], mailbox: Mailbox, rendered: render.Rendered
    ) -> Sequence[Attachment]:
        if not ids:
            return []
        found = await AttachmentRepository.from_session(self.session).unattached(
            ids, self.principal.user_id
        )
        missing = set(ids) - {a.id for a in found}
        if missing:
            raise ValidationFailed.for_field(
                "body.attachment_ids",
                f"{sorted(map(str, missing))[0]} is not an attachment you uploaded "
                "for a new message",
            )
        # base64 makes attachments a third larger; the bodies travel too.
        total = (
            sum(a.size for a in found) * 4 // 3
            + len(rendered.body_text)
            + len(rendered.body_html or "")
        )
        if total > mailbox.max_message_bytes:
            raise PayloadTooLarge(
                f"With its attachments the message is {total / 1048576:.1f} MB; {mailbox.email} "
                f"sends at most {mailbox.max_message_bytes / 1048576:.0f} MB.",
                details=[
                    ErrorDetail(field="body.attachment_ids", message="too large for this mailbox")
                ],
            )
        return found

    async def _thread(
        self, reply_to: uuid.UUID | None, mailbox: Mailbox
    ) -> tuple[str | None, list[str], str | None]:
        if reply_to is None:
            return None, [], None
        earlier = await self.messages.get(reply_to)
        if earlier is None or not self.access.reaches(Permission.RECORDS_READ, earlier.owner_id):
            raise ValidationFailed.for_field("body.reply_to", "is not an email you can see")
        references = [*earlier.references, earlier.message_id][-20:]
        same_box = earlier.mailbox_id == mailbox.id
        return earlier.message_id, references, earlier.provider_thread_id if same_box else None

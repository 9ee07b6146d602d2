"""The background calls of the email screens (a contact's emails, the compose window),
each with ``done`` and ``failed`` callbacks, run through :class:`~app.ops.Operations`."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.api.client import GatewayClient
from app.api.emails import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Decision,
    Draft,
    Email,
    EmailPage,
    EmailsApi,
    Recipient,
    RecipientPreview,
)
from app.api.mailboxes import Mailbox, MailboxesApi
from app.api.search import SearchApi
from app.api.templates import Template, TemplatesApi
from app.errors import UserFacingError
from app.ops import FailureHandler, Operations

CONTACT_MATCHES = 8
"""How many contacts the recipient field offers for what was typed."""


@dataclass(frozen=True)
class ComposeSetup:
    """What the compose window needs before the user writes: where from, and templates.

    Attributes:
        mailboxes: The user's mailboxes (the connected ones send).
        templates: The user's and the company's shared templates, by name.
    """

    mailboxes: list[Mailbox]
    templates: list[Template]


@dataclass(frozen=True)
class ContactMatch:
    """A contact the recipient field offers.

    Attributes:
        label: How it reads in the list ("Ada Lovelace <ada@example.org> · Acme").
        recipient: The address and name it adds.
    """

    label: str
    recipient: Recipient


class FileTooLarge(UserFacingError):
    """A file over the largest the server takes (no upload is tried)."""


class EmailOps:
    """Emails, templates and mailboxes through the gateway, for the email screens.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self.client = client
        self.ops = ops
        self._emails = EmailsApi(client)
        self._templates = TemplatesApi(client)
        self._mailboxes = MailboxesApi(client)
        self._search = SearchApi(client)

    # ------------------------------------------------------------------ a contact's emails

    def page(
        self,
        done: Callable[[EmailPage], None],
        failed: FailureHandler,
        *,
        contact_id: str | None = None,
        account_id: str | None = None,
        cursor: str | None = None,
    ) -> asyncio.Task[Any]:
        """A page of a contact's or an account's emails, newest first."""
        return self.ops.run(
            self._emails.page(contact_id=contact_id, account_id=account_id, cursor=cursor),
            on_success=done,
            on_failure=failed,
            name="emails",
        )

    def get(
        self, email_id: str, done: Callable[[Email], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """One message, read again (with its attempts)."""
        return self.ops.run(
            self._emails.get(email_id), on_success=done, on_failure=failed, name="email"
        )

    def cancel(
        self, email_id: str, done: Callable[[Email], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Cancel a queued message (refused once it is being sent)."""
        return self.ops.run(
            self._emails.cancel(email_id), on_success=done, on_failure=failed, name="cancel-email"
        )

    def decide(
        self,
        email_id: str,
        decision: Decision,
        done: Callable[[Email], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Say what became of a message that may have been sent."""
        return self.ops.run(
            self._emails.decide(email_id, decision),
            on_success=done,
            on_failure=failed,
            name="decide-email",
        )

    # ------------------------------------------------------------------ composing

    def setup(
        self, done: Callable[[ComposeSetup], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The user's mailboxes and templates, in one go."""

        async def work() -> ComposeSetup:
            mailboxes, templates = await asyncio.gather(
                self._mailboxes.mailboxes(), self._templates.templates()
            )
            return ComposeSetup(mailboxes, templates)

        return self.ops.run(work(), on_success=done, on_failure=failed, name="compose-setup")

    def find_contacts(
        self, text: str, done: Callable[[list[ContactMatch]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Contacts with an address whose name or address holds ``text``."""

        async def work() -> list[ContactMatch]:
            hits = await self._search.search(text)
            found = []
            for hit in hits:
                address = (hit.subtitle or "").strip()
                if hit.type != "contact" or "@" not in address:
                    continue
                where = f" · {hit.account_name}" if hit.account_name else ""
                label = f"{hit.title} <{address}>{where}"
                found.append(ContactMatch(label, Recipient(email=address, name=hit.title)))
            return found[:CONTACT_MATCHES]

        return self.ops.run(work(), on_success=done, on_failure=failed, name="find-contacts")

    def preview(
        self, draft: Draft, done: Callable[[list[RecipientPreview]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The draft as each recipient would get it."""
        return self.ops.run(
            self._emails.preview(draft), on_success=done, on_failure=failed, name="preview-email"
        )

    def upload(
        self, path: Path, done: Callable[[Attachment], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Read a file (off the UI thread) and upload it for the message being written.

        A file over :data:`~app.api.emails.MAX_ATTACHMENT_BYTES` fails at once, naming
        its size, without being read.
        """

        async def work() -> Attachment:
            size = await asyncio.to_thread(lambda: path.stat().st_size)
            if size > MAX_ATTACHMENT_BYTES:
                raise FileTooLarge(
                    f"{path.name} is too large to attach.",
                    f"It is {size / 1048576:.1f} MB; a file may be at most "
                    f"{MAX_ATTACHMENT_BYTES // 1048576} MB.",
                    code="file_too_large",
                )
            data = await asyncio.to_thread(path.read_bytes)
            kind = mimetypes.guess_type(path.name)[0] or ""
            return await self._emails.upload(path.name, data, kind)

        return self.ops.run(work(), on_success=done, on_failure=failed, name="upload")

    def send(
        self, draft: Draft, done: Callable[[Email], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Queue the message (202: saved; the send worker sends it once)."""
        return self.ops.run(
            self._emails.send(draft), on_success=done, on_failure=failed, name="send-email"
        )

    def merge_fields(
        self, done: Callable[[dict[str, list[str]]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The merge fields templates may use, by kind (``contact.first_name`` …)."""

        async def work() -> dict[str, list[str]]:
            return (await self._templates.fields()).by_kind()

        return self.ops.run(work(), on_success=done, on_failure=failed, name="merge-fields")

"""What the compose window holds, without widgets: the recipients as typed, the files
attached against the mailbox's limit, and the draft sent or previewed.

A template fills the subject and body with its own text (merge fields and all); while
the user leaves a part as the template wrote it, the draft leaves that part out so the
server takes the template's (its HTML body too). A part the user edits is sent as
typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses

from app.api.emails import MAX_RECIPIENTS, Attachment, Draft, Recipient
from app.api.mailboxes import Mailbox
from app.api.templates import Template
from app.features.mailboxes.model import size_text

_EMAIL = re.compile(
    r"^[^@\s<>,;]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*\.[A-Za-z]+$"
)

FIELD_NAMES = {
    "mailbox_id": "mailbox",
    "to": "to",
    "cc": "cc",
    "bcc": "cc",
    "subject": "subject",
    "body_text": "body",
    "body_html": "body",
    "template_id": "template",
    "contact_id": "to",
    "attachment_ids": "attachments",
    "send_at": "send_at",
}
"""Which part of the window a server's field error belongs beside (``to.2`` is ``to``)."""


def split_addresses(text: str) -> list[str]:
    """The entries of a recipient field, split at commas and semicolons outside quotes
    and angle brackets; blanks dropped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angled = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        if char in ",;" and not quoted and not angled:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_recipients(text: str) -> tuple[list[Recipient], list[str]]:
    """The recipients a field names ("Ada Lovelace <ada@example.org>, bob@example.com"),
    and what it holds that is not an address (each entry as typed)."""
    found: list[Recipient] = []
    bad: list[str] = []
    seen: set[str] = set()
    for entry in split_addresses(text):
        pairs = getaddresses([entry])
        name, address = pairs[0] if len(pairs) == 1 else ("", "")
        address = address.strip()
        if not _EMAIL.match(address) or ("<" in entry) != (">" in entry):
            bad.append(entry)
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        found.append(Recipient(email=address, name=name.strip()))
    return found, bad


def recipient_text(recipient: Recipient) -> str:
    """How a recipient is written in the field: "Ada Lovelace <ada@example.org>"."""
    if not recipient.name:
        return recipient.email
    name = recipient.name
    if any(char in name for char in ',;<>"@'):
        name = '"' + name.replace('"', "") + '"'
    return f"{name} <{recipient.email}>"


def recipients_problem(text: str, *, required: bool = True) -> str:
    """What is wrong with a recipient field as typed (``""``: nothing)."""
    found, bad = parse_recipients(text)
    if bad:
        shown = ", ".join(f"“{entry}”" for entry in bad[:3])
        return f"Not an email address: {shown}." if len(bad) == 1 else f"Not addresses: {shown}."
    if required and not found:
        return "Enter at least one recipient."
    return ""


def field_of(server_field: str) -> str:
    """The part of the window a server's field name belongs to (``to.3`` → ``to``)."""
    head = server_field.removeprefix("body.").split(".", 1)[0]
    return FIELD_NAMES.get(head, "")


@dataclass
class ComposeState:
    """The message being written.

    Attributes:
        mailbox: The mailbox it goes from.
        to_text: The To field as typed.
        cc_text: The Cc field as typed.
        subject: The subject as shown.
        body: The plain body as shown.
        template: The template chosen, if any.
        subject_edited: Whether the subject differs from the template's.
        body_edited: Whether the body differs from the template's.
        contact_id: The contact the message is to (the window was opened from them).
        contact_email: Their address: the contact counts while it is the first
            recipient (else the server finds each address's contact itself).
        attachments: The files uploaded for it, in order.
        send_at: When to send (aware); ``None``: now.
    """

    mailbox: Mailbox | None = None
    to_text: str = ""
    cc_text: str = ""
    subject: str = ""
    body: str = ""
    template: Template | None = None
    subject_edited: bool = False
    body_edited: bool = False
    contact_id: str | None = None
    contact_email: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    send_at: datetime | None = None

    def choose_template(self, template: Template | None) -> None:
        """Start from ``template`` (its subject and body replace what was typed), or
        from none (what is shown stays, as the user's own)."""
        self.template = template
        if template is None:
            self.subject_edited = self.body_edited = True
            return
        self.subject = template.subject
        self.body = template.body_text or ""
        self.subject_edited = self.body_edited = False

    def type_subject(self, text: str) -> None:
        """The user typed in the subject."""
        self.subject = text
        self.subject_edited = self.template is None or text != self.template.subject

    def type_body(self, text: str) -> None:
        """The user typed in the body."""
        self.body = text
        self.body_edited = self.template is None or text != (self.template.body_text or "")

    @property
    def html_from_template(self) -> bool:
        """Whether the message goes with the template's HTML body (left as it was)."""
        return self.template is not None and bool(self.template.body_html) and not self.body_edited

    def first_contact_id(self) -> str | None:
        """The contact the window was opened for, while their address comes first."""
        to = self.recipients()
        if self.contact_id is None or not to:
            return None
        return self.contact_id if to[0].email.lower() == self.contact_email.lower() else None

    def recipients(self) -> list[Recipient]:
        """The To recipients that are addresses."""
        return parse_recipients(self.to_text)[0]

    def recipient_count(self) -> int:
        """How many it goes to (To and Cc)."""
        return len(self.recipients()) + len(parse_recipients(self.cc_text)[0])

    def attached_bytes(self) -> int:
        """The files' sizes together."""
        return sum(a.size for a in self.attachments)

    def limit_bytes(self) -> int:
        """The largest message the mailbox takes."""
        return self.mailbox.max_message_bytes if self.mailbox is not None else 25 * 1024 * 1024

    def attachments_text(self) -> str:
        """ "2 files, 3.4 MB of 25 MB" (``""`` without files)."""
        count = len(self.attachments)
        if not count:
            return ""
        files = f"{count} file{'s' if count != 1 else ''}"
        return f"{files}, {size_text(self.attached_bytes())} of {size_text(self.limit_bytes())}"

    def problems(self) -> dict[str, str]:
        """What must be fixed before it can go, by part (``to``, ``subject`` …)."""
        found: dict[str, str] = {}
        if self.mailbox is None:
            found["mailbox"] = "Connect a mailbox in Settings > Mailboxes to send from."
        elif not self.mailbox.connected:
            found["mailbox"] = f"{self.mailbox.email} needs reconnecting before it sends."
        to = recipients_problem(self.to_text)
        cc = recipients_problem(self.cc_text, required=False)
        if to:
            found["to"] = to
        if cc:
            found["cc"] = cc
        if not to and not cc and self.recipient_count() > MAX_RECIPIENTS:
            found["to"] = f"A message goes to at most {MAX_RECIPIENTS} recipients."
        if not self.subject.strip():
            found["subject"] = "Enter a subject."
        if not self.body.strip() and not self.html_from_template:
            found["body"] = "Write the message (or pick a template)."
        # Headers and encoding add a third to the files' size on the wire.
        if self.attached_bytes() * 4 // 3 > self.limit_bytes():
            found["attachments"] = (
                f"The files are too large for this mailbox: it sends messages of at most "
                f"{size_text(self.limit_bytes())}."
            )
        return found

    def draft(self) -> Draft:
        """The message as the server takes it (a part left as the template wrote it is
        left out, so the server takes the template's)."""
        template = self.template
        subject = self.subject if template is None or self.subject_edited else None
        body = self.body if template is None or self.body_edited else None
        return Draft(
            mailbox_id=self.mailbox.id if self.mailbox is not None else None,
            to=self.recipients(),
            cc=parse_recipients(self.cc_text)[0],
            subject=subject,
            body_text=body,
            template_id=template.id if template is not None else None,
            contact_id=self.first_contact_id(),
            send_at=self.send_at,
            attachment_ids=[a.id for a in self.attachments],
        )

"""The RFC 5322 message we hand to every provider: the same bytes on each attempt's
headers that matter (our ``Message-ID``, ``Date``, threading), so a copy found in a
Sent folder is the message we meant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime


@dataclass(frozen=True)
class Party:
    email: str
    name: str = ""

    def header(self) -> str:
        username, _, domain = self.email.rpartition("@")
        return str(Address(display_name=one_line(self.name), username=username, domain=domain))


def one_line(text: str) -> str:
    """``text`` fit for a header: its whitespace (line breaks too) as single spaces,
    other control characters dropped (the API refuses them; this keeps a header whole
    whatever was stored)."""
    return "".join(c for c in " ".join(text.split()) if c >= " " and c != "\x7f")


@dataclass(frozen=True)
class FileAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """A message ready to leave: everything a transport needs, nothing it must look up."""

    message_id: str
    sender: Party
    to: tuple[Party, ...]
    subject: str
    body_text: str
    date: datetime
    cc: tuple[Party, ...] = ()
    bcc: tuple[Party, ...] = ()
    body_html: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    thread_id: str | None = None
    """The provider's thread (Gmail ``threadId``) when replying in one."""
    attachments: tuple[FileAttachment, ...] = field(default=())

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every envelope recipient (To, Cc and Bcc)."""
        return tuple(p.email for p in (*self.to, *self.cc, *self.bcc))

    def mime(self, *, with_bcc: bool) -> bytes:
        """The message as bytes (CRLF line ends). ``with_bcc``: keep the Bcc header,
        which the Gmail API and Graph read and strip; never over SMTP, where the Bcc
        recipients travel in the envelope only."""
        msg = EmailMessage(policy=SMTP)
        msg["Message-ID"] = self.message_id
        msg["Date"] = format_datetime(self.date)
        msg["From"] = self.sender.header()
        msg["To"] = ", ".join(p.header() for p in self.to)
        if self.cc:
            msg["Cc"] = ", ".join(p.header() for p in self.cc)
        if self.bcc and with_bcc:
            msg["Bcc"] = ", ".join(p.header() for p in self.bcc)
        msg["Subject"] = self.subject
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
        if self.references:
            msg["References"] = " ".join(self.references)
        msg.set_content(self.body_text)
        if self.body_html:
            msg.add_alternative(self.body_html, subtype="html")
        for item in self.attachments:
            maintype, _, subtype = item.content_type.partition("/")
            msg.add_attachment(
                item.data,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=one_line(item.filename) or "attachment",
            )
        return msg.as_bytes()


def new_message_id(sender_email: str) -> str:
    """A globally unique ``Message-ID`` in the sender's domain (RFC 5322 §3.6.4)."""
    domain = sender_email.rpartition("@")[2] or "salesos.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"

"""A mailbox's password or OAuth tokens, sealed in its row (:mod:`backend.kit.secrets`)."""

from __future__ import annotations

from backend.email.models import Mailbox
from backend.email.providers.base import Credentials
from backend.kit.secrets import Sealed, SecretBox

CONTEXT = "email.mailbox"


class MailboxSecrets:
    def __init__(self, box: SecretBox) -> None:
        self.box = box

    def seal(self, mailbox: Mailbox, creds: Credentials) -> None:
        sealed = self.box.seal(creds.as_secret(), context=CONTEXT, row=str(mailbox.id))
        mailbox.secret_key_id, mailbox.secret = sealed.key_id, sealed.ciphertext

    def open(self, mailbox: Mailbox) -> Credentials:
        """Raises :class:`backend.kit.secrets.SecretUnreadable` (key gone, row altered)."""
        sealed = Sealed(mailbox.secret_key_id, mailbox.secret)
        return Credentials.from_secret(self.box.open(sealed, context=CONTEXT, row=str(mailbox.id)))

    def is_current(self, mailbox: Mailbox) -> bool:
        return mailbox.secret_key_id == self.box.key_id

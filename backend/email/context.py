"""The email context: mailboxes (Gmail, Outlook, SMTP/IMAP), templates with merge
fields, and messages sent exactly once through the send ledger."""

from __future__ import annotations

from backend.context import BoundedContext, Worker
from backend.email import models
from backend.email.api import router
from backend.email.deps import EmailState
from backend.email.sending.worker import send_due
from backend.messaging import topics

CONTEXT = BoundedContext(
    name="email",
    port=3003,
    router=router,
    paths=("mailboxes", "email-templates", "emails", "email-attachments"),
    models=(models,),
    upload_paths=("email-attachments",),
    peers=("auth", "crm"),
    live_topics=(topics.EMAIL_MESSAGES, topics.EMAIL_MAILBOXES),
    state=EmailState,
    workers=(Worker("email", send_due),),
)

"""The email service's routes: mailboxes, templates, messages."""

from __future__ import annotations

from fastapi import APIRouter

from backend.email.mailboxes.api import router as mailboxes
from backend.email.messages.api import router as messages
from backend.email.templates.api import router as templates

router = APIRouter()
router.include_router(mailboxes)
router.include_router(templates)
router.include_router(messages)

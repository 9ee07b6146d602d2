"""The CRM context: accounts, contacts, opportunities, pipelines, custom fields, saved
views, search, CSV import and export, duplicates and merge."""

from __future__ import annotations

from backend.context import BoundedContext, Worker
from backend.crm import models
from backend.crm.api import router
from backend.crm.deps import CrmState
from backend.crm.imports.recovery import recover_imports
from backend.messaging import topics

CONTEXT = BoundedContext(
    name="crm",
    port=3002,
    router=router,
    paths=(
        "accounts", "contacts", "opportunities", "pipelines", "custom-fields", "views",
        "search", "imports", "exports",
    ),
    models=(models,),
    upload_paths=("imports",),
    peers=("auth",),
    live_topics=(topics.CRM_ACCOUNTS, topics.CRM_CONTACTS, topics.CRM_OPPORTUNITIES),
    state=CrmState,
    workers=(Worker("imports", recover_imports),),
)  # fmt: skip

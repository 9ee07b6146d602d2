"""Routes of the CRM service, one router per concern (behind the gateway at
``/api/v1/accounts`` and friends).

Duplicates and merge come before the records' routes: ``/accounts/duplicates`` must
not be read as ``/accounts/{record_id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.crm.fields.api import router as fields
from backend.crm.imports.api import router as imports
from backend.crm.merge.api import router as merge
from backend.crm.pipelines.api import router as pipelines
from backend.crm.records.api import router as records
from backend.crm.search.api import router as search

router = APIRouter()
for part in (merge, records, pipelines, fields, search, imports):
    router.include_router(part)

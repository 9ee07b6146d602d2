"""All SQL of merge audits."""

from __future__ import annotations

from backend.crm.models import Merge
from backend.kit.repository import TenantRepositoryBase


class MergeRepository(TenantRepositoryBase[Merge]):
    model = Merge

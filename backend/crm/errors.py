"""Errors of the CRM context."""

from __future__ import annotations

from backend.kit.errors import ErrorDetail, PreconditionFailed


class StaleWrite(PreconditionFailed):
    """``If-Match`` named a version that is no longer current."""

    code = "stale_write"

    def __init__(self, current_etag: str) -> None:
        super().__init__(
            "Someone changed this record since you loaded it; reload it and try again.",
            details=[
                ErrorDetail(field="header.if-match", message=f"current version is {current_etag}")
            ],
            headers={"ETag": current_etag},
        )

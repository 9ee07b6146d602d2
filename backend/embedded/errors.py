"""Why an embedded server could not start, in words a person can act on."""

from __future__ import annotations


class InfrastructureError(Exception):
    """An embedded server (database or broker) could not be started or reached.

    Attributes:
        component: ``"database"`` or ``"broker"``.
        cause: What went wrong, e.g. "the data folder /x is not writable".
        remedy: What to do about it.
    """

    def __init__(self, component: str, cause: str, remedy: str) -> None:
        super().__init__(f"{component}: {cause}. {remedy}")
        self.component = component
        self.cause = cause
        self.remedy = remedy

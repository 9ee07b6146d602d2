"""What the gateway answers, as typed, read-only models.

The client reads leniently (unknown fields are ignored, unknown status words are
kept as they are) so an older desktop keeps working against a newer server.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ComponentHealth(BaseModel):
    """Health of one part of the backend (the database, the broker or a service).

    Attributes:
        status: ``"ok"`` when it works; anything else (``"down"``, ...) when not.
        detail: What the server said about it, e.g. the Postgres version or the error.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether this part works."""
        return self.status == "ok"


class Health(BaseModel):
    """``GET /health`` of the gateway: the whole backend at a glance.

    Attributes:
        status: ``"ok"`` or ``"degraded"``.
        mode: ``"solo"`` (in this process) or ``"team"`` (a server).
        version: The backend's version.
        database: The Postgres the backend uses.
        broker: The Kafka-protocol broker.
        services: Each bounded-context service by name (``auth``, ``crm``, ...).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    mode: str = ""
    version: str = ""
    database: ComponentHealth
    broker: ComponentHealth
    services: dict[str, ComponentHealth] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the server says everything works and every part agrees."""
        return self.status == "ok" and not self.problems()

    def problems(self) -> list[str]:
        """Names of the parts that are not ok: ``database``, ``broker``, then services."""
        parts = {"database": self.database, "broker": self.broker}
        parts.update(sorted(self.services.items()))
        return [name for name, part in parts.items() if not part.ok]

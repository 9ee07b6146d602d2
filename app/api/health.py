"""The health of the whole backend (``GET /health`` of the gateway, no sign-in needed)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.api.client import GatewayClient, api_error, first_problem
from app.api.errors import UnexpectedResponseError


class ComponentHealth(BaseModel):
    """Health of one part of the backend (the database, the broker or a service).

    Attributes:
        status: ``"ok"`` when it works; anything else (``"down"``, ...) when not.
        detail: What the server said about it, e.g. the Postgres version or the error.
        offers: For a service, the paths under ``/api/v1`` it serves (``accounts``):
            none means it answers but does nothing yet.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: str
    detail: str = ""
    offers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether this part works."""
        return self.status == "ok"


class Health(BaseModel):
    """The whole backend at a glance.

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

    def restarting(self) -> list[str]:
        """Names of the embedded servers being restarted (they stopped; the app's
        supervisor is starting them again)."""
        parts = {"database": self.database, "broker": self.broker}
        return [name for name, part in parts.items() if part.status == "restarting"]


class HealthApi:
    """Asks the gateway how the backend is.

    Args:
        client: The client of the server (signed in or not).
    """

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    async def health(self) -> Health:
        """The health of the whole backend.

        A degraded backend answers 503 with the same body as a healthy one, so
        both come back as a :class:`Health`; only a missing or unreadable answer
        raises.

        Returns:
            The database, broker and per-service health.

        Raises:
            httpx.TransportError: The server cannot be reached or did not answer in time.
            ApiError: Any other error status.
            UnexpectedResponseError: The answer is not a health report.
        """
        response = await self._client.public("GET", "/health")
        if response.status_code in (200, 503):
            try:
                return Health.model_validate_json(response.content)
            except ValidationError as exc:
                if response.status_code == 200:
                    raise UnexpectedResponseError(
                        str(response.url), response.status_code, first_problem(exc)
                    ) from exc
        raise api_error(response)

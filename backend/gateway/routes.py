"""The gateway's route table: ``/api/v1/<resource>/...`` to the service that owns it.

The table is built from the contexts' descriptors (each names the paths it owns and
its public routes); the gateway itself knows no context. The path is rewritten by
dropping ``/api/v1`` (``/api/v1/accounts/7`` reaches crm as ``/accounts/7``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class ServiceRoutes:
    """What one service serves behind the gateway.

    Attributes:
        paths: First path segments after ``/api/v1`` (``accounts``).
        public: ``(method, path)`` routes that need no access token.
        public_prefixes: Path prefixes that need none.
    """

    service: str
    paths: tuple[str, ...]
    public: frozenset[tuple[str, str]] = frozenset()
    public_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteTable:
    """Which service owns which path, and which routes are public."""

    owners: dict[str, str] = field(default_factory=dict)
    public_exact: frozenset[tuple[str, str]] = frozenset()
    public_prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, services: Iterable[ServiceRoutes]) -> RouteTable:
        owners: dict[str, str] = {}
        exact: set[tuple[str, str]] = set()
        prefixes: list[str] = []
        for s in services:
            owners.update({path: s.service for path in s.paths})
            exact |= s.public
            prefixes += s.public_prefixes
        return cls(owners, frozenset(exact), tuple(prefixes))

    @property
    def services(self) -> frozenset[str]:
        return frozenset(self.owners.values())

    def resolve(self, path: str) -> tuple[str, str] | None:
        """``/api/v1/accounts/7`` -> ``("crm", "/accounts/7")``; ``None`` if not routed."""
        if not path.startswith(API_PREFIX + "/"):
            return None
        inner = path[len(API_PREFIX) :]
        service = self.owners.get(inner.split("/", 2)[1])
        return (service, inner) if service else None

    def is_public(self, method: str, inner_path: str) -> bool:
        if (method, inner_path.rstrip("/") or "/") in self.public_exact:
            return True
        return bool(self.public_prefixes) and inner_path.startswith(self.public_prefixes)

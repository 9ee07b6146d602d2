"""How a bounded context declares itself to the platform: once, in its ``context.py``.

Every context package (``backend/crm``, ``backend/auth``, …) has a ``context.py``
holding one :class:`BoundedContext` named ``CONTEXT``. Everything that has to know
the contexts reads these descriptors (:mod:`backend.registry` finds them): the server
builds each service app from its router and state, the gateway routes its paths, the
metadata import loads its models, the consumer runner runs its handlers, the live
feed reads its live topics, and ``salesos worker`` runs its workers. Nothing keeps a
second list of them.

``docs/adding-a-context.md`` is the recipe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
from fastapi import APIRouter

from backend.kit.resources import Resources
from backend.kit.settings import Settings
from backend.messaging.consumers import Handler
from backend.messaging.topics import Topic


@dataclass(frozen=True)
class ContextEnv:
    """What a context's per-process state is built from.

    Attributes:
        peers: Clients of the services it calls (its ``peers``), in-process or remote.
    """

    settings: Settings
    resources: Resources
    peers: Mapping[str, httpx.AsyncClient]


class ContextState:
    """Per-process state of a context (built when its app is built, closed with it).

    Subclass it with typed attributes; routes read it with
    :func:`backend.kit.http.state_of` through a dependency of the context's ``deps.py``.
    """

    async def aclose(self) -> None:
        """Release what the state holds (tasks, clients). Nothing by default."""


@dataclass(frozen=True)
class Worker:
    """A background job of a context.

    It runs in-process in solo mode and ``salesos serve --all``, and alone as
    ``salesos worker <name>``.

    Attributes:
        run: Works until the event is set; must survive the database and the broker
            going away (wait and go on).
    """

    name: str
    run: Callable[[Resources, asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class BoundedContext:
    """One bounded context: what it serves, owns, consumes and offers.

    Attributes:
        name: The package, the Postgres schema and the service name (``crm``).
        port: Its team-mode port (``salesos serve --service NAME``).
        router: Its routes (the paths under ``/api/v1`` with that prefix dropped).
        paths: The first path segments under ``/api/v1`` it owns (``accounts``); the
            gateway sends those to it.
        models: The modules declaring its tables (for ``Base.metadata``).
        public: ``(method, path)`` routes that need no access token (``POST /auth/login``).
        public_prefixes: Path prefixes that need none (tracking pixels, booking pages).
        upload_paths: Paths whose requests may carry files up to
            ``SALESOS_MAX_UPLOAD_BYTES`` (others are held to ``SALESOS_MAX_BODY_BYTES``).
        peers: The services it calls over HTTP through typed clients.
        handlers: Its consumer groups (from its ``handlers.py``).
        live_topics: Topics of its events a desktop shows and follows live.
        state: Builds its per-process state (``None``: it has none).
        workers: Its background jobs.
    """

    name: str
    port: int
    router: APIRouter
    paths: tuple[str, ...]
    models: tuple[ModuleType, ...] = ()
    public: frozenset[tuple[str, str]] = frozenset()
    public_prefixes: tuple[str, ...] = ()
    upload_paths: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    handlers: tuple[Handler, ...] = ()
    live_topics: tuple[Topic, ...] = ()
    state: Callable[[ContextEnv], ContextState] | None = None
    workers: tuple[Worker, ...] = field(default=())

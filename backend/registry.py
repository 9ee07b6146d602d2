"""The contexts of this backend: every ``backend/<name>/context.py`` that declares one.

A context is found, not listed: adding ``backend/<name>/context.py`` with a
``CONTEXT = BoundedContext(...)`` is what makes the server serve it, the gateway route
to it, migrations see its tables and the runner consume with its handlers.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil

import backend
from backend.context import BoundedContext
from backend.messaging.consumers import Handler
from backend.messaging.topics import Topic


@functools.cache
def contexts() -> tuple[BoundedContext, ...]:
    """Every declared context, each after the contexts it calls (its peers).

    Raises:
        RuntimeError: a ``context.py`` without a ``CONTEXT`` of its own name, two
            contexts claiming one path, or a peer that is not a context.
    """
    found: dict[str, BoundedContext] = {}
    for info in sorted(pkgutil.iter_modules(backend.__path__), key=lambda i: i.name):
        if not info.ispkg or importlib.util.find_spec(f"backend.{info.name}.context") is None:
            continue
        module = importlib.import_module(f"backend.{info.name}.context")
        context = getattr(module, "CONTEXT", None)
        if not isinstance(context, BoundedContext) or context.name != info.name:
            raise RuntimeError(
                f"backend/{info.name}/context.py must define CONTEXT = BoundedContext("
                f"name={info.name!r}, ...)"
            )
        found[context.name] = context
    owners: dict[str, str] = {}
    for context in found.values():
        for path in context.paths:
            if path in owners:
                raise RuntimeError(
                    f"/api/v1/{path} is claimed by {owners[path]} and {context.name}"
                )
            owners[path] = context.name
        for peer in context.peers:
            if peer not in found:
                raise RuntimeError(f"{context.name} calls {peer}, which is not a context")
    ordered: list[BoundedContext] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in chain:
            raise RuntimeError(f"contexts call each other in a circle: {' -> '.join(chain)}")
        if any(c.name == name for c in ordered):
            return
        for peer in found[name].peers:
            visit(peer, (*chain, name))
        ordered.append(found[name])

    for name in found:
        visit(name, ())
    return tuple(ordered)


def context(name: str) -> BoundedContext:
    """The context called ``name``.

    Raises:
        KeyError: no such context.
    """
    for candidate in contexts():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def names() -> tuple[str, ...]:
    return tuple(c.name for c in contexts())


def handlers() -> tuple[Handler, ...]:
    """Every context's consumer groups."""
    return tuple(h for c in contexts() for h in c.handlers)


def live_topics() -> tuple[Topic, ...]:
    """Every topic a desktop follows live."""
    return tuple(t for c in contexts() for t in c.live_topics)


def import_all_models() -> None:
    """Load every table into ``Base.metadata`` (the events schema's and each context's)."""
    importlib.import_module("backend.messaging.models")
    for declared in contexts():
        for module in declared.models:
            importlib.import_module(module.__name__)

"""Imports every context's SQLAlchemy models so ``Base.metadata`` knows all tables."""

from __future__ import annotations

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "backend.messaging.models",
    "backend.auth.models",
    "backend.crm.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)

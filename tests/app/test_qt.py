"""Qt comes in through ``app.qt`` in three modules, and what has no widgets loads no QtWidgets."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import app

QT = Path(app.__file__).parent / "qt"

NO_WIDGETS = (
    "app.api.client",
    "app.features.live.model",
    "app.features.pipeline.model",
    "app.features.records.model",
    "app.features.contacts.model",
    "app.features.status.monitor",
    "app.money",
    "app.ops",
)
"""Modules that must work without QtWidgets (the import-linter contract says the same
of the imports; this proves it of what is really loaded)."""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


class TestTheImportPoint:
    def test_each_module_imports_its_own_qt_module_only(self) -> None:
        assert imported_modules(QT / "core.py") == {"PySide6.QtCore"}
        assert imported_modules(QT / "gui.py") == {"PySide6.QtGui"}
        assert imported_modules(QT / "widgets.py") == {"PySide6.QtWidgets"}
        assert imported_modules(QT / "__init__.py") == set()

    def test_code_without_widgets_does_not_load_qtwidgets(self) -> None:
        script = (
            "import sys\n"
            + "".join(f"import {name}\n" for name in NO_WIDGETS)
            + "print(sorted(m for m in sys.modules if m.startswith('PySide6.')))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        loaded = out.stdout.strip()
        assert "PySide6.QtCore" in loaded  # the check sees Qt at all
        assert "PySide6.QtWidgets" not in loaded

"""The look of the app: the stylesheet and the SVG icons under ``resources/``."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from app.qt.core import QDir
from app.qt.gui import QIcon, QPixmap
from app.qt.widgets import QApplication

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
"""``resources/`` next to the ``app`` package (the source tree, or a bundle's root)."""


def resource_path(*parts: str) -> Path:
    """A path under ``resources/``, e.g. ``resource_path("icons", "logo.svg")``."""
    return RESOURCES.joinpath(*parts)


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if it is missing)."""
    path = resource_path("icons", f"{name}.svg")
    if not path.is_file():
        log.warning("icon %s not found at %s", name, path)
        return QIcon()
    return QIcon(str(path))


def pixmap(name: str, size: int) -> QPixmap:
    """An icon rendered at ``size`` logical pixels, sharp on high-DPI screens."""
    return icon(name).pixmap(size, size)


def stylesheet() -> str:
    """The application stylesheet: ``app.qss``, then each feature's ``<name>.qss``
    in name order (empty if none is readable, so the app still runs)."""
    folder = resource_path("styles")
    paths = [folder / "app.qss", *sorted(p for p in folder.glob("*.qss") if p.name != "app.qss")]
    parts = []
    for path in paths:
        try:
            parts.append(path.read_text(encoding="utf-8"))
        except OSError as exc:
            log.warning("stylesheet %s not readable: %s", path, exc)
    return "\n".join(parts)


def apply_theme(app: QApplication) -> None:
    """Give the application its name, window icon and stylesheet."""
    app.setApplicationName("SalesOS")
    app.setApplicationDisplayName("SalesOS")
    app.setOrganizationName("SalesOS")
    app.setWindowIcon(icon("logo"))
    app.setStyle("Fusion")  # the same metrics everywhere; the stylesheet does the rest
    # The stylesheet names its images as url(icons:name.svg).
    QDir.setSearchPaths("icons", [str(resource_path("icons"))])
    app.setStyleSheet(stylesheet())

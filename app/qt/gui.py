"""QtGui: what is drawn and typed — colours, fonts, icons, painting, events, actions.

No widgets here either: ``QAction`` and ``QShortcut`` belong to QtGui in Qt 6.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QAction,
    QBrush,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)

__all__ = [
    "QAction",
    "QBrush",
    "QCloseEvent",
    "QColor",
    "QDesktopServices",
    "QDrag",
    "QDragEnterEvent",
    "QDragLeaveEvent",
    "QDragMoveEvent",
    "QDropEvent",
    "QFocusEvent",
    "QFont",
    "QFontMetrics",
    "QGuiApplication",
    "QHideEvent",
    "QIcon",
    "QKeyEvent",
    "QKeySequence",
    "QMouseEvent",
    "QPaintEvent",
    "QPainter",
    "QPen",
    "QPixmap",
    "QResizeEvent",
    "QShortcut",
    "QShowEvent",
]

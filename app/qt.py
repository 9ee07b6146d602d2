"""The one import point for Qt.

Every other module of ``app`` imports Qt names from here, never from PySide6
(an import-linter contract enforces it). Keeping the binding in one place means a
later move to another binding or version touches one file, and lets us see at a
glance which parts of Qt the client uses.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QIcon,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractItemView",
    "QAbstractTableModel",
    "QApplication",
    "QCloseEvent",
    "QColor",
    "QDesktopServices",
    "QEvent",
    "QFrame",
    "QHBoxLayout",
    "QHeaderView",
    "QIcon",
    "QLabel",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QModelIndex",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPen",
    "QPersistentModelIndex",
    "QPixmap",
    "QPointF",
    "QProgressBar",
    "QPushButton",
    "QRectF",
    "QResizeEvent",
    "QScrollArea",
    "QSize",
    "QSizePolicy",
    "QStackedWidget",
    "QTableView",
    "QTimer",
    "QUrl",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "Signal",
    "Slot",
]

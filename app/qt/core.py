"""QtCore: objects, signals, item models, timers, settings, locale — no pixels.

Item models (``features/*/model.py``), background operations and the API's
neighbours import from here only, so they are proven free of widgets (an
import-linter contract checks it).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QDate,
    QDateTime,
    QDir,
    QElapsedTimer,
    QEvent,
    QItemSelectionModel,
    QLocale,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSettings,
    QSize,
    QSortFilterProxyModel,
    QStandardPaths,
    QStringListModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)

__all__ = [
    "QAbstractListModel",
    "QAbstractTableModel",
    "QByteArray",
    "QDate",
    "QDateTime",
    "QDir",
    "QElapsedTimer",
    "QEvent",
    "QItemSelectionModel",
    "QLocale",
    "QMimeData",
    "QModelIndex",
    "QObject",
    "QPersistentModelIndex",
    "QPoint",
    "QPointF",
    "QRect",
    "QRectF",
    "QSettings",
    "QSize",
    "QSortFilterProxyModel",
    "QStandardPaths",
    "QStringListModel",
    "QTimer",
    "QUrl",
    "Qt",
    "Signal",
    "Slot",
]

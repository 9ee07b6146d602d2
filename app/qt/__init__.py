"""The one import point for Qt, in three modules: :mod:`app.qt.core`, :mod:`app.qt.gui`
and :mod:`app.qt.widgets`.

Every other module of ``app`` imports Qt names from these, never from PySide6 (an
import-linter contract enforces it). Keeping the binding in one place means a
later move to another binding or version touches one folder; splitting it by Qt
module lets the contracts prove that item models and other non-widget code never
reach QtWidgets. This package itself imports nothing: ``import app.qt.core`` loads
QtCore alone.
"""

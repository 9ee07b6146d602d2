"""Table views set up the way the app shows short lists."""

from __future__ import annotations

from app.qt.core import Qt
from app.qt.widgets import QAbstractItemView, QTableView, QWidget


def list_table(parent: QWidget, object_name: str = "dataTable") -> QTableView:
    """A read-only table: whole-row selection, no grid, no row numbers, no word wrap."""
    table = QTableView(parent)
    table.setObjectName(object_name)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setAlternatingRowColors(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setDefaultSectionSize(40)
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    return table


def fit_to_rows(table: QTableView, minimum_rows: int = 1) -> None:
    """Make ``table`` exactly as tall as its rows (for short lists in a scrolling page)."""
    model = table.model()
    rows = max(model.rowCount() if model is not None else 0, minimum_rows)
    height = (
        table.horizontalHeader().sizeHint().height()
        + rows * table.verticalHeader().defaultSectionSize()
        + 2 * table.frameWidth()
    )
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setFixedHeight(height)

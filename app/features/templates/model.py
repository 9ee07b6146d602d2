"""The templates as an item model, and how the server's objection to one is read (no
widgets here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from app.api.templates import Template
from app.qt.core import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

PARTS = ("name", "subject", "body_text", "body_html")
"""A template's parts, as the server names them in its objections."""

_LINE = re.compile(r"\bline (\d+)\b", re.IGNORECASE)


def line_of(problem: str) -> int | None:
    """The line an objection names ("Line 2: contact.frist_name is not …" → 2)."""
    found = _LINE.search(problem)
    return int(found.group(1)) if found else None


def part_of(server_field: str) -> str:
    """The part a server's field name is about (``body.body_text`` → ``body_text``;
    ``""`` for none of them)."""
    head = server_field.removeprefix("body.").split(".", 1)[0]
    return head if head in PARTS else ""


class TemplatesModel(QAbstractListModel):
    """The user's templates and the company's shared ones, by name.

    Args:
        parent: The parent object.
    """

    IdRole = Qt.ItemDataRole.UserRole + 1
    SharedRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Template] = []

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def set_templates(self, templates: Sequence[Template]) -> None:
        """Show a fresh list."""
        self.beginResetModel()
        self._rows = sorted(templates, key=lambda t: t.name.casefold())
        self.endResetModel()

    def templates(self) -> list[Template]:
        """Every template shown, by name."""
        return list(self._rows)

    def template_at(self, row: int) -> Template:
        """The template of ``row``."""
        return self._rows[row]

    def row_of(self, template_id: str) -> int | None:
        """The row of ``template_id``, if shown."""
        return next((row for row, t in enumerate(self._rows) if t.id == template_id), None)

    def put(self, template: Template) -> int:
        """Show ``template`` (new, or changed: it may move, the list is by name); returns
        its row."""
        row = self.row_of(template.id)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        key = template.name.casefold()
        new = next(
            (i for i, t in enumerate(self._rows) if t.name.casefold() > key), len(self._rows)
        )
        self.beginInsertRows(QModelIndex(), new, new)
        self._rows.insert(new, template)
        self.endInsertRows()
        return new

    def remove(self, template_id: str) -> None:
        """Take a template off the list."""
        row = self.row_of(template_id)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        template = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{template.name}  ·  shared" if template.shared else template.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return template.subject
        if role == self.IdRole:
            return template.id
        if role == self.SharedRole:
            return template.shared
        return None

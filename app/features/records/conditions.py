"""The filter editor of a list: conditions on any of its fields, its owner and the
company's custom fields ("Employees is at least 250", "Owner is me", "Tier is Gold"),
as the server's ``field:op:value`` filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.features.records.model import BOOL, CHOICE, DATE, MULTI, NUMBER, OWNER, TEXT
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import MessageBanner

OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {
    TEXT: (
        ("contains", "contains"),
        ("eq", "is"),
        ("ne", "is not"),
        ("starts", "starts with"),
        ("empty", "is empty"),
        ("notempty", "is not empty"),
    ),
    NUMBER: (
        ("gte", "is at least"),
        ("lte", "is at most"),
        ("eq", "is"),
        ("ne", "is not"),
        ("empty", "is empty"),
        ("notempty", "is not empty"),
    ),
    DATE: (
        ("gte", "is on or after"),
        ("lte", "is on or before"),
        ("eq", "is"),
        ("empty", "is empty"),
        ("notempty", "is not empty"),
    ),
    BOOL: (("eq", "is"),),
    CHOICE: (("eq", "is"), ("ne", "is not"), ("empty", "is empty"), ("notempty", "is not empty")),
    MULTI: (("contains", "includes"), ("empty", "is empty"), ("notempty", "is not empty")),
    OWNER: (("eq", "is"), ("ne", "is not")),
}
"""What each kind of field can be compared by, as people say it."""

NO_VALUE_OPERATORS = frozenset({"empty", "notempty"})


@dataclass(frozen=True)
class FilterField:
    """A field a list can be filtered by.

    Attributes:
        key: The server's name (``size``, ``owner_id``, ``cf.tier``).
        label: Its name for people ("Employees").
        kind: ``text``, ``number``, ``date``, ``bool``, ``choice``, ``multi`` or ``owner``.
        choices: For a choice or an owner: ``(label, value)`` pairs.
    """

    key: str
    label: str
    kind: str = TEXT
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def parse(condition: str) -> tuple[str, str, str]:
    """``size:gte:250`` → ``("size", "gte", "250")``."""
    key, _, rest = condition.partition(":")
    op, _, value = rest.partition(":")
    return key, op, value


class ConditionRow(QWidget):
    """One condition: the field, how it compares, the value, and a button that removes it.

    Args:
        fields: What may be filtered by.
        parent: The parent widget.

    Signals:
        remove_wanted(): The user pressed Remove.
    """

    remove_wanted = Signal()

    def __init__(self, fields: Sequence[FilterField], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conditionRow")
        self._fields = list(fields)
        self.field_combo = QComboBox(self)
        self.field_combo.setObjectName("conditionField")
        for item in self._fields:
            self.field_combo.addItem(item.label, item.key)
        self.op_combo = QComboBox(self)
        self.op_combo.setObjectName("conditionOperator")
        self.value_edit = QLineEdit(self)
        self.value_edit.setObjectName("conditionValue")
        self.value_combo = QComboBox(self)
        self.value_combo.setObjectName("conditionChoice")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removeCondition")
        self.remove_button.setProperty("variant", "small")
        self.remove_button.setToolTip("Remove this condition")
        self.remove_button.clicked.connect(self.remove_wanted)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.field_combo, 3)
        layout.addWidget(self.op_combo, 2)
        layout.addWidget(self.value_edit, 3)
        layout.addWidget(self.value_combo, 3)
        layout.addWidget(self.remove_button)
        self.field_combo.currentIndexChanged.connect(lambda _i: self._field_changed())
        self.op_combo.currentIndexChanged.connect(lambda _i: self._op_changed())
        self._field_changed()

    def current_field(self) -> FilterField:
        """The field chosen."""
        return self._fields[max(self.field_combo.currentIndex(), 0)]

    def _field_changed(self) -> None:
        chosen = self.current_field()
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        for op, words in OPERATORS[chosen.kind]:
            self.op_combo.addItem(words, op)
        self.op_combo.blockSignals(False)
        self.value_combo.clear()
        choices = chosen.choices
        if chosen.kind == BOOL:
            choices = (("Yes", "true"), ("No", "false"))
        for label, value in choices:
            self.value_combo.addItem(label, value)
        placeholder = {NUMBER: "e.g. 250", DATE: "YYYY-MM-DD"}.get(chosen.kind, "")
        self.value_edit.setPlaceholderText(placeholder)
        self._op_changed()

    def _op_changed(self) -> None:
        op = self.op_combo.currentData()
        kind = self.current_field().kind
        listed = kind in (BOOL, CHOICE, OWNER) or (kind == MULTI and bool(self.value_combo.count()))
        needs_value = op not in NO_VALUE_OPERATORS
        self.value_combo.setVisible(needs_value and listed)
        self.value_edit.setVisible(needs_value and not listed)

    def set_condition(self, condition: str) -> None:
        """Show ``field:op:value``."""
        key, op, value = parse(condition)
        index = self.field_combo.findData(key)
        if index >= 0:
            self.field_combo.setCurrentIndex(index)
        self.op_combo.setCurrentIndex(max(self.op_combo.findData(op), 0))
        choice = self.value_combo.findData(value)
        if choice >= 0:
            self.value_combo.setCurrentIndex(choice)
        self.value_edit.setText(value)

    def condition(self) -> str:
        """The condition as the server takes it (``""`` while it needs a value)."""
        chosen = self.current_field()
        op = str(self.op_combo.currentData())
        if op in NO_VALUE_OPERATORS:
            return f"{chosen.key}:{op}:"
        if self.value_combo.isVisibleTo(self):
            value = self.value_combo.currentData()
            value = "" if value is None else str(value)
        else:
            value = self.value_edit.text().strip()
        return f"{chosen.key}:{op}:{value}" if value else ""


class ConditionsDialog(FormDialog):
    """Edit a list's conditions: every one must hold.

    Args:
        noun: The records, plural ("accounts").
        fields: What may be filtered by.
        conditions: The conditions in use.
        parent: The parent widget.

    Signals:
        applied(object): The list of conditions to use (``field:op:value``).
    """

    applied = Signal(object)

    def __init__(
        self,
        noun: str,
        fields: Sequence[FilterField],
        conditions: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conditionsDialog")
        self.setWindowTitle(f"Filter {noun}")
        self.setModal(True)
        self.setMinimumWidth(600)
        self._fields = list(fields)
        self._known = {f.key for f in fields}
        self._start = [c for c in conditions if parse(c)[0] in self._known]
        self.kept = [c for c in conditions if parse(c)[0] not in self._known]
        """Conditions this editor cannot show (kept as they are)."""
        title = QLabel(f"Show only the {noun} where…", self)
        title.setProperty("role", "headline")
        subtitle = QLabel("Every condition must hold. Save the result as a view to keep it.", self)
        subtitle.setProperty("role", "muted")
        self.rows: list[ConditionRow] = []
        self.grid = QGridLayout()
        self.grid.setVerticalSpacing(8)
        self.add_button = QPushButton("Add a condition", self)
        self.add_button.setObjectName("addCondition")
        self.add_button.setProperty("variant", "small")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.banner = MessageBanner(self)
        self.clear_button = QPushButton("Remove all", self)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setObjectName("applyConditions")
        self.apply_button.setProperty("variant", "primary")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(self.grid)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        for condition in self._start:
            self.add_row(condition)
        if not self.rows:
            self.add_row()

    def add_row(self, condition: str = "") -> ConditionRow:
        """Add a condition (``field:op:value``, or the first field's by default)."""
        row = ConditionRow(self._fields, self)
        if condition:
            row.set_condition(condition)
        row.remove_wanted.connect(lambda: self._remove(row))
        self.rows.append(row)
        self.grid.addWidget(row, len(self.rows) - 1, 0)
        row.field_combo.setFocus()
        return row

    def _remove(self, row: ConditionRow) -> None:
        self.rows.remove(row)
        self.grid.removeWidget(row)
        row.deleteLater()

    def clear(self) -> None:
        """Remove every condition."""
        for row in list(self.rows):
            self._remove(row)

    def conditions(self) -> list[str]:
        """The conditions shown (and those kept as they were)."""
        return [*self.kept, *(c for c in (r.condition() for r in self.rows) if c)]

    def has_unsaved_changes(self) -> bool:
        return self.conditions() != [*self.kept, *self._start]

    def first_field(self) -> QWidget | None:
        return self.rows[0].field_combo if self.rows else self.add_button

    def apply(self) -> None:
        """Use the conditions (one still missing its value is said first)."""
        missing = [r for r in self.rows if not r.condition()]
        if missing:
            self.banner.show_message("Give each condition a value, or remove it.", "error")
            missing[0].value_edit.setFocus()
            return
        self.applied.emit(self.conditions())
        self.accept()

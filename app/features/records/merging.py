"""The side-by-side merge: records that look like one in columns, a row per field; the
user picks the record to keep and, field by field, whose value it keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.errors import UserMessage
from app.features.records.model import NO_VALUE
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import MessageBanner

MERGED_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "account": (
        ("name", "Name"),
        ("domain", "Domain"),
        ("industry", "Industry"),
        ("size", "Employees"),
        ("street", "Street"),
        ("city", "City"),
        ("region", "Region"),
        ("postal_code", "Postal code"),
        ("country", "Country"),
        ("owner_id", "Owner"),
        ("custom_fields", "Custom fields"),
    ),
    "contact": (
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("mobile", "Mobile"),
        ("title", "Title"),
        ("account_id", "Account"),
        ("time_zone", "Time zone"),
        ("do_not_contact", "Do not contact"),
        ("owner_id", "Owner"),
        ("custom_fields", "Custom fields"),
    ),
}
"""The fields a merge chooses, per kind, as the side-by-side view lists them."""

ValueText = Callable[[str, Any], str]
"""How a field's value reads (an owner's id → their name)."""


def plain_value(field: str, value: Any) -> str:
    """A value as text: "—" for none, "Yes"/"No", custom fields as ``key: value``."""
    if value is None or value == "" or value == {} or value == []:
        return NO_VALUE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class MergeDialog(FormDialog):
    """Compare records side by side and merge them into one.

    Args:
        object_type: ``account`` or ``contact``.
        records: The records that look like one (two or more), oldest first.
        value_text: How a field's value reads.
        parent: The parent widget.

    Signals:
        merge_wanted(str, object, object): The winner's id, the others' ids and the
            fields whose value comes from another record (``{field: record id}``).
    """

    merge_wanted = Signal(str, object, object)

    def __init__(
        self,
        object_type: str,
        records: Sequence[Any],
        value_text: ValueText = plain_value,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        noun = f"{object_type}s"
        self.setWindowTitle(f"Merge {len(records)} {noun}")
        self.setModal(True)
        self.setMinimumSize(640, 480)
        self.records = list(records)
        self.fields = [f for f in MERGED_FIELDS[object_type] if hasattr(records[0], f[0])]
        title = QLabel(f"Merge {len(records)} {noun} into one", self)
        title.setProperty("role", "headline")
        subtitle = QLabel(
            "Pick the record to keep, then, where they differ, whose value it keeps. What "
            "points at the others (contacts, deals) moves to it; the others go to the trash.",
            self,
        )
        subtitle.setProperty("role", "muted")
        subtitle.setWordWrap(True)

        grid_host = QWidget()
        grid_host.setObjectName("mergeGrid")
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        self.keep_group = QButtonGroup(self)
        self.keep_buttons: list[QRadioButton] = []
        keep_label = QLabel("Keep", grid_host)
        keep_label.setProperty("role", "fieldLabel")
        grid.addWidget(keep_label, 0, 0)
        for column, _record in enumerate(self.records, start=1):
            button = QRadioButton(f"Record {column}", grid_host)
            button.setObjectName("keepRecord")
            self.keep_group.addButton(button, column - 1)
            self.keep_buttons.append(button)
            grid.addWidget(button, 0, column)
        self.choices: dict[str, QButtonGroup] = {}
        self.cells: dict[str, list[QRadioButton]] = {}
        for row, (key, label) in enumerate(self.fields, start=1):
            name = QLabel(label, grid_host)
            name.setProperty("role", "muted")
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            values = [getattr(record, key, None) for record in self.records]
            group = QButtonGroup(self)
            buttons: list[QRadioButton] = []
            for column, value in enumerate(values, start=1):
                text = value_text(key, value)
                button = QRadioButton(text, grid_host)
                button.setToolTip(text)
                group.addButton(button, column - 1)
                buttons.append(button)
                grid.addWidget(button, row, column, Qt.AlignmentFlag.AlignTop)
            if len({plain_value(key, v) for v in values}) == 1:
                for button in buttons:  # the same everywhere: nothing to choose
                    button.setEnabled(False)
            self.choices[key] = group
            self.cells[key] = buttons
        grid.setColumnStretch(len(self.records) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setObjectName("mergeScroll")
        scroll.viewport().setAutoFillBackground(False)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(grid_host)

        self.banner = MessageBanner(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.merge_button = QPushButton("Merge", self)
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setProperty("variant", "primary")
        self.merge_button.clicked.connect(self.submit)
        buttons_row = QHBoxLayout()
        buttons_row.addStretch(1)
        buttons_row.addWidget(self.cancel_button)
        buttons_row.addWidget(self.merge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons_row)
        self.keep_group.idClicked.connect(self.keep)
        self._touched = False
        for group in self.choices.values():
            group.idClicked.connect(lambda _id: self._touch())
        self.keep(0)
        self._touched = False

    def _touch(self) -> None:
        self._touched = True

    def has_unsaved_changes(self) -> bool:
        return self._touched

    def keep(self, index: int) -> None:
        """Keep record ``index``: every field takes its value unless chosen otherwise."""
        self.keep_buttons[index].setChecked(True)
        for key, buttons in self.cells.items():
            checked = self.choices[key].checkedId()
            if checked < 0 or not buttons[checked].isEnabled() or not self._touched:
                buttons[index].setChecked(True)

    def choose(self, field: str, index: int) -> None:
        """Keep the value of record ``index`` for ``field`` (as clicking it does)."""
        self.cells[field][index].setChecked(True)
        self._touched = True

    def winner(self) -> Any:
        """The record kept."""
        return self.records[max(self.keep_group.checkedId(), 0)]

    def field_choices(self) -> dict[str, str]:
        """The fields whose value comes from a record other than the one kept."""
        winner = self.winner()
        chosen: dict[str, str] = {}
        for key, group in self.choices.items():
            source = self.records[max(group.checkedId(), 0)]
            if source.id != winner.id:
                chosen[key] = source.id
        return chosen

    def submit(self) -> None:
        """Emit :attr:`merge_wanted` with what the user chose."""
        winner = self.winner()
        others = [r.id for r in self.records if r.id != winner.id]
        self.merge_button.setEnabled(False)
        self.merge_button.setText("Merging…")
        self.merge_wanted.emit(winner.id, others, self.field_choices())

    def show_failure(self, message: UserMessage) -> None:
        """Say why the merge was refused (the choices stay)."""
        self.merge_button.setEnabled(True)
        self.merge_button.setText("Merge")
        self.banner.show_message(" ".join(p for p in (message.title, message.text) if p), "error")

"""What can be done to many records at once: the bar over a list while several are
selected (assign, set a field, delete with Undo, export), and the dialog that sets one
field of all of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.errors import UserMessage
from app.features.records.form import CUSTOM_PREFIX, FormEntry, empty, tidy_problem
from app.qt.core import Signal
from app.qt.gui import QAction
from app.qt.widgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import MessageBanner

NOT_IN_BULK = frozenset({"name", "last_name", "first_name", "email", "domain"})
"""Fields that tell one record from another: never set to one value for many."""


class BulkBar(QFrame):
    """ "3 accounts selected" over the list, and what can be done to all of them.

    Args:
        noun: One record ("account").
        parent: The parent widget.

    Signals:
        assign_wanted(str): Give the selected records to this user (an id).
        set_field_wanted(): Set one field of the selected records.
        delete_wanted(): Move the selected records to the trash.
        export_wanted(): Save the selected records as CSV.
        clear_wanted(): Select none.
    """

    assign_wanted = Signal(str)
    set_field_wanted = Signal()
    delete_wanted = Signal()
    export_wanted = Signal()
    clear_wanted = Signal()

    def __init__(self, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkBar")
        self._noun = noun
        self.count = 0
        self.label = QLabel("", self)
        self.label.setObjectName("bulkCount")
        self.assign_menu = QMenu(self)
        self.assign_menu.setObjectName("assignMenu")
        self.assign_button = QToolButton(self)
        self.assign_button.setObjectName("bulkAssign")
        self.assign_button.setText("Assign to…")
        self.assign_button.setToolTip(f"Give the selected {noun}s to a colleague")
        self.assign_button.setMenu(self.assign_menu)
        self.assign_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.set_button = QPushButton("Set a field…", self)
        self.set_button.setObjectName("bulkSetField")
        self.set_button.setProperty("variant", "small")
        self.set_button.clicked.connect(self.set_field_wanted)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("bulkExport")
        self.export_button.setProperty("variant", "small")
        self.export_button.setToolTip(f"Save the selected {noun}s as a CSV file")
        self.export_button.clicked.connect(self.export_wanted)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("bulkDelete")
        self.delete_button.setProperty("variant", "smallDanger")
        self.delete_button.setToolTip("Move them to the trash (you can undo it)")
        self.delete_button.clicked.connect(self.delete_wanted)
        self.clear_button = QPushButton("Clear selection", self)
        self.clear_button.setProperty("variant", "small")
        self.clear_button.clicked.connect(self.clear_wanted)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 8, 4)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addSpacing(8)
        layout.addWidget(self.assign_button)
        layout.addWidget(self.set_button)
        layout.addWidget(self.export_button)
        layout.addWidget(self.delete_button)
        layout.addStretch(1)
        layout.addWidget(self.clear_button)
        self.hide()

    def set_count(self, count: int) -> None:
        """Say how many are selected; the bar shows for two or more (one record has its
        own panel)."""
        self.count = count
        noun = self._noun if count == 1 else f"{self._noun}s"
        self.label.setText(f"{count:,} {noun} selected")
        self.setVisible(count > 1)

    def set_people(self, people: Sequence[tuple[str, str]]) -> None:
        """Offer these ``(name, user id)`` in "Assign to…"."""
        self.assign_menu.clear()
        for name, user_id in people:
            action = QAction(name, self.assign_menu)
            action.setData(user_id)
            action.triggered.connect(lambda _on=False, who=user_id: self.assign_wanted.emit(who))
            self.assign_menu.addAction(action)
        self.assign_button.setEnabled(bool(people))

    def people(self) -> list[tuple[str, str]]:
        """The ``(name, user id)`` offered."""
        return [(a.text(), str(a.data())) for a in self.assign_menu.actions()]


class SetFieldDialog(FormDialog):
    """Choose a field and the value every selected record gets.

    Args:
        noun: The records, plural ("accounts").
        count: How many are selected.
        entries: The fields that may be set (their inputs are shown one at a time).
        parent: The parent widget.

    Signals:
        submitted(object): The change to send, e.g. ``{"industry": "Retail"}`` or
            ``{"custom_fields": {"tier": "Gold"}}``.
    """

    submitted = Signal(object)

    def __init__(
        self, noun: str, count: int, entries: Sequence[FormEntry], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setFieldDialog")
        self.setWindowTitle(f"Set a field of {count:,} {noun}")
        self.setModal(True)
        self.setMinimumWidth(460)
        self.entries = [e for e in entries if e.key not in NOT_IN_BULK]
        title = QLabel(f"Set a field of {count:,} {noun}", self)
        title.setProperty("role", "headline")
        note = QLabel(f"Every selected {noun.removesuffix('s')} gets the same value.", self)
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        self.field_combo = QComboBox(self)
        self.field_combo.setObjectName("bulkFieldChoice")
        self.inputs = QStackedWidget(self)
        for item in self.entries:
            label = item.field.label.text().removesuffix(" *")
            self.field_combo.addItem(label, item.key)
            item.field.label.hide()  # the combo names it
            self.inputs.addWidget(item.field)
        self.field_combo.currentIndexChanged.connect(self.inputs.setCurrentIndex)
        self.banner = MessageBanner(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(f"Set for {count:,}", self)
        self.save_button.setObjectName("bulkSetSave")
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(self.field_combo)
        layout.addWidget(self.inputs)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def choose(self, key: str) -> FormEntry:
        """Show the input of the field ``key`` (as picking it in the list does).

        Raises:
            KeyError: no such field may be set here.
        """
        index = self.field_combo.findData(key)
        if index < 0:
            raise KeyError(key)
        self.field_combo.setCurrentIndex(index)
        return self.entries[index]

    def current(self) -> FormEntry | None:
        """The field chosen."""
        index = self.field_combo.currentIndex()
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def first_field(self) -> QWidget | None:
        return self.field_combo

    def has_unsaved_changes(self) -> bool:
        item = self.current()
        return item is not None and not empty(item.input.value())

    def change(self) -> dict[str, Any]:
        """What to send for the value given (an empty one clears the field)."""
        item = self.current()
        if item is None:
            return {}
        value = item.input.value()
        value = None if empty(value) else value
        key = item.custom_key
        if key is not None:
            return {"custom_fields": {key: value}}
        return {item.key: value}

    def submit(self) -> None:
        """Check the value and emit :attr:`submitted`."""
        item = self.current()
        if item is None:
            return
        problem = item.input.problem()
        if not problem and item.required and empty(item.input.value()):
            problem = item.required
        item.field.set_error(problem)
        if problem:
            return
        self.set_busy(True)
        self.submitted.emit(self.change())

    def set_busy(self, busy: bool) -> None:
        """Lock saving while the server is asked."""
        self.save_button.setEnabled(not busy)

    def show_failure(self, message: UserMessage) -> None:
        """The server's objection beside the field, or in the banner."""
        self.set_busy(False)
        item = self.current()
        problems = [tidy_problem(t) for k, t in message.fields.items() if item and _is(item, k)]
        if item is not None and problems:
            item.field.set_error(problems[0])
        else:
            self.banner.show_message(
                " ".join(p for p in (message.title, message.text) if p), "error"
            )


def _is(item: FormEntry, key: str) -> bool:
    """Whether the server's field name ``key`` (``changes.industry``) is ``item``'s."""
    name = key.removeprefix("changes.")
    return name == item.key or f"{CUSTOM_PREFIX}{name}" == item.key or name == item.custom_key

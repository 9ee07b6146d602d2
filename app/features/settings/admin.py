"""Settings for admins: the company's custom fields (add, rename, reorder, retire) and
its pipeline stages (names, order, win probabilities)."""

from __future__ import annotations

import re
from typing import Any

from app.api.fields import CustomField
from app.api.pipelines import Pipeline, StageDraft
from app.api.records import OPEN
from app.errors import UserMessage
from app.features.settings.admin_ops import AdminOps
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog, FormDialog
from app.widgets.form import FormField, MessageBanner

OBJECT_TYPES = (("Accounts", "account"), ("Contacts", "contact"), ("Deals", "opportunity"))
FIELD_TYPES = (
    ("Text", "text"),
    ("Number", "number"),
    ("Date", "date"),
    ("Yes / no", "boolean"),
    ("One choice", "select"),
    ("Several choices", "multi_select"),
)
TYPE_WORDS = {value: label for label, value in FIELD_TYPES}
OUTCOMES = (("Open", OPEN), ("Won", "won"), ("Lost", "lost"))


def sentence(message: UserMessage) -> str:
    """A failure as one line, with the server's word on the fields it names."""
    problems = [problem for problem in message.fields.values() if problem]
    if problems:  # "A field needs attention." says less than the server's words
        return " ".join(problems[:2])
    return " ".join(part for part in (message.title, message.text) if part)


def key_of(label: str) -> str:
    """``Customer tier`` → ``customer_tier`` (what a record's custom_fields holds)."""
    key = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")
    return key if key[:1].isalpha() else f"f_{key}"


class FieldDialog(FormDialog):
    """Add a custom field, or rename one (its type is fixed once made).

    Signals:
        submitted(object): ``{"label", "key", "field_type", "options"}`` (adding) or
            ``{"label"[, "options"]}`` (renaming).
    """

    submitted = Signal(object)

    def __init__(self, field: CustomField | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldDialog")
        self._field = field
        self.setWindowTitle("Add a field" if field is None else f"Rename {field.label}")
        self.setModal(True)
        self.setMinimumWidth(440)
        title = QLabel(self.windowTitle(), self)
        title.setProperty("role", "headline")
        self.label_edit = QLineEdit(field.label if field else "", self)
        self.label_edit.setPlaceholderText("e.g. Customer tier")
        self.type_combo = QComboBox(self)
        for text, value in FIELD_TYPES:
            self.type_combo.addItem(text, value)
        if field is not None:
            self.type_combo.setCurrentIndex(max(self.type_combo.findData(field.field_type), 0))
            self.type_combo.setEnabled(False)
        self.options_edit = QLineEdit(", ".join(field.options) if field else "", self)
        self.options_edit.setPlaceholderText("Gold, Silver, Bronze")
        self.label_field = FormField("Name", self.label_edit, parent=self)
        self.type_field = FormField("Type", self.type_combo, parent=self)
        self.options_field = FormField(
            "Choices", self.options_edit, "Separated by commas", parent=self
        )
        self.type_combo.currentIndexChanged.connect(lambda _i: self._show_options())
        self.banner = MessageBanner(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Add field" if field is None else "Rename", self)
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
        for item in (self.label_field, self.type_field, self.options_field):
            layout.addWidget(item)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self._show_options()

    def _show_options(self) -> None:
        self.options_field.setVisible(self.type_combo.currentData() in ("select", "multi_select"))

    def options(self) -> list[str]:
        """The choices typed (select fields)."""
        return [part.strip() for part in self.options_edit.text().split(",") if part.strip()]

    def submit(self) -> None:
        """Check the name (and choices) and emit :attr:`submitted`."""
        label = self.label_edit.text().strip()
        self.label_field.set_error("" if label else "Give the field a name.")
        choosing = self.type_combo.currentData() in ("select", "multi_select")
        self.options_field.set_error("" if self.options() or not choosing else "Add a choice.")
        if not label or (choosing and not self.options()):
            return
        self.save_button.setEnabled(False)
        values: dict[str, Any] = {"label": label}
        if choosing:
            values["options"] = self.options()
        if self._field is None:
            values |= {"key": key_of(label), "field_type": self.type_combo.currentData()}
        self.submitted.emit(values)

    def show_failure(self, message: UserMessage) -> None:
        """Say why the server refused."""
        self.save_button.setEnabled(True)
        self.banner.show_message(sentence(message), "error")


def _card(parent: QWidget, title: str, subtitle: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame(parent)
    card.setObjectName("card")
    heading = QLabel(title, card)
    heading.setProperty("role", "headline")
    sub = QLabel(subtitle, card)
    sub.setProperty("role", "muted")
    sub.setWordWrap(True)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(20, 18, 20, 20)
    layout.setSpacing(10)
    layout.addWidget(heading)
    layout.addWidget(sub)
    return card, layout


def _small(text: str, parent: QWidget, variant: str = "small") -> QPushButton:
    button = QPushButton(text, parent)
    button.setProperty("variant", variant)
    return button


class CustomFieldsCard(QFrame):
    """The custom fields of one kind of record, in their order, and what to do to them."""

    def __init__(self, admin: AdminOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._admin = admin
        self.fields: list[CustomField] = []
        self.dialog: FieldDialog | None = None
        self.confirm_box: ConfirmDialog | None = None
        self.loading = False
        card, layout = _card(
            self,
            "Custom fields",
            "Fields your company adds to accounts, contacts and deals. Retiring one hides "
            "it; the values already stored stay in the records.",
        )
        self.kind_combo = QComboBox(card)
        self.kind_combo.setObjectName("fieldsKind")
        for text, value in OBJECT_TYPES:
            self.kind_combo.addItem(text, value)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.list = QListWidget(card)
        self.list.setObjectName("adminList")
        self.list.setMinimumHeight(150)
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.add_button = _small("Add field…", card)
        self.add_button.clicked.connect(self.open_add)
        self.rename_button = _small("Rename…", card)
        self.rename_button.clicked.connect(self.open_rename)
        self.up_button = _small("Move up", card)
        self.up_button.clicked.connect(lambda: self.move_field(-1))
        self.down_button = _small("Move down", card)
        self.down_button.clicked.connect(lambda: self.move_field(1))
        self.retire_button = _small("Retire…", card, "smallDanger")
        self.retire_button.clicked.connect(self.confirm_retire)
        self.banner = MessageBanner(card)
        top = QHBoxLayout()
        top.addWidget(self.kind_combo)
        top.addStretch(1)
        top.addWidget(self.add_button)
        actions = QHBoxLayout()
        for button in (self.rename_button, self.up_button, self.down_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.retire_button)
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addLayout(actions)
        layout.addWidget(self.banner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)
        self._update_buttons()

    @property
    def object_type(self) -> str:
        """The kind of record whose fields are shown."""
        return str(self.kind_combo.currentData())

    def load(self, select: str | None = None) -> None:
        """Read the fields of the kind chosen; ``select`` (an id) is then current."""
        self.loading = True
        kind = self.object_type

        def arrived(fields: list[CustomField]) -> None:
            if kind != self.object_type:
                return
            self.loading = False
            self.show_fields(fields, select)

        def failed(message: UserMessage) -> None:
            self.loading = False
            self.banner.show_message(sentence(message), "error")

        self._admin.load_fields(kind, arrived, failed)

    def show_fields(self, fields: list[CustomField], select: str | None = None) -> None:
        """List ``fields`` ("Customer tier · One choice: Gold, Silver")."""
        self.fields = fields
        self.list.clear()
        for field in fields:
            kind = TYPE_WORDS.get(field.field_type, field.field_type)
            choices = f": {', '.join(field.options)}" if field.options else ""
            item = QListWidgetItem(f"{field.label}  ·  {kind}{choices}")
            item.setData(Qt.ItemDataRole.UserRole, field.id)
            self.list.addItem(item)
        if not fields:
            self.list.addItem(QListWidgetItem("No custom fields yet"))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        ids = [f.id for f in fields]
        self.list.setCurrentRow(ids.index(select) if select in ids else -1)
        self._update_buttons()

    def labels(self) -> list[str]:
        """The fields' names in their order (for tests)."""
        return [field.label for field in self.fields]

    def current(self) -> CustomField | None:
        """The field selected."""
        row = self.list.currentRow()
        return self.fields[row] if 0 <= row < len(self.fields) else None

    def _update_buttons(self) -> None:
        field = self.current()
        row = self.list.currentRow()
        self.rename_button.setEnabled(field is not None)
        self.retire_button.setEnabled(field is not None)
        self.up_button.setEnabled(field is not None and row > 0)
        self.down_button.setEnabled(field is not None and row < len(self.fields) - 1)

    def _done(self, text: str, select: str | None = None) -> None:
        self.banner.show_message(text, "success")
        self.load(select)

    def open_add(self) -> FieldDialog:
        """Open the dialog that adds a field."""
        dialog = self.dialog = FieldDialog(None, self)
        kind = self.object_type

        def made(field: CustomField) -> None:
            dialog.accept()
            self._done(f"Added the field “{field.label}”.", field.id)

        dialog.submitted.connect(
            lambda values: self._admin.create_field(
                kind, {**values, "position": len(self.fields)}, made, dialog.show_failure
            )
        )
        dialog.open()
        return dialog

    def open_rename(self) -> FieldDialog | None:
        """Open the dialog that renames the selected field."""
        field = self.current()
        if field is None:
            return None
        dialog = self.dialog = FieldDialog(field, self)

        def renamed(changed: CustomField) -> None:
            dialog.accept()
            self._done(f"Renamed it “{changed.label}”.", changed.id)

        dialog.submitted.connect(
            lambda values: self._admin.change_field(field.id, values, renamed, dialog.show_failure)
        )
        dialog.open()
        return dialog

    def move_field(self, step: int) -> None:
        """Move the selected field up (-1) or down (1)."""
        field = self.current()
        if field is None:
            return
        ids = [f.id for f in self.fields]
        row = ids.index(field.id)
        target = row + step
        if not 0 <= target < len(ids):
            return
        ids[row], ids[target] = ids[target], ids[row]
        self._admin.reorder_fields(
            ids, lambda _n: self._done("Saved the order.", field.id), self._failed
        )

    def confirm_retire(self) -> None:
        """Ask, then retire the selected field."""
        field = self.current()
        if field is None:
            return

        def retire() -> None:
            self._admin.retire_field(
                field.id, lambda _n: self._done(f"Retired “{field.label}”."), self._failed
            )

        self.confirm_box = ask_to_confirm(
            self, "Retire the field", f"Retire “{field.label}”?", "Retire", retire
        )
        self.confirm_box.setInformativeText(
            "It no longer shows in forms and lists; the values stored stay in the records."
        )

    def _failed(self, message: UserMessage) -> None:
        self.banner.show_message(sentence(message), "error")


class StagesCard(QFrame):
    """A pipeline's stages in order: name, win probability, outcome; saved at once."""

    NAME, PROBABILITY, OUTCOME = range(3)

    def __init__(self, admin: AdminOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._admin = admin
        self.pipelines: list[Pipeline] = []
        self.loading = False
        card, layout = _card(
            self,
            "Pipeline stages",
            "Names, order and win probabilities (the board's weighted totals use them). "
            "A stage that holds deals cannot be removed: move its deals first.",
        )
        self.pipeline_combo = QComboBox(card)
        self.pipeline_combo.currentIndexChanged.connect(lambda _i: self._show_current())
        self.table = QTableWidget(0, 3, card)
        self.table.setObjectName("stagesTable")
        self.table.setHorizontalHeaderLabels(["Stage", "Win %", "Outcome"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.NAME, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(self.PROBABILITY, 90)
        header.resizeSection(self.OUTCOME, 120)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.setShowGrid(False)
        self.table.setMinimumHeight(376)  # eight stages without an inner scroll bar
        self.add_button = _small("Add stage", card)
        self.add_button.clicked.connect(lambda: self.add_stage("New stage", 10))
        self.up_button = _small("Move up", card)
        self.up_button.clicked.connect(lambda: self.move_stage(-1))
        self.down_button = _small("Move down", card)
        self.down_button.clicked.connect(lambda: self.move_stage(1))
        self.remove_button = _small("Remove", card, "smallDanger")
        self.remove_button.clicked.connect(self.remove_stage)
        self.save_button = QPushButton("Save stages", card)
        self.save_button.setProperty("variant", "primary")
        self.save_button.clicked.connect(self.save)
        self.banner = MessageBanner(card)
        top = QHBoxLayout()
        top.addWidget(self.pipeline_combo)
        top.addStretch(1)
        actions = QHBoxLayout()
        for button in (self.add_button, self.up_button, self.down_button, self.remove_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addLayout(actions)
        layout.addWidget(self.banner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card)

    def load(self) -> None:
        """Read the pipelines and show the first one's stages."""
        self.loading = True

        def arrived(pipelines: list[Pipeline]) -> None:
            self.loading = False
            self.pipelines = pipelines
            self.pipeline_combo.blockSignals(True)
            self.pipeline_combo.clear()
            for pipeline in pipelines:
                self.pipeline_combo.addItem(pipeline.name, pipeline.id)
            self.pipeline_combo.blockSignals(False)
            self.pipeline_combo.setVisible(len(pipelines) > 1)
            self._show_current()

        def failed(message: UserMessage) -> None:
            self.loading = False
            self.banner.show_message(sentence(message), "error")

        self._admin.load_pipelines(arrived, failed)

    def pipeline(self) -> Pipeline | None:
        """The pipeline whose stages are shown."""
        row = self.pipeline_combo.currentIndex()
        return self.pipelines[row] if 0 <= row < len(self.pipelines) else None

    def _show_current(self) -> None:
        self.table.setRowCount(0)
        pipeline = self.pipeline()
        for stage in pipeline.stages if pipeline is not None else ():
            self.add_stage(stage.name, stage.probability, stage.outcome, stage.id)

    def add_stage(
        self, name: str, probability: int, outcome: str = OPEN, stage_id: str = ""
    ) -> int:
        """Add a row (a new stage unless ``stage_id`` names one); returns its row."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(name)
        item.setData(Qt.ItemDataRole.UserRole, stage_id)
        self.table.setItem(row, self.NAME, item)
        spin = QSpinBox(self.table)
        spin.setRange(0, 100)
        spin.setSuffix(" %")
        spin.setValue(probability)
        self.table.setCellWidget(row, self.PROBABILITY, spin)
        combo = QComboBox(self.table)
        for text, value in OUTCOMES:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(combo.findData(outcome), 0))
        self.table.setCellWidget(row, self.OUTCOME, combo)
        return row

    def drafts(self) -> list[StageDraft]:
        """The stages as edited, in order."""
        found: list[StageDraft] = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, self.NAME)
            spin = self.table.cellWidget(row, self.PROBABILITY)
            combo = self.table.cellWidget(row, self.OUTCOME)
            assert isinstance(spin, QSpinBox)
            assert isinstance(combo, QComboBox)
            found.append(
                StageDraft(
                    str(item.data(Qt.ItemDataRole.UserRole) or "") if item else "",
                    item.text().strip() if item else "",
                    spin.value(),
                    str(combo.currentData()),
                )
            )
        return found

    def _rebuild(self, drafts: list[StageDraft], select: int) -> None:
        self.table.setRowCount(0)
        for draft in drafts:
            self.add_stage(draft.name, draft.probability, draft.outcome, draft.id)
        if 0 <= select < self.table.rowCount():
            self.table.selectRow(select)

    def move_stage(self, step: int) -> None:
        """Move the selected stage up (-1) or down (1)."""
        row = self.table.currentRow()
        drafts = self.drafts()
        target = row + step
        if row < 0 or not 0 <= target < len(drafts):
            return
        drafts[row], drafts[target] = drafts[target], drafts[row]
        self._rebuild(drafts, target)

    def remove_stage(self) -> None:
        """Take the selected stage out (saved with Save stages)."""
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def save(self) -> None:
        """Send the stages as edited."""
        pipeline = self.pipeline()
        if pipeline is None:
            return
        drafts = self.drafts()
        if any(not draft.name for draft in drafts):
            self.banner.show_message("Every stage needs a name.", "error")
            return
        self.save_button.setEnabled(False)

        def saved(changed: Pipeline) -> None:
            self.save_button.setEnabled(True)
            self.pipelines = [changed if p.id == changed.id else p for p in self.pipelines]
            self._show_current()
            self.banner.show_message(f"Saved the stages of {changed.name}.", "success")

        def failed(message: UserMessage) -> None:
            self.save_button.setEnabled(True)
            self.banner.show_message(sentence(message), "error")

        self._admin.save_stages(pipeline.id, drafts, saved, failed)

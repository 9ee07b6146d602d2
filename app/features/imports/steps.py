"""The first three pages of the import wizard: the file, the columns, the progress."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.api.imports import ImportJob, ImportPreview
from app.features.imports.model import (
    DONT_IMPORT,
    DONT_IMPORT_LABEL,
    ImportTarget,
    ProgressMeter,
    count_text,
    duplicate_choices,
    human_size,
    progress_text,
)
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from app.theme import pixmap
from app.widgets.elided_label import ElidedLabel
from app.widgets.form import MessageBanner, repolish

SAMPLE_VALUES = 3
"""How many example values the mapping shows per column."""


def styled_label(text: str, parent: QWidget, role: str = "", name: str = "") -> QLabel:
    """A label with a stylesheet ``role`` (``muted``, ``fieldHint``…) and object name."""
    label = QLabel(text, parent)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


def step_heading(title: str, subtitle: str, parent: QWidget) -> tuple[QLabel, QLabel]:
    """A step's title and the muted sentence under it."""
    head = styled_label(title, parent, "headline", "importStepTitle")
    sub = styled_label(subtitle, parent, "muted", "importStepSubtitle")
    sub.setWordWrap(True)
    return head, sub


class FileStep(QWidget):
    """Step 1: what to import (contacts or accounts) and from which file.

    Args:
        target: The kind chosen at first.
        parent: The parent widget.

    Signals:
        choose_requested(): The user wants to pick a file.
        kind_changed(str): Contacts or accounts was chosen (``"contact"``, ``"account"``).
    """

    choose_requested = Signal()
    kind_changed = Signal(str)

    def __init__(self, target: ImportTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importFileStep")
        title, subtitle = step_heading(
            "Choose a CSV file",
            "Save the spreadsheet as CSV (UTF-8) with the column names in the first row. "
            "Nothing is imported until you have checked the columns.",
            self,
        )
        kind_label = styled_label("Import into", self, "fieldLabel")
        self.contact_radio = QRadioButton("Contacts", self)
        self.account_radio = QRadioButton("Accounts", self)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.contact_radio)
        self.kind_group.addButton(self.account_radio)
        (self.contact_radio if target.kind == "contact" else self.account_radio).setChecked(True)
        self.contact_radio.toggled.connect(
            lambda on: self.kind_changed.emit("contact" if on else "account")
        )
        kinds = QHBoxLayout()
        kinds.setSpacing(24)
        kinds.addWidget(self.contact_radio)
        kinds.addWidget(self.account_radio)
        kinds.addStretch(1)

        card = QFrame(self)
        card.setObjectName("importFileCard")
        glyph = QLabel(card)
        glyph.setPixmap(pixmap("csv-file", 36))
        glyph.setFixedSize(36, 36)
        self.name_label = ElidedLabel("No file chosen", card)
        self.name_label.setObjectName("importFileName")
        self.detail_label = ElidedLabel("CSV files (.csv)", card)
        self.detail_label.setObjectName("importFileDetail")
        self.detail_label.setProperty("role", "muted")
        self.choose_button = QPushButton("Choose file…", card)
        self.choose_button.clicked.connect(self.choose_requested)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.name_label)
        text.addWidget(self.detail_label)
        row = QHBoxLayout(card)
        row.setContentsMargins(16, 14, 16, 14)
        row.setSpacing(14)
        row.addWidget(glyph)
        row.addLayout(text, 1)
        row.addWidget(self.choose_button)

        self.banner = MessageBanner(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(10)
        layout.addWidget(kind_label)
        layout.addLayout(kinds)
        layout.addSpacing(10)
        layout.addWidget(styled_label("File", self, "fieldLabel"))
        layout.addWidget(card)
        layout.addWidget(self.banner)
        layout.addStretch(1)

    def kind(self) -> str:
        """``"contact"`` or ``"account"``."""
        return "contact" if self.contact_radio.isChecked() else "account"

    def show_file(self, path: Path, size: int) -> None:
        """Show the chosen file's name, size and folder."""
        self.name_label.set_full_text(path.name)
        self.detail_label.set_full_text(f"{human_size(size)} · {path.parent}")
        self.choose_button.setText("Choose another…")

    def clear_file(self) -> None:
        """Show that no file is chosen."""
        self.name_label.set_full_text("No file chosen")
        self.detail_label.set_full_text("CSV files (.csv)")
        self.choose_button.setText("Choose file…")


def _samples(preview: ImportPreview, column: int) -> str:
    """The first non-empty values of ``column`` in the sample, comma-separated."""
    values = [
        row[column].strip() for row in preview.sample if column < len(row) and row[column].strip()
    ]
    return ", ".join(values[:SAMPLE_VALUES])


class MappingStep(QWidget):
    """Step 2: where each column goes, and what to do with duplicates.

    Args:
        parent: The parent widget.

    Signals:
        changed(): A column's field or the duplicate choice changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importMappingStep")
        self.title, self.subtitle = step_heading("Match the columns", "", self)
        self.banner = MessageBanner(self)
        self.combos: dict[str, QComboBox] = {}
        self.column_errors: dict[str, QLabel] = {}
        self.duplicate_buttons: dict[str, QRadioButton] = {}

        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("importMappingScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._grid_host = QWidget()
        self._scroll.setWidget(self._grid_host)

        self.duplicates = QFrame(self)
        self.duplicates.setObjectName("importDuplicates")
        self.duplicate_title = styled_label("", self.duplicates, "sectionLabel")
        self.duplicate_note = styled_label("", self.duplicates, "fieldHint")
        self.duplicate_note.setWordWrap(True)
        self.duplicate_group = QButtonGroup(self)
        self._duplicate_layout = QGridLayout(self.duplicates)
        self._duplicate_layout.setContentsMargins(16, 12, 16, 12)
        self._duplicate_layout.setHorizontalSpacing(12)
        self._duplicate_layout.setVerticalSpacing(6)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.banner)
        layout.addWidget(self._scroll, 1)
        layout.addWidget(self.duplicates)

    def show_preview(
        self, preview: ImportPreview, target: ImportTarget, filename: str, keep: Mapping[str, str]
    ) -> None:
        """Lay out one row per column of the file, each with its choice of field.

        Args:
            preview: What the server read of the file.
            target: The kind of record imported.
            filename: The file's name, for the heading.
            keep: Choices the user made before for this file; they win over the
                server's suggestions.
        """
        self.banner.clear_message()
        columns = len(preview.headers)
        self.subtitle.setText(
            f"“{filename}” has {count_text(preview.total_rows, 'row')} and "
            f"{count_text(columns, 'column')}. Choose the {target.noun} field each column "
            f"goes to. {target.label(target.required)} is required."
        )
        host = QWidget()
        host.setObjectName("importMappingGrid")
        grid = QGridLayout(host)
        grid.setContentsMargins(16, 4, 16, 8)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(0)
        for column, text in enumerate(("Column in your file", "Examples", "Import into")):
            grid.addWidget(styled_label(text, host, "sectionLabel", "importGridHeading"), 0, column)
        self.combos = {}
        self.column_errors = {}
        fields = list(dict.fromkeys([*target.labels, *preview.fields]))
        fields = [f for f in fields if f in preview.fields or not preview.fields]
        for number, header in enumerate(preview.headers):
            row = 1 + 2 * number
            name = ElidedLabel(header or "(no name)", host)
            name.setObjectName("importColumnName")
            example = ElidedLabel(_samples(preview, number) or "(empty)", host)
            example.setObjectName("importColumnSample")
            combo = QComboBox(host)
            combo.setObjectName("importFieldCombo")
            combo.setMinimumWidth(220)
            combo.addItem(DONT_IMPORT_LABEL, DONT_IMPORT)
            for field_name in fields:
                label = target.label(field_name)
                if field_name == target.required:
                    label += " (required)"
                combo.addItem(label, field_name)
            chosen = keep.get(header, preview.suggested_mapping.get(header, DONT_IMPORT))
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            error = styled_label("", host, "fieldError", "importColumnError")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(name, row, 0)
            grid.addWidget(example, row, 1)
            grid.addWidget(combo, row, 2)
            grid.addWidget(error, row + 1, 0, 1, 3, Qt.AlignmentFlag.AlignRight)
            grid.setRowMinimumHeight(row, 44)
            self.combos[header] = combo
            self.column_errors[header] = error
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 0)
        grid.setRowStretch(1 + 2 * columns, 1)
        self._grid_host = host
        self._scroll.setWidget(host)
        self._show_duplicates(target)

    def _show_duplicates(self, target: ImportTarget) -> None:
        previous = self.on_duplicate() if self.duplicate_buttons else "skip"
        while self._duplicate_layout.count():
            item = self._duplicate_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.duplicate_title, self.duplicate_note):
                widget.deleteLater()
        for button in self.duplicate_group.buttons():
            self.duplicate_group.removeButton(button)
        key = target.label(target.dedupe).lower()
        self.duplicate_title.setText(
            f"When a row's {key} matches an existing {target.noun}".upper()
        )
        self._duplicate_layout.addWidget(self.duplicate_title, 0, 0, 1, 2)
        self.duplicate_buttons = {}
        for number, choice in enumerate(duplicate_choices(target), start=1):
            button = QRadioButton(choice.title, self.duplicates)
            button.setObjectName(f"duplicate-{choice.mode}")
            button.toggled.connect(lambda _on: self.changed.emit())
            explanation = styled_label(choice.explanation, self.duplicates, "fieldHint")
            self.duplicate_group.addButton(button)
            self._duplicate_layout.addWidget(button, number, 0)
            self._duplicate_layout.addWidget(explanation, number, 1)
            self.duplicate_buttons[choice.mode] = button
        self._duplicate_layout.setColumnStretch(1, 1)
        self._duplicate_layout.addWidget(self.duplicate_note, 4, 0, 1, 2)
        self.duplicate_buttons.get(previous, self.duplicate_buttons["skip"]).setChecked(True)
        self.update_duplicate_note(target)

    def update_duplicate_note(self, target: ImportTarget) -> None:
        """Say when no column holds the key, so every row creates a record."""
        mapped = target.dedupe in self.mapping().values()
        key = target.label(target.dedupe)
        self.duplicate_note.setText(
            "" if mapped else f"No column goes to {key}, so every row creates a new {target.noun}."
        )
        self.duplicate_note.setVisible(not mapped)
        for button in self.duplicate_buttons.values():
            button.setEnabled(mapped)

    def mapping(self) -> dict[str, str]:
        """``column -> field`` as chosen (``""``: not imported)."""
        return {header: str(combo.currentData() or "") for header, combo in self.combos.items()}

    def set_field(self, column: str, field_name: str) -> None:
        """Send ``column`` to ``field_name`` (``""``: don't import it)."""
        combo = self.combos[column]
        combo.setCurrentIndex(max(0, combo.findData(field_name)))

    def on_duplicate(self) -> str:
        """``"skip"``, ``"update"`` or ``"create"``."""
        for mode, button in self.duplicate_buttons.items():
            if button.isChecked():
                return mode
        return "skip"

    def show_problems(self, columns: Mapping[str, str], general: list[str]) -> None:
        """Show what is wrong beside each column, and the rest above the columns."""
        for header, label in self.column_errors.items():
            text = columns.get(header, "")
            label.setText(text)
            label.setVisible(bool(text))
            combo = self.combos[header]
            combo.setProperty("invalid", bool(text))
            repolish(combo)
        unplaced = [f"“{h}”: {t}" for h, t in columns.items() if h not in self.column_errors]
        text = " ".join([*general, *unplaced])
        self.banner.show_message(text, "error")
        first = next((h for h in self.combos if h in columns), None)
        if first is not None:
            self._scroll.ensureWidgetVisible(self.combos[first])

    def problems(self) -> dict[str, str]:
        """The problems shown beside columns, by column (for tests)."""
        return {h: label.text() for h, label in self.column_errors.items() if not label.isHidden()}


class ProgressStep(QWidget):
    """Step 3: the running import, rows done of the total.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importProgressStep")
        self.title, self.subtitle = step_heading(
            "Importing…",
            "The import runs on the server: you can close this window and keep working.",
            self,
        )
        card = QFrame(self)
        card.setObjectName("importProgressCard")
        self.bar = QProgressBar(card)
        self.bar.setObjectName("importProgress")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setRange(0, 0)
        self.percent_label = styled_label("", card, name="importPercent")
        self.rows_label = styled_label("Starting…", card, "muted", "importRows")
        self.counts_label = styled_label("", card, "muted", "importCounts")
        top = QHBoxLayout()
        top.addWidget(self.rows_label, 1)
        top.addWidget(self.percent_label)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(20, 18, 20, 18)
        inner.setSpacing(10)
        inner.addLayout(top)
        inner.addWidget(self.bar)
        inner.addWidget(self.counts_label)
        self.banner = MessageBanner(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(10)
        layout.addWidget(card)
        layout.addWidget(self.banner)
        layout.addStretch(1)

    def begin(self, filename: str, total: int) -> None:
        """An import of ``total`` rows of ``filename`` was started."""
        self.title.setText(f"Importing “{filename}”")
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self.percent_label.setText("0%")
        self.rows_label.setText(f"Waiting to start · {count_text(total, 'row')}")
        self.counts_label.setText("")
        self.banner.clear_message()

    def show_job(self, job: ImportJob, meter: ProgressMeter) -> None:
        """Show how far ``job`` got."""
        total = max(1, job.total_rows)
        done = min(job.processed_rows, total)
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.percent_label.setText(f"{done * 100 // total}%")
        self.rows_label.setText(progress_text(job.processed_rows, job.total_rows, meter))
        self.counts_label.setText(counts_line(job))
        self.banner.clear_message()

    def percent(self) -> int:
        """The share of rows done, 0-100."""
        maximum = self.bar.maximum()
        return self.bar.value() * 100 // maximum if maximum > 0 else 0


def counts_line(job: ImportJob) -> str:
    """ "3 created · 1 updated · 0 skipped · 1 not imported"."""
    return " · ".join(
        (
            f"{job.created_count:,} created",
            f"{job.updated_count:,} updated",
            f"{job.skipped_count:,} skipped",
            f"{job.error_count:,} not imported",
        )
    )

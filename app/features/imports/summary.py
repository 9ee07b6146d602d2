"""The last page of the import wizard: what the import did, and the rows it refused."""

from __future__ import annotations

from app.api.imports import ImportJob, ImportRowError
from app.features.imports.model import ImportTarget, RowErrorsModel, count_text
from app.features.imports.steps import step_heading, styled_label
from app.qt.core import Qt, Signal
from app.qt.widgets import QFrame, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget
from app.widgets.form import MessageBanner, repolish
from app.widgets.tables import list_table


def technical_summary(failure: str | None, limit: int = 200) -> str:
    """The first line of a server's failure, without the SQL it may quote, shortened."""
    text = (failure or "no reason given").split("[SQL", 1)[0].strip()
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class CountTile(QFrame):
    """A number over its label, as in "12 / Created"."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importCountTile")
        self.number = styled_label("0", self, name="importCountNumber")
        self.caption = styled_label(label, self, "muted", "importCountLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)

    def set_count(self, count: int, tone: str = "") -> None:
        """Show ``count``; ``tone`` ("error") colours it."""
        self.number.setText(f"{count:,}")
        self.setProperty("tone", tone)
        repolish(self)
        repolish(self.number)


class SummaryStep(QWidget):
    """Step 4: what the import did, and the rows it refused with their reasons.

    Args:
        parent: The parent widget.

    Signals:
        save_requested(): The user wants the error report saved to a file.
    """

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importSummaryStep")
        self.title, self.subtitle = step_heading("Import finished", "", self)
        self.created = CountTile("Created", self)
        self.updated = CountTile("Updated", self)
        self.skipped = CountTile("Skipped as duplicates", self)
        self.failed = CountTile("Not imported", self)
        tiles = QHBoxLayout()
        tiles.setSpacing(12)
        for tile in (self.created, self.updated, self.skipped, self.failed):
            tiles.addWidget(tile, 1)
        self.banner = MessageBanner(self)
        self.details = styled_label("", self, "fieldHint", "importFailureDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()

        self.errors = QWidget(self)
        self.errors.setObjectName("importErrors")
        self.errors_title = styled_label("ROWS NOT IMPORTED", self.errors, "sectionLabel")
        self.save_button = QPushButton("Save error report…", self.errors)
        self.save_button.setObjectName("saveErrorReport")
        self.save_button.clicked.connect(self.save_requested)
        self.errors_note = styled_label("", self.errors, "fieldHint", "importErrorsNote")
        self.errors_note.setWordWrap(True)
        self.error_model = RowErrorsModel(self)
        self.error_table = list_table(self.errors, "importErrorTable")
        self.error_table.setModel(self.error_model)
        self.error_table.verticalHeader().setDefaultSectionSize(32)
        # A long problem wraps onto a second line rather than losing its end; a value
        # (often one long word, an email) is elided, whole in its tooltip. At most
        # FIRST_ERRORS rows: measuring them costs nothing.
        self.error_table.setWordWrap(True)
        self.error_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.error_table.verticalHeader().setMinimumSectionSize(32)
        header = self.error_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.resizeSection(RowErrorsModel.ROW, 64)
        header.resizeSection(RowErrorsModel.COLUMN, 120)
        header.resizeSection(RowErrorsModel.VALUE, 220)
        header.setSectionResizeMode(RowErrorsModel.PROBLEM, QHeaderView.ResizeMode.Stretch)
        head = QHBoxLayout()
        head.addWidget(self.errors_title, 1)
        head.addWidget(self.save_button)
        errors_layout = QVBoxLayout(self.errors)
        errors_layout.setContentsMargins(0, 0, 0, 0)
        errors_layout.setSpacing(8)
        errors_layout.addLayout(head)
        errors_layout.addWidget(self.error_table, 1)
        errors_layout.addWidget(self.errors_note)
        self.errors.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(6)
        layout.addLayout(tiles)
        layout.addWidget(self.banner)
        layout.addWidget(self.details)
        layout.addSpacing(6)
        layout.addWidget(self.errors, 1)
        self._stretch = QWidget(self)
        layout.addWidget(self._stretch, 1)

    def show_job(self, job: ImportJob, target: ImportTarget) -> None:
        """Show the outcome of ``job``."""
        if job.status == "interrupted":
            self.title.setText("The import was interrupted")
            self.banner.show_message(
                job.failure or "The server stopped before it finished.", "error"
            )
            self.details.setText("")
        elif job.status == "failed":
            self.title.setText("The import stopped")
            done = count_text(job.processed_rows, "row")
            self.banner.show_message(
                f"The server stopped the import after {done} of {job.total_rows:,}; the rows "
                "counted above were imported. Try again, and if it stops again, send the "
                "details below to your administrator.",
                "error",
            )
            self.details.setText(f"Details: {technical_summary(job.failure)}")
            self.details.setToolTip(job.failure or "")
        else:
            self.title.setText("Import finished")
            self.banner.clear_message()
            self.details.setText("")
        self.details.setVisible(job.status == "failed")
        self.subtitle.setText(
            f"“{job.filename}”: {count_text(job.total_rows, 'row')} read into {target.plural}."
        )
        self.created.set_count(job.created_count)
        self.updated.set_count(job.updated_count)
        self.skipped.set_count(job.skipped_count)
        self.failed.set_count(job.error_count, "error" if job.error_count else "")
        self.errors.setVisible(job.error_count > 0)
        self._stretch.setVisible(job.error_count == 0)
        self.error_model.set_errors([])
        self.errors_note.setText("Loading the problems…" if job.error_count else "")

    def show_errors(self, errors: list[ImportRowError], complete: bool) -> None:
        """List the first problems; say how to get all of them.

        Args:
            errors: The problems, in row order.
            complete: Whether these are all of them.
        """
        self.error_model.set_errors(errors)
        # Without the rows (the server's report could not be read) the column says nothing.
        self.error_table.setColumnHidden(RowErrorsModel.VALUE, not self.error_model.has_values())
        shown = "" if complete else f"The first {len(errors)} problems are shown. "
        self.errors_note.setText(
            f"{shown}Save the error report to get every refused row with its reason; "
            "fix the rows in it and import that file again."
        )

    def show_errors_failed(self, text: str) -> None:
        """Say why the problems could not be listed."""
        self.errors_note.setText(f"The problems could not be listed: {text}")

    def shown_errors(self) -> list[list[str]]:
        """The problems listed, as [row, column, value, problem] texts, without the
        columns hidden (for tests)."""
        model = self.error_model
        columns = [
            column
            for column in range(model.columnCount())
            if not self.error_table.isColumnHidden(column)
        ]
        return [
            [str(model.data(model.index(row, column))) for column in columns]
            for row in range(model.rowCount())
        ]

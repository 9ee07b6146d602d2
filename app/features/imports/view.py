"""The CSV import wizard: file → columns → progress → outcome.

Opened from the Accounts and Contacts pages ("Import CSV…")::

    wizard = ImportWizard(ImportOps(client, ops), "contact", page)
    wizard.imported.connect(lambda _kind: page.refresh())
    wizard.open()

A problem the server finds is shown on the step where it happened, naming the
file, the column or the field, and nothing chosen is lost: the user goes back,
fixes it, and goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.api.imports import ImportJob, ImportPreview, ImportRowError
from app.errors import UserMessage
from app.features.imports.model import (
    ImportTarget,
    ProgressMeter,
    check_mapping,
    count_text,
    target_of,
    words_for_fields,
)
from app.features.imports.ops import FIRST_ERRORS, ImportOps, ImportWatcher
from app.features.imports.steps import FileStep, MappingStep, ProgressStep
from app.features.imports.summary import SummaryStep
from app.qt.core import Qt, Signal
from app.qt.gui import QCloseEvent
from app.qt.widgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.files import ask_open_path, ask_save_path
from app.widgets.form import repolish

log = logging.getLogger(__name__)

STEP_NAMES = ("Choose file", "Match columns", "Import", "Review")


class StepIndicator(QFrame):
    """The four steps in a row (Choose file, Match columns, Import, Review), the current
    one marked and those before it ticked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importSteps")
        self.marks: list[QLabel] = []
        self.names: list[QLabel] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for number, name in enumerate(STEP_NAMES, start=1):
            if number > 1:
                line = QFrame(self)
                line.setObjectName("importStepLine")
                line.setFixedHeight(1)
                layout.addWidget(line, 1)
            mark = QLabel(str(number), self)
            mark.setObjectName("importStepMark")
            mark.setFixedSize(22, 22)
            mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = QLabel(name, self)
            label.setObjectName("importStepName")
            layout.addWidget(mark)
            layout.addWidget(label)
            self.marks.append(mark)
            self.names.append(label)

    def set_current(self, current: int) -> None:
        """Mark steps before ``current`` done and ``current`` as the one shown."""
        for number, (mark, label) in enumerate(zip(self.marks, self.names, strict=True)):
            state = "done" if number < current else "current" if number == current else "todo"
            mark.setText("✓" if state == "done" else str(number + 1))
            for widget in (mark, label):
                widget.setProperty("state", state)
                repolish(widget)


class ImportWizard(QDialog):
    """Brings accounts or contacts in from a CSV file, in four steps.

    Args:
        imports: The import calls of the signed-in client.
        object_kind: What to import at first: ``"contact"`` or ``"account"`` (plural
            accepted); the user can change it on the first step.
        parent: The page it opens over.

    Signals:
        imported(str): An import ended having created or updated records; the
            kind (``"contact"`` or ``"account"``), so a page can reload its list.
    """

    imported = Signal(str)

    FILE, MAPPING, PROGRESS, SUMMARY = range(4)

    def __init__(
        self, imports: ImportOps, object_kind: str = "contact", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importWizard")
        self.setWindowTitle("Import from a CSV file")
        self.setWindowIcon(icon("import"))
        self.setModal(True)
        self.resize(800, 680)
        self.setMinimumSize(680, 540)
        self._imports = imports
        self.target: ImportTarget = target_of(object_kind)
        self.path: Path | None = None
        self.preview: ImportPreview | None = None
        self._previewed: tuple[Path, str, float] | None = None
        self._kept: dict[tuple[Path, str], dict[str, str]] = {}
        self.job: ImportJob | None = None
        self.watcher: ImportWatcher | None = None
        self._busy: asyncio.Task[Any] | None = None

        self.steps = StepIndicator(self)
        self.file_step = FileStep(self.target, self)
        self.mapping_step = MappingStep(self)
        self.progress_step = ProgressStep(self)
        self.summary_step = SummaryStep(self)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("importPages")
        for page in (self.file_step, self.mapping_step, self.progress_step, self.summary_step):
            self.pages.addWidget(page)

        self.back_button = QPushButton("Back", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.again_button = QPushButton("Import another file", self)
        self.next_button = QPushButton("Next", self)
        self.next_button.setProperty("variant", "primary")
        self.next_button.setDefault(True)
        footer = QFrame(self)
        footer.setObjectName("importFooter")
        buttons = QHBoxLayout(footer)
        buttons.setContentsMargins(28, 14, 28, 14)
        buttons.setSpacing(8)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.next_button)

        body = QVBoxLayout()
        body.setContentsMargins(28, 22, 28, 16)
        body.setSpacing(20)
        body.addWidget(self.steps)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(body, 1)
        layout.addWidget(footer)

        self.file_step.choose_requested.connect(self.choose_file)
        self.file_step.kind_changed.connect(self._kind_chosen)
        self.mapping_step.changed.connect(self._mapping_changed)
        self.summary_step.save_requested.connect(self.save_error_report)
        self.back_button.clicked.connect(self.go_back)
        self.cancel_button.clicked.connect(self.close)
        self.again_button.clicked.connect(self.start_over)
        self.next_button.clicked.connect(self.go_next)
        self._show_step(self.FILE)

    # ------------------------------------------------------------------ navigation

    def current_step(self) -> int:
        """The step shown (:attr:`FILE`, :attr:`MAPPING`, :attr:`PROGRESS`, :attr:`SUMMARY`)."""
        return self.pages.currentIndex()

    def _show_step(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        self.steps.set_current(step)
        self.back_button.setVisible(step == self.MAPPING)
        self.cancel_button.setVisible(step in (self.FILE, self.MAPPING, self.PROGRESS))
        self.cancel_button.setText("Close" if step == self.PROGRESS else "Cancel")
        self.cancel_button.setToolTip(
            "The import goes on in the background." if step == self.PROGRESS else ""
        )
        self.again_button.setVisible(step == self.SUMMARY)
        self.next_button.setVisible(step != self.PROGRESS)
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.current_step()
        busy = self._busy is not None and not self._busy.done()
        if step == self.FILE:
            self.next_button.setText("Reading the file…" if busy else "Next")
            self.next_button.setEnabled(self.path is not None and not busy)
        elif step == self.MAPPING:
            total = self.preview.total_rows if self.preview is not None else 0
            self.next_button.setText(
                "Starting…" if busy else f"Import {count_text(total, self.target.noun)}"
            )
            self.next_button.setEnabled(not busy)
        elif step == self.SUMMARY:
            self.next_button.setText("Done")
            self.next_button.setEnabled(True)
        self.back_button.setEnabled(not busy)
        self.file_step.choose_button.setEnabled(not busy)

    def go_next(self) -> None:
        """The primary button: read the file, start the import, or finish."""
        step = self.current_step()
        if step == self.FILE:
            self.read_file()
        elif step == self.MAPPING:
            self.start_import()
        elif step == self.SUMMARY:
            self.accept()

    def go_back(self) -> None:
        """From the columns back to the file (the choices made are kept)."""
        if self.current_step() == self.MAPPING:
            self._keep_choices()
            self._show_step(self.FILE)

    def start_over(self) -> None:
        """After an import: the first step again, with no file chosen."""
        self.path = None
        self.preview = None
        self._previewed = None
        self.job = None
        self.file_step.clear_file()
        self.file_step.banner.clear_message()
        self._show_step(self.FILE)

    # ------------------------------------------------------------------ step 1: the file

    def choose_file(self) -> None:
        """Ask for a CSV file with the system's file dialog."""
        folder = self.path.parent if self.path is not None else None
        chosen = ask_open_path(self, "Choose a CSV file", folder)
        if chosen is not None:
            self.set_file(chosen)

    def set_file(self, path: Path) -> bool:
        """Use ``path`` as the file to import; ``False`` (and a message) if it is unreadable."""
        self.file_step.banner.clear_message()
        try:
            size = path.stat().st_size
        except OSError as exc:
            reason = (exc.strerror or "it cannot be read").lower()
            self.file_step.banner.show_message(f"Cannot open “{path.name}”: {reason}.", "error")
            return False
        self.path = path
        self.file_step.show_file(path, size)
        self._update_buttons()
        return True

    def read_file(self) -> None:
        """Have the server check the file and propose a mapping, then show the columns."""
        path, kind = self.path, self.file_step.kind()
        if path is None:
            return
        self.target = target_of(kind)
        try:
            stamp = (path, kind, path.stat().st_mtime)
        except OSError:
            stamp = (path, kind, -1.0)
        if self.preview is not None and stamp == self._previewed:
            self._show_step(self.MAPPING)  # unchanged since it was read
            return
        self.file_step.banner.show_message(f"Reading “{path.name}”…", "info")
        self._busy = self._imports.preview(
            path, kind, lambda p: self._previewed_file(p, stamp), self._preview_failed
        )
        self._update_buttons()

    def _previewed_file(self, preview: ImportPreview, stamp: tuple[Path, str, float]) -> None:
        self._busy = None
        self.preview = preview
        self._previewed = stamp
        path = stamp[0]
        self.file_step.banner.clear_message()
        kept = self._kept.get((path, self.target.kind), {})
        self.mapping_step.show_preview(preview, self.target, path.name, kept)
        self._mapping_changed()
        self._show_step(self.MAPPING)

    def _preview_failed(self, message: UserMessage) -> None:
        self._busy = None
        name = self.path.name if self.path is not None else "The file"
        self.file_step.banner.show_message(file_failure_text(message, name, self.target), "error")
        self._update_buttons()

    def _kind_chosen(self, kind: str) -> None:
        self._keep_choices()
        self.target = target_of(kind)
        self.file_step.banner.clear_message()

    # ------------------------------------------------------------------ step 2: the columns

    def _keep_choices(self) -> None:
        if self.path is not None and self.mapping_step.combos:
            self._kept[(self.path, self.target.kind)] = self.mapping_step.mapping()

    def _mapping_changed(self) -> None:
        self.mapping_step.update_duplicate_note(self.target)
        if not self.mapping_step.banner.isHidden() or self.mapping_step.problems():
            check = check_mapping(self.mapping_step.mapping(), self.target)
            self.mapping_step.show_problems(check.columns, check.general)

    def start_import(self) -> None:
        """Check the mapping, then upload the file and start the import."""
        path = self.path
        if path is None or self.preview is None:
            return
        mapping = self.mapping_step.mapping()
        check = check_mapping(mapping, self.target)
        if not check.ok:
            self.mapping_step.show_problems(check.columns, check.general)
            return
        self.mapping_step.show_problems({}, [])
        self._keep_choices()
        self._busy = self._imports.start(
            path,
            self.target.kind,
            mapping,
            self.mapping_step.on_duplicate(),
            self._started,
            self._start_failed,
        )
        self._update_buttons()

    def _start_failed(self, message: UserMessage) -> None:
        self._busy = None
        columns, general = mapping_failure(message, self.path, self.target)
        self.mapping_step.show_problems(columns, general)
        self._update_buttons()

    # ------------------------------------------------------------------ step 3: progress

    def _started(self, job: ImportJob) -> None:
        self._busy = None
        self.job = job
        name = job.filename or (self.path.name if self.path is not None else "")
        self.progress_step.begin(name, job.total_rows)
        self._show_step(self.PROGRESS)
        watcher = self.watcher = ImportWatcher(self._imports, job, parent=self)
        watcher.progressed.connect(lambda j: self.progress_step.show_job(j, watcher.meter))
        watcher.finished.connect(self._finished)
        watcher.trouble.connect(self._poll_trouble)
        watcher.gave_up.connect(self._poll_gave_up)
        watcher.start()

    def _poll_trouble(self, message: UserMessage) -> None:
        self.progress_step.banner.show_message(
            f"Cannot get the progress right now ({message.title}) Trying again…", "info"
        )

    def _poll_gave_up(self, message: UserMessage) -> None:
        self.progress_step.banner.show_message(
            f"Lost touch with the import: {message.title} {message.text} The import goes on "
            "on the server; its records appear in the list when it is done.",
            "error",
        )

    # ------------------------------------------------------------------ step 4: the outcome

    def _finished(self, job: ImportJob) -> None:
        self.job = job
        self.progress_step.show_job(job, self.watcher.meter if self.watcher else ProgressMeter())
        self.summary_step.show_job(job, self.target)
        self._show_step(self.SUMMARY)
        if job.created_count or job.updated_count:
            self.imported.emit(self.target.kind)
        if job.error_count:
            self._imports.first_errors(
                job.id,
                lambda errors: self._errors_listed(errors, job),
                lambda message: self.summary_step.show_errors_failed(message.title),
            )

    def _errors_listed(self, errors: list[ImportRowError], job: ImportJob) -> None:
        if self.job is job:
            self.summary_step.show_errors(errors, complete=len(errors) < FIRST_ERRORS)

    def save_error_report(self) -> None:
        """Ask where to save the refused rows as CSV, then download and write them."""
        job = self.job
        if job is None:
            return
        stem = Path(job.filename or "import").stem
        folder = self.path.parent if self.path is not None else None
        target = ask_save_path(self, "Save the error report", f"{stem}-errors.csv", folder)
        if target is None:
            return
        self.summary_step.save_button.setEnabled(False)
        self.summary_step.save_button.setText("Saving…")
        self._imports.save_error_report(job.id, target, self._report_saved, self._report_failed)

    def _report_saved(self, path: Path) -> None:
        self._reset_save_button()
        self.summary_step.banner.show_message(f"Error report saved to {path}", "success")

    def _report_failed(self, message: UserMessage) -> None:
        self._reset_save_button()
        text = " ".join(part for part in (message.title, message.text) if part)
        self.summary_step.banner.show_message(f"The error report was not saved. {text}", "error")

    def _reset_save_button(self) -> None:
        self.summary_step.save_button.setEnabled(True)
        self.summary_step.save_button.setText("Save error report…")

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

    def _stop(self) -> None:
        """Stop what runs on behalf of the window (not the import on the server)."""
        if self.watcher is not None:
            self.watcher.stop()
        if self._busy is not None and not self._busy.done():
            self._busy.cancel()
        self._busy = None


def file_failure_text(message: UserMessage, name: str, target: ImportTarget) -> str:
    """Why the server refused the file, naming it: "“people.csv” is not UTF-8 text (…)"."""
    problem = message.fields.get("file")
    if problem:
        return f"“{name}” {_predicate(problem)}"
    kind = message.fields.get("object_type")
    if kind:
        return f"Cannot import {target.plural}: {kind}"
    return " ".join(part for part in (message.title, message.text) if part)


def mapping_failure(
    message: UserMessage, path: Path | None, target: ImportTarget
) -> tuple[dict[str, str], list[str]]:
    """The server's objections to a start, split into per-column problems and the rest.

    ``mapping.<column>`` goes beside that column; ``mapping`` (the whole mapping),
    ``file`` (changed since it was read) and anything else go above the columns.
    """
    columns: dict[str, str] = {}
    general: list[str] = []
    for name, problem in message.fields.items():
        text = words_for_fields(problem, target)
        if name.startswith("mapping."):
            columns[name.removeprefix("mapping.")] = text
        elif name == "mapping":
            general.append(text)
        elif name == "file":
            file_name = path.name if path is not None else "The file"
            general.append(f"“{file_name}” {_predicate(text)} Go back to choose it again.")
        else:
            general.append(f"{target.label(name)}: {text}")
    if not columns and not general:
        general.append(" ".join(part for part in (message.title, message.text) if part))
    return columns, general


def _predicate(sentence: str) -> str:
    """A field sentence ("This is not UTF-8 text…", "Has no header row…") as what
    follows the file's name ("is not UTF-8 text…", "has no header row…")."""
    text = sentence.removeprefix("This ")
    return text[:1].lower() + text[1:]


def open_import_wizard(
    imports: ImportOps,
    object_kind: str,
    page: QWidget,
    on_imported: Callable[[str], None] | None = None,
) -> ImportWizard:
    """Open the wizard over ``page`` (window-modal, not blocking); it is deleted once closed.

    Args:
        imports: The import calls of the signed-in client.
        object_kind: ``"contact"`` or ``"account"``, chosen at first.
        page: The page with the "Import CSV…" button.
        on_imported: Called with the kind when an import created or updated records
            (e.g. the page's ``refresh``).

    Returns:
        The wizard, shown.
    """
    wizard = ImportWizard(imports, object_kind, page)
    if on_imported is not None:
        wizard.imported.connect(on_imported)
    wizard.finished.connect(lambda _result: wizard.deleteLater())
    wizard.open()
    return wizard

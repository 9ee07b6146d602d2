"""The dialog that creates or edits a record: its fields, the company's custom fields,
the server's objections beside the right field, and the "someone else changed it" case.

Feature pages describe their fields as :class:`FormEntry` items (the key the server
knows the field by, the labelled input); custom fields become entries keyed
``custom_fields.<key>``. The dialog stays open while the page asks the server and
keeps everything typed whatever the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.api.fields import CustomField
from app.errors import UserMessage, field_sentence
from app.features.records.ops import EditableRecord
from app.qt.core import Qt, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import FormField
from app.widgets.record_form import (
    ActionBanner,
    CheckInput,
    ChoiceInput,
    DecimalInput,
    MultiChoiceInput,
    OptionalDateInput,
    TextInput,
    ValueInput,
)

IDENTIFYING = frozenset({"name", "domain", "first_name", "last_name", "email"})
"""The fields a duplicate check looks at: editing one asks for the check again."""

CUSTOM_PREFIX = "custom_fields."
"""How the server names a custom field in its errors (``custom_fields.tier``)."""

CONFLICT_TEXT = (
    "Someone else changed this record since you opened it. Reload it to get their "
    "changes; what you typed here stays."
)
RELOADED_TEXT = "Loaded the latest version. Your changes are kept: check them and save again."
_TOUCHED = object()
"""The baseline of a field the user changed before reloading: it always counts as changed."""
MAX_FIELDS_HEIGHT = 720
"""The fields scroll beyond this height (a company with many custom fields)."""


@dataclass
class FormEntry:
    """One field of a record form.

    Attributes:
        key: What the server calls it (``domain``, ``custom_fields.tier``).
        field: The label, input and error line.
        input: The input (``field.editor``), read and written as a plain value.
        span: How many of the form's two columns it takes.
        required: What to say when it is left empty (``""``: it may be empty).
    """

    key: str
    field: FormField
    input: ValueInput
    span: int = 1
    required: str = ""

    @property
    def custom_key(self) -> str | None:
        """The custom field's key, or ``None`` for a field of the record itself."""
        return self.key.removeprefix(CUSTOM_PREFIX) if self.key.startswith(CUSTOM_PREFIX) else None


def entry(
    key: str,
    label: str,
    widget: QWidget,
    parent: QWidget,
    *,
    hint: str = "",
    span: int = 1,
    required: str = "",
) -> FormEntry:
    """A :class:`FormEntry` for ``widget`` (an input of :mod:`app.widgets.record_form`)."""
    field = FormField(label, widget, hint, parent)
    field.setObjectName(f"field_{key.replace('.', '_')}")
    return FormEntry(key, field, widget, span, required)  # type: ignore[arg-type]


def custom_entry(definition: CustomField, parent: QWidget) -> FormEntry:
    """The input of a custom field, by its type (an unknown type is edited as text)."""
    kind = definition.field_type
    widget: QWidget
    span = 1
    if kind == "number":
        widget = DecimalInput("", parent)
    elif kind == "date":
        widget = OptionalDateInput(parent)
    elif kind == "select":
        widget = ChoiceInput(definition.options, parent=parent)
    elif kind == "multi_select":
        widget = MultiChoiceInput(definition.options, parent)
        span = 2
    elif kind == "boolean":
        widget = CheckInput("Yes", parent)
    else:
        widget = TextInput("", parent)
    label = f"{definition.label} *" if definition.required else definition.label
    return entry(
        f"{CUSTOM_PREFIX}{definition.key}",
        label,
        widget,
        parent,
        span=span,
        required=f"Enter the {definition.label.lower()}." if definition.required else "",
    )


def tidy_problem(problem: str) -> str:
    """The server's words about a field, made to read well under it.

    Pydantic's "Value error, is not a domain…" loses its prefix, a pattern becomes
    the characters allowed, "String should have at most 200 characters" a sentence.
    """
    text = problem.strip()
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if text.startswith("String should match pattern"):
        return "Use only digits, spaces and + ( ) - . / x."
    if text.startswith("String should have at most"):
        text = "Must have at most" + text[len("String should have at most") :]
    if text.startswith("String should have at least 1 character"):
        return "This cannot be empty."
    if text.lower().startswith("value is not a valid email address"):
        return "This is not an email address such as name@company.com."
    return field_sentence(text)


def empty(value: Any) -> bool:
    """Whether a form value counts as "left empty"."""
    return value is None or value == "" or value == []


class RecordDialog(FormDialog):
    """Create a record, or edit one.

    Opens with the cursor in its first field; closing it with unsaved changes asks
    first (:class:`~app.widgets.dialogs.FormDialog`). After "someone else changed it"
    and Reload, the cursor goes to the first field the user changed (or to Save), so
    Enter saves again rather than closing the dialog.

    Args:
        noun: What is edited, for the titles ("account").
        entries: The record's own fields, in order (two columns; ``span`` 2 for a wide one).
        custom: The company's custom fields of this kind.
        record: The record to edit; ``None`` to create one.
        parent: The parent widget.

    Signals:
        submitted(object): A dict to send: every value given (creating), or only
            what changed (editing; ``custom_fields`` holds the changed custom values).
        reload_wanted(): After a conflict, the user wants the record as it is now.
    """

    submitted = Signal(object)
    reload_wanted = Signal()

    def __init__(
        self,
        noun: str,
        entries: Sequence[FormEntry],
        custom: Sequence[CustomField],
        record: EditableRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordDialog")
        self.setModal(True)
        self.setMinimumWidth(620)  # two fields a row, their one-line errors whole
        self._noun = noun
        self._record = record
        creating = record is None
        self.setWindowTitle(f"New {noun}" if creating else f"Edit {noun}")

        self.title_label = QLabel(f"New {noun}" if creating else f"Edit {noun}", self)
        self.title_label.setProperty("role", "headline")
        self.subtitle_label = QLabel(
            "Fields marked * are required; everything else can be filled in later."
            if creating
            else "Only what you change is saved.",
            self,
        )
        self.subtitle_label.setProperty("role", "muted")
        self.subtitle_label.setWordWrap(True)

        self._fields_widget = QWidget()
        self._fields_widget.setObjectName("recordFormFields")
        self.entries: list[FormEntry] = list(entries)
        grid = QGridLayout(self._fields_widget)
        grid.setContentsMargins(0, 0, 0, 0)
        self._grid = grid
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        row = self._place(grid, self.entries, 0)
        if custom:
            heading = QLabel("Custom fields", self._fields_widget)
            heading.setProperty("role", "sectionLabel")
            heading.setObjectName("customFieldsHeading")
            heading.setContentsMargins(0, 8, 0, 0)
            grid.addWidget(heading, row, 0, 1, 2)
            custom_entries = [custom_entry(item, self._fields_widget) for item in custom]
            self.entries.extend(custom_entries)
            row = self._place(grid, custom_entries, row + 1)
        grid.setRowStretch(row, 1)

        self.fields_scroll = QScrollArea(self)
        self.fields_scroll.setObjectName("recordFormScroll")
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_scroll.setWidget(self._fields_widget)
        self.fields_scroll.viewport().setAutoFillBackground(False)

        self.banner = ActionBanner(self)

        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)  # Enter saves; it never throws work away
        self.cancel_button.clicked.connect(self.reject)
        self._save_text = f"Create {noun}" if creating else "Save changes"
        self.save_button = QPushButton(self._save_text, self)
        self.save_button.setObjectName("recordSaveButton")
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addSpacing(4)
        layout.addWidget(self.fields_scroll, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self._layout = layout
        self.duplicates_checked = False
        """Whether the record being made was checked against those that exist (or the
        user chose to create it anyway)."""
        self.duplicates_note: QWidget | None = None

        for item in self.entries:
            item.field.editor.edited.connect(  # type: ignore[attr-defined]
                lambda item=item: self._edited(item)
            )
        self._baseline: dict[str, Any] = {}
        if record is not None:
            self._fill(record)
        self._baseline = self.values()

    # ------------------------------------------------------------------ building

    @staticmethod
    def _place(grid: QGridLayout, entries: Sequence[FormEntry], row: int) -> int:
        column = 0
        for item in entries:
            span = 2 if item.span >= 2 else 1
            if column + span > 2:
                row, column = row + 1, 0
            grid.addWidget(item.field, row, column, 1, span, Qt.AlignmentFlag.AlignTop)
            column += span
            if column >= 2:
                row, column = row + 1, 0
        return row + (1 if column else 0)

    def showEvent(self, event: QShowEvent) -> None:
        self._fit_scroll()
        super().showEvent(event)

    def _fit_scroll(self) -> None:
        """As tall as the fields (styled by now), up to what the screen allows. Once
        shown it only grows: an error appearing or clearing never moves the fields
        under the pointer (their error lines keep their room anyway)."""
        self.ensurePolished()
        limit = MAX_FIELDS_HEIGHT
        screen = self.screen()
        if screen is not None:
            limit = max(240, min(limit, screen.availableGeometry().height() - 260))
        wanted = self._fields_widget.sizeHint().height()
        scrolls = wanted > limit
        # Room between the fields and the scroll bar, only while there is one.
        self._grid.setContentsMargins(0, 0, 10 if scrolls else 0, 0)
        height = min(wanted, limit)
        if self.isVisible() and height <= self.fields_scroll.minimumHeight():
            return
        self.fields_scroll.setMinimumHeight(height)
        self.adjustSize()

    def has_unsaved_changes(self) -> bool:
        """Whether something was typed that is not saved: any value of a new record,
        any change to an existing one."""
        return bool(self.changes())

    def first_field(self) -> QWidget | None:
        """The first field's input (the record's name, a contact's first name)."""
        for item in self.entries:
            editor = item.field.editor
            if editor.isEnabled():
                return editor.focusProxy() or editor
        return super().first_field()

    def entry(self, key: str) -> FormEntry | None:
        """The entry of ``key`` (``email``, ``custom_fields.tier``), if the form has it."""
        return next((item for item in self.entries if item.key == key), None)

    def field(self, key: str) -> FormField:
        """The labelled field of ``key``.

        Raises:
            KeyError: The form has no such field.
        """
        found = self.entry(key)
        if found is None:
            raise KeyError(key)
        return found.field

    # ------------------------------------------------------------------ values

    @property
    def record(self) -> EditableRecord | None:
        """The record edited, as last read from the server; ``None`` when creating."""
        return self._record

    def _stored(self, record: EditableRecord, item: FormEntry) -> Any:
        custom = item.custom_key
        if custom is not None:
            return record.custom_fields.get(custom)
        return getattr(record, item.key, None)

    def _fill(self, record: EditableRecord) -> None:
        for item in self.entries:
            item.input.set_value(self._stored(record, item))

    def values(self) -> dict[str, Any]:
        """Every field's value, by key."""
        return {item.key: item.input.value() for item in self.entries}

    def changes(self) -> dict[str, Any]:
        """What to send: every value given (creating) or what changed (editing)."""
        now = self.values()
        creating = self._record is None
        body: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for item in self.entries:
            value = now[item.key]
            if creating and empty(value):
                continue
            if not creating and value == self._baseline.get(item.key):
                continue
            key = item.custom_key
            if key is None:
                body[item.key] = None if value == "" else value
            else:
                custom[key] = None if empty(value) else value
        if custom:
            body["custom_fields"] = custom
        return body

    # ------------------------------------------------------------------ saving

    def add_note(self, note: QWidget) -> None:
        """Put ``note`` (what the duplicate check found) above the buttons."""
        self.duplicates_note = note
        self._layout.insertWidget(self._layout.indexOf(self.banner), note)

    def refit(self) -> None:
        """Grow to show a note added meanwhile (never shrink while open)."""
        self._layout.activate()
        wanted = self.sizeHint().height()
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def _edited(self, item: FormEntry) -> None:
        item.field.set_error("")
        if item.key in IDENTIFYING and self.duplicates_note is not None:
            self.duplicates_checked = False  # what the check looked at changed
            self.duplicates_note.hide()

    def submit(self) -> None:
        """Check what the form can check itself and, if that is fine, emit :attr:`submitted`."""
        self.banner.clear_message()
        for item in self.entries:
            item.field.set_error("")
        creating = self._record is None
        now = self.values()
        problems: dict[str, str] = {}
        for item in self.entries:
            problem = item.input.problem()
            changed = creating or now[item.key] != self._baseline.get(item.key)
            if not problem and item.required and empty(now[item.key]) and changed:
                problem = item.required
            if problem:
                problems[item.key] = problem
        if problems:
            self._show_problems(problems)
            return
        changes = self.changes()
        if not creating and not changes:
            self.banner.show_message("Nothing has changed.", "info")
            return
        self.set_busy(True)
        self.submitted.emit(changes)

    def set_busy(self, busy: bool) -> None:
        """Lock saving while the server is asked ("Saving…")."""
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else self._save_text)

    def _show_problems(self, problems: dict[str, str]) -> list[str]:
        """Put each problem beside its field; returns those of fields the form lacks."""
        unplaced: list[str] = []
        first: FormEntry | None = None
        for key, problem in problems.items():
            item = self.entry(key)
            if item is None:
                label = key.removeprefix(CUSTOM_PREFIX).replace("_", " ").capitalize()
                unplaced.append(f"{label}: {problem}")
                continue
            item.field.set_error(problem)
            if first is None:
                first = item
        if self.isVisible():
            self._fit_scroll()  # the error lines take room
        if first is not None:
            first.field.editor.setFocus()
            self.fields_scroll.ensureWidgetVisible(first.field)
        return unplaced

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objections beside their fields, the rest in the banner."""
        self.set_busy(False)
        problems = {key: tidy_problem(text) for key, text in message.fields.items()}
        unplaced = self._show_problems(problems)
        if not problems or unplaced:
            text = " ".join(part for part in (message.title, message.text) if part)
            self.banner.show_message("\n".join([text, *unplaced]), "error")
        elif len(problems) > 1:
            self.banner.show_message("Some fields need attention.", "error")

    def show_conflict(self) -> None:
        """Say someone else saved the record meanwhile, with a Reload button."""
        self.set_busy(False)
        self.banner.show_message(CONFLICT_TEXT, "error", "Reload", self.reload_wanted.emit)

    def apply_latest(self, record: EditableRecord) -> None:
        """Take ``record`` (as the server has it now) as the version edited.

        Fields the user has not touched show its values; touched ones keep what the
        user typed, and count as changes against the new version.
        """
        touched = {key for key, value in self.values().items() if value != self._baseline.get(key)}
        self._record = record
        baseline: dict[str, Any] = {}
        for item in self.entries:
            if item.key in touched:
                baseline[item.key] = _TOUCHED  # sent again, whatever the new version holds
                continue
            item.input.set_value(self._stored(record, item))
            baseline[item.key] = item.input.value()
        self._baseline = baseline
        self.banner.show_message(RELOADED_TEXT, "info")
        changed = next((item for item in self.entries if item.key in touched), None)
        if changed is not None:
            changed.field.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            self.fields_scroll.ensureWidgetVisible(changed.field)
        else:
            self.save_button.setFocus(Qt.FocusReason.OtherFocusReason)

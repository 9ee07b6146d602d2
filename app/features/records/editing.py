"""A record list whose records can be created, edited, moved to the trash and brought
back, with one record's detail beside the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from app.api.fields import CustomField
from app.api.records import STALE_WRITE
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.records.conditions import FilterField
from app.features.records.detail import RecordDetail
from app.features.records.duplicates import DuplicatesNote
from app.features.records.form import FormEntry, RecordDialog, entry
from app.features.records.live import LiveRows
from app.features.records.merging import plain_value
from app.features.records.model import (
    BOOL,
    CHOICE,
    DATE,
    ME,
    MULTI,
    NUMBER,
    OWNER,
    OWNER_FIELD,
    TEXT,
    RecordTableModel,
)
from app.features.records.notices import message_text
from app.features.records.ops import EditableRecord, RecordLoader, RecordOps
from app.features.records.owners import OwnerDirectory
from app.features.records.selection import SelectionActions
from app.features.records.view import RecordListPage
from app.qt.core import QModelIndex
from app.qt.gui import QHideEvent
from app.qt.widgets import QWidget
from app.widgets.confirm import ask_to_confirm
from app.widgets.record_form import KeyedChoiceInput

E = TypeVar("E", bound=EditableRecord)

CUSTOM_KINDS = {
    "text": TEXT,
    "number": NUMBER,
    "date": DATE,
    "boolean": BOOL,
    "select": CHOICE,
    "multi_select": MULTI,
}
"""How the filter editor compares each type of custom field."""


class EditableRecordPage(RecordListPage[E]):
    """A record list with "New …", and Edit and Delete (with Undo) in the detail panel.

    Subclasses give the form's fields (:meth:`form_entries`), a record's name
    (:meth:`label_of`) and load what the detail shows besides the fields
    (:meth:`load_relations`).

    The detail panel follows the selection (a click, the arrow keys); several rows
    selected bring the bulk bar (:mod:`~app.features.records.selection`). Delete moves
    the selected records to the trash (asking first); a new record that looks like one
    that exists is said to, before it is made.

    Args:
        noun: One record, for messages ("account").
        records: The calls that read and change the records.
        detail: The panel that shows one record.
        title, subtitle, model, loader, widths, stretch, autoload, new_label, parent:
            As for :class:`RecordListPage`.
        owners: The colleagues' names (the window's; a page of its own reads them).
    """

    def __init__(
        self,
        noun: str,
        records: RecordOps[E],
        detail: RecordDetail,
        title: str,
        subtitle: str,
        model: RecordTableModel[E],
        loader: RecordLoader[E],
        widths: tuple[int, ...],
        stretch: int = 0,
        *,
        autoload: bool = True,
        new_label: str = "",
        owners: OwnerDirectory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            title,
            subtitle,
            model,
            loader,
            widths,
            stretch,
            autoload=autoload,
            records=records,
            new_label=new_label,
            parent=parent,
        )
        self.noun = noun
        self.records: RecordOps[E] = records
        self.custom_fields: list[CustomField] | None = None
        self.dialog: RecordDialog | None = None
        self._focus_id: str | None = None
        self.owners = owners or OwnerDirectory(records.client, records.ops, self)
        """Who owns what (names for the Owner column and pickers)."""
        model.set_owner_names(self.owners.name)
        self.owners.changed.connect(model.owners_changed)
        self.detail = detail
        detail.setParent(self)
        detail.hide()
        detail.edit_wanted.connect(self.open_edit_dialog)
        detail.delete_wanted.connect(self.confirm_delete)
        self.content.addWidget(detail)
        self.table.activated.connect(self.open_index)  # double-click or Enter
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self.selection = SelectionActions(self, self)
        """The bulk bar's actions on the selected records."""
        self.live_rows: LiveRows[E] = LiveRows(
            records.object_type, model, loader, records, self.shown_record, self
        )
        """Keeps the rows up to date with changes made elsewhere (once :meth:`follow`-ing)."""
        self.live_rows.new_count_changed.connect(self.new_notice.set_count)
        self.live_rows.record_updated.connect(self._changed_elsewhere)
        self.live_rows.record_deleted.connect(self._deleted_elsewhere)
        self.live_rows.record_unreadable.connect(self._out_of_sight)
        self.live_rows.resync_wanted.connect(self._resync)

    # ------------------------------------------------------------------ what subclasses give

    def form_entries(self, parent: QWidget) -> list[FormEntry]:
        """The record's own fields in the create/edit dialog, in order."""
        raise NotImplementedError

    def label_of(self, record: E) -> str:
        """How messages name ``record`` ("Acme", "Ada Lovelace")."""
        return str(getattr(record, "name", "")) or f"this {self.noun}"

    def prepare_dialog(self, dialog: RecordDialog, record: E | None) -> None:
        """Wire what a dialog's inputs need from the server (an account picker's search)."""

    def load_relations(self, record: E) -> None:
        """Load what the detail shows besides the record's fields."""

    # ------------------------------------------------------------------ live changes

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date with the changes ``live`` hears: a changed record's
        row is replaced where it is, a deleted one's row goes, and added ones are
        announced in the header ("2 new accounts — Show") rather than inserted."""
        self.live_rows.follow(live)

    def shown_record(self) -> E | None:
        """The record the detail panel shows (``None`` while it is closed)."""
        record: E | None = self.detail.record
        return record if record is not None and not self.detail.isHidden() else None

    def _changed_elsewhere(self, record: E) -> None:
        shown = self.shown_record()
        if shown is not None and shown.id == record.id:
            self.open_record(record)  # its fields and what hangs off it, as they are now

    def _deleted_elsewhere(self, record_id: str) -> None:
        self._close_gone(record_id, "{name} was moved to the trash elsewhere.")

    def _out_of_sight(self, record_id: str) -> None:
        self._close_gone(
            record_id,
            "{name} was changed elsewhere and can no longer be shown here: it was deleted, "
            "or it is no longer yours to see.",
        )

    def _close_gone(self, record_id: str, text: str) -> None:
        """Close the detail if it shows ``record_id``, saying why (``text`` names ``{name}``)."""
        shown = self.shown_record()
        if shown is None or shown.id != record_id:
            return
        self.detail.hide()
        self.detail.record = None
        self.banner.show_message(text.format(name=self.label_of(shown)), "info")

    def _resync(self) -> None:
        if self._loaded_once:
            self.refresh()  # quietly: the rows stay until the new ones are in

    def import_running(self, running: bool) -> None:
        # The import's end loads the list again; its records are not news then.
        self.live_rows.paused = running

    # ------------------------------------------------------------------ custom fields

    def field_labels(self) -> dict[str, str]:
        labels = super().field_labels()
        for definition in self.custom_fields or ():
            labels[f"cf.{definition.key}"] = definition.label
        return labels

    def number_fields(self) -> frozenset[str]:
        numbers = {f"cf.{d.key}" for d in self.custom_fields or () if d.field_type == "number"}
        return super().number_fields() | numbers

    def first_shown(self) -> None:
        super().first_shown()
        self.load_custom_fields()
        self.owners.load()

    def load_custom_fields(self, then: Any = None) -> None:
        """Fetch the company's custom fields of this kind; then call ``then()`` if given."""

        def done(definitions: list[CustomField]) -> None:
            self.custom_fields = definitions
            self.detail.set_custom_fields(definitions)
            if then is not None:
                then()

        def failed(message: UserMessage) -> None:
            self.banner.show_message(
                f"The custom fields could not be loaded. {message_text(message)}", "error"
            )
            if then is not None:
                then()

        self.records.load_custom_fields(done, failed)

    # ------------------------------------------------------------------ the detail

    def open_index(self, index: QModelIndex) -> None:
        """Show the record of ``index``'s row beside the list."""
        if index.isValid() and not self.model.is_gap(index.row()):
            self.open_record(self.model.record_at(index.row()))

    def _selection_moved(self) -> None:
        """The panel follows the row the user selected (a click, an arrow key)."""
        chosen = self.selected_records()
        if len(chosen) != 1:
            return  # none, or several: the bulk bar speaks for them
        record = chosen[0]
        shown = self.shown_record()
        if shown is None or shown.id != record.id:
            self.open_record(record)

    def export_view(self) -> None:
        self.selection.export_view()

    def find_duplicates(self) -> Any:
        return self.selection.find_duplicates()

    def filter_fields(self) -> list[FilterField]:
        """The list's fields, the owner ("me" first) and the company's custom fields."""
        people = [("Me", ME)] + [
            (user.name, user.id) for user in self.owners.everyone() if user.id != self.owners.me
        ]
        custom = [
            FilterField(
                f"cf.{d.key}",
                d.label,
                CUSTOM_KINDS.get(d.field_type, TEXT),
                tuple((option, option) for option in d.options),
            )
            for d in self.custom_fields or ()
        ]
        return [
            *super().filter_fields(),
            FilterField(OWNER_FIELD, "Owner", OWNER, tuple(people)),
            *custom,
        ]

    def value_names(self) -> dict[str, str]:
        names = super().value_names()
        names.update({user.id: user.name for user in self.owners.everyone()})
        return names

    def merge_value_text(self, field: str, value: Any) -> str:
        """How the side-by-side merge shows a field's value (pages name what they know)."""
        return plain_value(field, value)

    def selected_records(self) -> list[E]:
        """The records of the selected rows, in the list's order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.record_at(row) for row in rows if not self.model.is_gap(row)]

    def delete_selected(self) -> None:
        """Move the selected records to the trash, asking first (what Delete does)."""
        chosen = self.selected_records()
        if len(chosen) == 1:
            self.confirm_delete(chosen[0])
        elif chosen:
            self.selection.confirm_delete()
        elif self.shown_record() is not None:
            self.confirm_delete(self.shown_record())  # type: ignore[arg-type]

    def open_record(self, record: E) -> None:
        """Show ``record`` in the detail panel and load what hangs off it."""
        self.detail.show_record(record, "Loading…")
        self.load_relations(record)

    def open_record_id(self, record_id: str) -> None:
        """Select the record ``record_id`` and show it beside the list (what a search
        result opens); it is read from the server if the list has not loaded it."""
        row = self.model.row_of_id(record_id)
        if row is not None:
            self._select_row(row)
            self.open_record(self.model.record_at(row))
            return
        self._focus_id = record_id  # a list still loading selects it if it brings it

        def failed(message: UserMessage) -> None:
            text = f"The {self.noun} could not be opened. {message_text(message)}"
            self.banner.show_message(text, "error")

        self.records.get(record_id, self.open_record, failed)

    def _select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def records_loaded(self) -> None:
        if self._focus_id is None:
            return
        row = self.model.row_of_id(self._focus_id)
        if row is not None:
            self._select_row(row)
        self._focus_id = None

    def _show_saved(self, record: E, text: str) -> None:
        self.banner.show_message(text, "success")
        self._focus_id = record.id
        self.refresh()
        self.open_record(record)

    # ------------------------------------------------------------------ creating, editing

    def open_new_dialog(self) -> RecordDialog | None:
        """Open the dialog that creates a record (non-blocking)."""
        return self._open_dialog(None)

    def open_edit_dialog(self, record: E) -> RecordDialog | None:
        """Open the dialog that edits ``record`` (non-blocking)."""
        return self._open_dialog(record)

    def _open_dialog(self, record: E | None) -> RecordDialog | None:
        if self.custom_fields is None:
            # Not known yet (or they failed): ask once more, then open either way.
            self.load_custom_fields(lambda: self._open_dialog_now(record))
            return None
        return self._open_dialog_now(record)

    def _open_dialog_now(self, record: E | None) -> RecordDialog:
        if self.dialog is not None:
            self.dialog.discard()
        dialog = RecordDialog(
            self.noun,
            [*self.form_entries(self), self._owner_entry(record)],
            self.custom_fields or [],
            record,
            self,
        )
        self.prepare_dialog(dialog, record)
        dialog.submitted.connect(lambda values: self._save(dialog, values))
        dialog.reload_wanted.connect(lambda: self._reload_into(dialog))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _owner_entry(self, record: E | None) -> FormEntry:
        """The form's Owner: whom the user may give the record to (themselves first)."""
        picker = KeyedChoiceInput(self)
        picker.set_choices([(user.name, user.id) for user in self.owners.assignable()])
        owner = getattr(record, "owner_id", None) if record is not None else self.owners.me
        picker.set_value(owner, self.owners.name(owner))
        return entry("owner_id", "Owner", picker, self)

    def hideEvent(self, event: QHideEvent) -> None:
        # The window closes (signing out): its dialog must not keep asking the server.
        if self.dialog is not None:
            self.dialog.discard()
        super().hideEvent(event)

    def _dialog_closed(self, dialog: RecordDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _save(self, dialog: RecordDialog, values: dict[str, Any]) -> None:
        record = dialog.record

        def failed(message: UserMessage) -> None:
            if message.code == STALE_WRITE:
                dialog.show_conflict()
            else:
                dialog.show_failure(message)

        if record is None:

            def created(new: E) -> None:
                dialog.accept()
                self._show_saved(new, f"Created {self.label_of(new)}.")

            def create() -> None:
                self.records.create(values, created, failed)

            if self.checks_duplicates and not dialog.duplicates_checked:
                self._check_duplicates(dialog, values, create)
                return
            create()
        else:

            def updated(changed: E) -> None:
                dialog.accept()
                self._show_saved(changed, f"Saved the changes to {self.label_of(changed)}.")

            self.records.update(record, values, updated, failed)

    # ------------------------------------------------------------------ duplicates

    checks_duplicates = True
    """Whether a new record is checked against the ones that exist before it is made."""

    def _check_duplicates(
        self, dialog: RecordDialog, values: dict[str, Any], create: Callable[[], None]
    ) -> None:
        note = dialog.duplicates_note
        if not isinstance(note, DuplicatesNote):
            note = DuplicatesNote(self.noun, dialog)
            dialog.add_note(note)
            note.create_anyway.connect(lambda: self._create_anyway(dialog))
            note.open_wanted.connect(lambda record_id: self._open_instead(dialog, record_id))

        def found(matches: list[Any]) -> None:
            if not matches:
                dialog.duplicates_checked = True
                create()
                return
            dialog.set_busy(False)
            note.show_matches(matches, self.owners.name, self.owners.me)
            dialog.refit()

        def failed(message: UserMessage) -> None:
            dialog.duplicates_checked = True  # a check that cannot run must not stop work
            create()

        self.records.likely_duplicates(values, found, failed)

    def _create_anyway(self, dialog: RecordDialog) -> None:
        dialog.duplicates_checked = True
        dialog.submit()

    def _open_instead(self, dialog: RecordDialog, record_id: str) -> None:
        dialog.discard()
        self.open_record_id(record_id)

    def _reload_into(self, dialog: RecordDialog) -> None:
        record = dialog.record
        if record is None:
            return
        self.records.get(record.id, dialog.apply_latest, dialog.show_failure)

    # ------------------------------------------------------------------ trash, undo

    def confirm_delete(self, record: E) -> None:
        """Ask, then move ``record`` to the trash."""
        name = self.label_of(record)
        self.confirm_box = ask_to_confirm(
            self, f"Delete {self.noun}", f"Delete {name}?", "Delete", lambda: self.delete(record)
        )
        self.confirm_box.setInformativeText(
            f"The {self.noun} goes to the trash; you can undo this right after."
        )

    def delete(self, record: E) -> None:
        """Move ``record`` to the trash (no question asked) and offer to undo it."""
        name = self.label_of(record)
        self.detail.delete_button.setEnabled(False)

        def done(_: None) -> None:
            self.detail.delete_button.setEnabled(True)
            if self.detail.record is not None and self.detail.record.id == record.id:
                self.detail.hide()
                self.detail.record = None
            self.banner.show_message(
                f"Moved {name} to the trash.", "info", "Undo", lambda: self.undo_delete(record)
            )
            self.refresh()

        def failed(message: UserMessage) -> None:
            self.detail.delete_button.setEnabled(True)
            if message.code == STALE_WRITE:
                self.banner.show_message(
                    f"Someone else changed {name} since it was loaded, so it was not deleted. "
                    "Reload it to see their changes.",
                    "error",
                    "Reload",
                    lambda: self.reload_record(record.id),
                )
            else:
                self.banner.show_message(message_text(message), "error")

        self.records.delete(record, done, failed)

    def undo_delete(self, record: E) -> None:
        """Bring ``record`` back from the trash."""
        name = self.label_of(record)

        def done(restored: E) -> None:
            self._show_saved(restored, f"Restored {name}.")

        def failed(message: UserMessage) -> None:
            text = f"{name} could not be restored. {message_text(message)}"
            self.banner.show_message(text, "error")

        self.records.restore(record.id, done, failed)

    def reload_record(self, record_id: str) -> None:
        """Load the list and the record ``record_id`` again (after someone else changed it)."""

        def done(record: E) -> None:
            self.banner.clear_message()
            self._focus_id = record.id
            self.refresh()
            self.open_record(record)

        def failed(message: UserMessage) -> None:
            self.banner.show_message(message_text(message), "error")
            self.refresh()

        self.records.get(record_id, done, failed)

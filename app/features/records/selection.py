"""The selected records of a list page and what the bulk bar does to them: give them to a
colleague, set one field, move them to the trash (with Undo), save them as CSV; and the
list's own export and merge of possible duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from app.api.fields import CustomField
from app.api.merge import DuplicateGroup
from app.errors import UserMessage
from app.features.records.bulk import BulkBar, SetFieldDialog
from app.features.records.duplicates import DuplicateGroupsDialog
from app.features.records.form import FormEntry, custom_entry
from app.features.records.merging import MergeDialog
from app.features.records.model import RecordTableModel
from app.features.records.ops import RecordOps
from app.features.records.owners import OwnerDirectory
from app.qt.core import QObject
from app.qt.widgets import QAbstractItemView, QDialog, QTableView, QVBoxLayout, QWidget
from app.widgets.confirm import ask_to_confirm
from app.widgets.files import ask_save_path
from app.widgets.record_form import ActionBanner


class SelectionPage(Protocol):
    """What the actions need of the page they act on (an ``EditableRecordPage``)."""

    noun: str
    confirm_box: Any

    @property
    def table(self) -> QTableView: ...
    @property
    def model(self) -> RecordTableModel[Any]: ...
    @property
    def records(self) -> RecordOps[Any]: ...
    @property
    def owners(self) -> OwnerDirectory: ...
    @property
    def banner(self) -> ActionBanner: ...
    @property
    def detail(self) -> Any: ...
    @property
    def above_list(self) -> QVBoxLayout: ...
    @property
    def custom_fields(self) -> Sequence[CustomField] | None: ...

    def selected_records(self) -> list[Any]: ...
    def shown_record(self) -> Any: ...
    def refresh(self) -> None: ...
    def form_entries(self, parent: QWidget) -> list[FormEntry]: ...
    def open_record_id(self, record_id: str) -> None: ...
    def merge_value_text(self, field: str, value: Any) -> str: ...


def sentence(message: UserMessage) -> str:
    """A failure as one line."""
    return " ".join(part for part in (message.title, message.text) if part)


class SelectionActions(QObject):
    """Many records at once on one page: the bulk bar over its list, its dialogs.

    Args:
        page: The page whose list it acts on.
        host: The page as a widget (the dialogs' parent).
    """

    def __init__(self, page: SelectionPage, host: QWidget) -> None:
        super().__init__(host)
        self.page = page
        self.host = host
        self.dialog: QDialog | None = None
        """The set-field, duplicates or merge dialog open, if any."""
        table = page.table
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.bar = BulkBar(page.noun)
        page.above_list.addWidget(self.bar)
        self.bar.assign_wanted.connect(self.assign)
        self.bar.set_field_wanted.connect(self.open_set_field)
        self.bar.delete_wanted.connect(self.confirm_delete)
        self.bar.export_wanted.connect(self.export_selection)
        self.bar.clear_wanted.connect(table.clearSelection)
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        page.owners.changed.connect(self._offer_people)
        self._offer_people()

    def _window(self) -> QWidget:
        """What the actions' dialogs open over: the list's page."""
        return self.host

    def _offer_people(self) -> None:
        self.bar.set_people([(user.name, user.id) for user in self.page.owners.assignable()])

    def _selection_changed(self) -> None:
        self.bar.set_count(len(self.page.selected_records()))

    def _ids(self) -> list[str]:
        return [record.id for record in self.page.selected_records()]

    def _done(self, text: str, reload: bool = True) -> None:
        self.page.banner.show_message(text, "success")
        if reload:
            self.page.refresh()

    def _failed(self, message: UserMessage) -> None:
        self.page.banner.show_message(sentence(message), "error")

    def _count(self, count: int) -> str:
        noun = self.page.noun
        return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"

    # ------------------------------------------------------------------ assign, set

    def assign(self, user_id: str) -> None:
        """Give every selected record to ``user_id``."""
        ids = self._ids()
        if not ids:
            return
        name = self.page.owners.name(user_id)
        self.page.records.bulk_update(
            ids,
            {"owner_id": user_id},
            lambda count: self._done(f"Gave {self._count(count)} to {name}."),
            self._failed,
        )

    def open_set_field(self) -> SetFieldDialog | None:
        """Open the dialog that sets one field of the selected records."""
        ids = self._ids()
        if not ids:
            return None
        page = self.page
        host = self.host
        entries = [
            *page.form_entries(host),
            *(custom_entry(d, host) for d in page.custom_fields or ()),
        ]
        dialog = SetFieldDialog(f"{page.noun}s", len(ids), entries, self._window())

        def done(count: int) -> None:
            dialog.accept()
            self._done(f"Changed {self._count(count)}.")

        dialog.submitted.connect(
            lambda changes: page.records.bulk_update(ids, changes, done, dialog.show_failure)
        )
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # ------------------------------------------------------------------ delete, undo

    def confirm_delete(self) -> None:
        """Ask, then move the selected records to the trash."""
        ids = self._ids()
        if not ids:
            return
        what = self._count(len(ids))
        self.page.confirm_box = ask_to_confirm(
            self._window(), f"Delete {self.page.noun}s", f"Delete {what}?", "Delete", self.delete
        )
        self.page.confirm_box.setInformativeText(
            "They go to the trash; you can undo this right after."
        )

    def delete(self) -> None:
        """Move the selected records to the trash (no question) and offer Undo."""
        ids = self._ids()
        if not ids:
            return

        def done(count: int) -> None:
            shown = self.page.shown_record()
            if shown is not None and shown.id in ids:
                self.page.detail.hide()
                self.page.detail.record = None
            self.page.banner.show_message(
                f"Moved {self._count(count)} to the trash.", "info", "Undo", lambda: self.undo(ids)
            )
            self.page.refresh()

        self.page.records.bulk_delete(ids, done, self._failed)

    def undo(self, ids: list[str]) -> None:
        """Bring the records ``ids`` back from the trash."""
        self.page.records.restore_many(
            ids,
            lambda restored: self._done(f"Restored {self._count(len(restored))}."),
            self._failed,
        )

    # ------------------------------------------------------------------ export

    def export_selection(self) -> None:
        """Ask where, then save the selected records as CSV."""
        ids = self._ids()
        path = ask_save_path(
            self._window(), "Export the selection", f"{self.page.noun}s-selected.csv"
        )
        if ids and path is not None:
            self.export_to(path, ids)

    def export_view(self) -> None:
        """Ask where, then save every record of the list (its filters, its sort) as CSV."""
        path = ask_save_path(self._window(), "Export this view", f"{self.page.noun}s.csv")
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path, record_ids: list[str] | None = None) -> None:
        """Save the records ``record_ids`` (none: the whole list) to ``path``."""
        query = self.page.model.query()
        what = self._count(len(record_ids)) if record_ids else f"the {self.page.noun}s listed"
        self.page.records.export(
            path,
            lambda saved: self._done(f"Saved {what} to {saved.name}.", reload=False),
            self._failed,
            query=query,
            record_ids=record_ids or (),
        )

    # ------------------------------------------------------------------ duplicates, merge

    def find_duplicates(self) -> DuplicateGroupsDialog:
        """Open the list of possible duplicates (its groups load in the background)."""
        dialog = DuplicateGroupsDialog(f"{self.page.noun}s", self._window())
        dialog.merge_wanted.connect(lambda group: self._compare(dialog, group))
        self.page.records.duplicate_groups(
            dialog.show_groups, lambda m: dialog.show_failure(sentence(m))
        )
        self._open(dialog)
        return dialog

    def _compare(self, groups: DuplicateGroupsDialog, group: DuplicateGroup) -> None:
        def arrived(records: list[Any]) -> None:
            order = {record_id: n for n, record_id in enumerate(group.record_ids)}
            records.sort(key=lambda r: order.get(r.id, 0))
            if len(records) < 2:
                groups.show_failure("These records changed meanwhile; look for duplicates again.")
                return
            groups.accept()
            self.open_merge(records)

        self.page.records.get_many(
            group.record_ids, arrived, lambda m: groups.show_failure(sentence(m))
        )

    def open_merge(self, records: list[Any]) -> MergeDialog:
        """Open the side-by-side merge of ``records``."""
        page = self.page

        def value_text(field: str, value: Any) -> str:
            if field == "owner_id":
                return page.owners.name(value)
            return page.merge_value_text(field, value)

        dialog = MergeDialog(page.records.object_type, records, value_text, self._window())

        def merged(result: Any) -> None:
            dialog.accept()
            page.banner.show_message(
                f"Merged {self._count(len(result.merged_ids) + 1)} into one.", "success"
            )
            page.open_record_id(result.winner_id)
            page.refresh()

        dialog.merge_wanted.connect(
            lambda winner, others, fields: page.records.merge(
                winner, others, fields, merged, dialog.show_failure
            )
        )
        self._open(dialog)
        return dialog

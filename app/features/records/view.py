"""A page listing CRM records: title, saved views, quick filter, columns, the server-paged
table and its states."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from app.api.fields import SavedView
from app.errors import UserMessage
from app.features.records.conditions import ConditionsDialog, FilterField
from app.features.records.model import ME, OWNER_FIELD, QUICK, RecordTableModel
from app.features.records.notices import NewRecordsNotice, message_text, total_text
from app.features.records.ops import RecordLoader, RecordOps
from app.features.records.views import (
    SavedViewsBar,
    SaveViewDialog,
    describe_condition,
    describe_sort,
)
from app.qt.core import QEvent, QItemSelectionModel, QObject, Qt, QTimer
from app.qt.gui import QKeyEvent, QShowEvent
from app.qt.widgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog
from app.widgets.record_form import ActionBanner
from app.widgets.tables import list_table

T = TypeVar("T")

FILTER_DELAY_MS = 250
"""How long typing must pause before the server is asked again."""
MIN_STRETCH = 180
"""The narrowest the wide column (Domain, Email) gets before the table scrolls sideways."""


class RecordListPage(QWidget, Generic[T]):
    """A list of records the server pages, sorts (header clicks) and filters.

    Loads when first shown. Column widths are fixed or interactive: measuring
    contents would cost a pass over every row of a long list. Given ``records``,
    the page also offers the user's saved views and a "New …" button (which
    :meth:`open_new_dialog` of a subclass answers).

    Args:
        title: The page's title ("Accounts").
        subtitle: One line under the title.
        model: The records' model.
        loader: Loads the model's pages.
        widths: Width of each column; the ``stretch`` column takes the rest.
        stretch: The column that grows with the page.
        autoload: Load the first page when the page is first shown.
        records: The calls that change records and views; ``None`` for a read-only list.
        new_label: The text of the button that creates a record ("New account").
        parent: The parent widget.
    """

    def __init__(
        self,
        title: str,
        subtitle: str,
        model: RecordTableModel[T],
        loader: RecordLoader[T],
        widths: tuple[int, ...],
        stretch: int = 0,
        *,
        autoload: bool = True,
        records: RecordOps[Any] | None = None,
        new_label: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.loader = loader
        self.records = records
        self._loaded_once = not autoload
        self._load_failed = False
        self.confirm_box: ConfirmDialog | None = None
        self.view_dialog: SaveViewDialog | None = None
        self.import_dialog: QDialog | None = None
        """The import wizard this page's button opened, while it is open."""
        self._open_import: Callable[[], QDialog] | None = None

        title_label = QLabel(title, self)
        title_label.setProperty("role", "pageTitle")
        subtitle_label = QLabel(subtitle, self)
        subtitle_label.setProperty("role", "muted")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        self.title_row = QHBoxLayout()
        """The title, and what a page shows beside it (the Pipeline's Board | List)."""
        self.title_row.setSpacing(16)
        self.title_row.addWidget(title_label)
        self.title_row.addStretch(1)
        heading.addLayout(self.title_row)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("recordCount")
        self.count_label.setProperty("role", "muted")
        subline = QHBoxLayout()
        subline.setSpacing(0)
        self._count_dot = QLabel("  ·  ", self)
        self._count_dot.setProperty("role", "muted")
        subline.addWidget(subtitle_label)
        subline.addWidget(self._count_dot)
        subline.addWidget(self.count_label)
        subline.addStretch(1)
        heading.addLayout(subline)
        self.new_notice = NewRecordsNotice(model.NOUN, self)
        self.new_notice.show_wanted.connect(self.show_new_records)
        self.import_button = QPushButton(icon("import"), "Import CSV…", self)
        self.import_button.setObjectName("importRecordsButton")
        self.import_button.setToolTip(f"Add or update {model.NOUN}s from a CSV file")
        self.import_button.clicked.connect(self.open_import)
        self.import_button.hide()  # until offer_import gives it something to open
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addLayout(heading, 1)
        header.addWidget(self.new_notice, 0, Qt.AlignmentFlag.AlignBottom)
        header.addSpacing(8)
        header.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.new_button = QPushButton(new_label or "New", self)
        self.new_button.setObjectName("newRecordButton")
        self.new_button.setProperty("variant", "primary")
        self.new_button.clicked.connect(self.open_new_dialog)
        self.new_button.setVisible(records is not None and bool(new_label))
        header.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)

        columns_named = list(zip(model.column_keys(), model.HEADERS, strict=False))
        self.views_bar = SavedViewsBar(
            f"All {model.NOUN}s", columns_named, self, mine_text=f"My {model.NOUN}s"
        )
        self.views_bar.filter_button.clicked.connect(self.open_conditions)
        self.conditions_dialog: ConditionsDialog | None = None
        self.views_bar.setVisible(records is not None)
        self.views_bar.view_chosen.connect(self.apply_view)
        self.views_bar.save_wanted.connect(self.open_save_view_dialog)
        self.views_bar.delete_wanted.connect(self._confirm_delete_view)
        self.views_bar.columns_changed.connect(self._show_chosen_columns)

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("recordSearch")
        self.search_edit.setPlaceholderText(model.FILTER_LABEL.capitalize())
        self.search_edit.setToolTip(
            f"Show only the {model.NOUN}s whose {model.FILTER_LABEL} contains what you type"
        )
        self.search_edit.setClearButtonEnabled(True)
        # Wide enough for its placeholder (never cut), at most 260 pixels.
        room = self.search_edit.fontMetrics().horizontalAdvance(self.search_edit.placeholderText())
        self.search_edit.setMinimumWidth(min(260, room + 56))
        self.search_edit.setMaximumWidth(260)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.search_edit.returnPressed.connect(self.apply_filter)
        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(self.views_bar)
        tools.addWidget(self.search_edit, 2)
        if records is not None:
            self.views_bar.add_tools(tools)
        self.more_menu = QMenu(self)
        self.more_menu.setObjectName("listMoreMenu")
        self.views_bar.add_to_menu(self.more_menu)
        self.more_menu.addSeparator()
        self.export_action = self.more_menu.addAction("Export this view to CSV…")
        self.export_action.triggered.connect(lambda _on=False: self.export_view())
        self.duplicates_action = self.more_menu.addAction("Find possible duplicates…")
        self.duplicates_action.triggered.connect(lambda _on=False: self.find_duplicates())
        self.more_menu.addSeparator()
        self.views_bar.add_to_menu(self.more_menu, at_end=True)
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("listMoreButton")
        self.more_button.setText("More")
        self.more_button.setToolTip("Columns, export this view, find possible duplicates")
        self.more_button.setMenu(self.more_menu)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setVisible(records is not None)
        tools.addWidget(self.more_button)
        tools.addStretch(1)
        # A view's conditions get a line of their own under the tools: beside them
        # they would squeeze the buttons as soon as a view has two conditions.
        self.conditions_row = QWidget(self)
        self.conditions_row.setObjectName("viewConditionsRow")
        conditions_title = QLabel("This view shows only:", self.conditions_row)
        conditions_title.setObjectName("viewConditionsTitle")
        self.fixed_label = QLabel("", self.conditions_row)
        self.fixed_label.setObjectName("viewConditions")
        self.fixed_label.setProperty("role", "muted")
        self.fixed_label.setWordWrap(True)
        self.fixed_label.hide()
        conditions = QHBoxLayout(self.conditions_row)
        conditions.setContentsMargins(2, 0, 0, 0)
        conditions.setSpacing(6)
        conditions.addWidget(conditions_title, 0, Qt.AlignmentFlag.AlignTop)
        conditions.addWidget(self.fixed_label, 1)
        self.conditions_row.hide()
        filters = QVBoxLayout()
        filters.setSpacing(8)
        filters.addLayout(tools)
        filters.addWidget(self.conditions_row)

        self.banner = ActionBanner(self)
        self.above_list = QVBoxLayout()
        """What shows between the filters and the list (the bulk bar)."""
        self.above_list.setSpacing(0)

        self.table = list_table(self, "recordTable")
        self.table.setModel(model)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(False)
        for column, width in enumerate(widths):
            columns.resizeSection(column, width)
        columns.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self._stretch = stretch
        self._widths = widths
        self.table.installEventFilter(self)
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self._fill_gap_if_seen())
        loader.end_loaded.connect(self._select_last)
        sort_column, order = model.sort_column()
        columns.setSortIndicator(sort_column, order)
        columns.setSortIndicatorShown(True)
        columns.setSectionsClickable(True)
        # The view calls model.sort on header clicks; the model asks the server.
        self.table.setSortingEnabled(True)
        columns.sortIndicatorChanged.connect(lambda *_: self._keep_indicator_honest())

        self.empty_label = QLabel("", self)
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setProperty("role", "muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget(self)
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty_label)

        self.content = QHBoxLayout()
        """The table and, for pages that have one, a side panel."""
        self.content.setSpacing(16)
        self.content.addWidget(self.body, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(14)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addLayout(self.above_list)
        layout.addLayout(self.content, 1)

        model.state_changed.connect(self._update_state)
        loader.failed.connect(self.show_failure)
        loader.loaded.connect(self._loaded)
        self._update_state()

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Load the first page again."""
        self._loaded_once = True
        self.loader.reload()

    def show_new_records(self) -> None:
        """Load the first page again, with the records added since (the notice's "Show")."""
        self.new_notice.set_count(0)
        self.table.scrollToTop()
        self.refresh()

    def apply_filter(self) -> None:
        """Ask for the records matching the filter box now (typing waits a moment)."""
        self._filter_timer.stop()
        self._loaded_once = True
        self.model.set_filter_text(self.search_edit.text())

    def show_failure(self, message: UserMessage) -> None:
        """Say in the banner why the records could not be loaded."""
        self._load_failed = True
        self.banner.show_message(message_text(message), "error")

    def _loaded(self) -> None:
        if self._load_failed:  # a later load worked: the old failure no longer holds
            self._load_failed = False
            self.banner.clear_message()
        self.records_loaded()

    def records_loaded(self) -> None:
        """A page arrived (subclasses select a record they were waiting for)."""

    def _keep_indicator_honest(self) -> None:
        """Columns the server cannot sort by keep showing the sort really in use."""
        column, order = self.model.sort_column()
        header = self.table.horizontalHeader()
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (column, order):
            header.blockSignals(True)
            header.setSortIndicator(column, order)
            header.blockSignals(False)

    def _update_state(self) -> None:
        empty = self.model.empty_text()
        self.empty_label.setText(empty)
        self.body.setCurrentWidget(self.empty_label if empty else self.table)
        text, tip = total_text(self.model)
        self.count_label.setText(text)
        self.count_label.setToolTip(tip)
        self._count_dot.setVisible(bool(text))
        self._show_gap()

    # ------------------------------------------------------------------ the end (Ctrl+End)

    def go_to_end(self) -> None:
        """Show the list's real last row (what Ctrl+End does): its last page is read if
        it is not loaded, and shows below a gap row standing for those in between."""
        if self.model.has_more() and not self.model.has_gap and self.loader.can_load_end:
            self.loader.load_end()
            return
        self._select_last()

    def _select_last(self) -> None:
        rows = self.model.rowCount()
        if rows and not self.model.is_gap(rows - 1):
            self._select_only(rows - 1)
            self.table.scrollToBottom()

    def go_to_start(self) -> None:
        """Show the list's first row (Ctrl+Home)."""
        if self.model.rowCount():
            self._select_only(0)
            self.table.scrollToTop()

    def _select_only(self, row: int) -> None:
        """Make ``row`` the current and only selected row."""
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0), flags.ClearAndSelect | flags.Rows
        )

    def _show_gap(self) -> None:
        """Draw the gap row across the columns; load what it stands for once in sight."""
        self.table.clearSpans()
        gap = self.model.gap_row()
        if gap is None:
            return
        self.table.setSpan(gap, 0, 1, max(self.model.columnCount(), 1))
        QTimer.singleShot(0, self._fill_gap_if_seen)

    def _fill_gap_if_seen(self) -> None:
        gap = self.model.gap_row()
        if gap is None:
            return
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        bottom = self.model.rowCount() - 1 if bottom < 0 else bottom
        if top <= gap <= bottom:
            self.model.fill_gap()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()
            self.first_shown()

    def first_shown(self) -> None:
        """The page shows for the first time: load the saved views."""
        self.load_views()

    # ------------------------------------------------------------------ creating

    def open_new_dialog(self) -> Any:
        """Open the dialog that creates a record (subclasses that can, do)."""
        return None

    def new_record(self) -> None:
        """What Ctrl+N does: the "New …" button, if the page shows one."""
        if self.new_button.isVisible() and self.new_button.isEnabled():
            self.new_button.click()

    def delete_selected(self) -> None:
        """Move the selected records to the trash (what Delete does; pages that can, do)."""

    def export_view(self) -> None:
        """Save the list as it is filtered to CSV (pages that can, do)."""

    def find_duplicates(self) -> Any:
        """Open the list of possible duplicates (pages that can, do)."""
        return None

    # ------------------------------------------------------------------ conditions

    def filter_fields(self) -> list[FilterField]:
        """What the filter editor offers: the list's fields (pages add the owner and
        their custom fields)."""
        return [FilterField(key, label, kind) for key, label, kind in self.model.FILTERS]

    def open_conditions(self) -> ConditionsDialog:
        """Open the filter editor on the list's conditions (the filter box stays)."""
        dialog = ConditionsDialog(
            f"{self.model.NOUN}s", self.filter_fields(), self.model.fixed_filters, self
        )
        dialog.applied.connect(self.apply_conditions)
        dialog.finished.connect(lambda _r: self._conditions_closed(dialog))
        self.conditions_dialog = dialog
        dialog.open()
        return dialog

    def _conditions_closed(self, dialog: ConditionsDialog) -> None:
        if self.conditions_dialog is dialog:
            self.conditions_dialog = None
        dialog.deleteLater()

    def apply_conditions(self, conditions: Sequence[str]) -> None:
        """Show the records that meet ``conditions`` (and the filter box's text)."""
        query = self.model.query()
        quick = (f"{QUICK}:contains:{query.quick}",) if query.quick else ()
        self.model.apply_query((*conditions, *quick), query.sort)
        self._show_conditions()

    def offer_import(self, open_wizard: Callable[[], QDialog]) -> None:
        """Show "Import CSV…" in the header; pressing it calls ``open_wizard``.

        Args:
            open_wizard: Opens the import wizard over this page and returns it.
        """
        self._open_import = open_wizard
        self.import_button.show()

    def open_import(self) -> QDialog | None:
        """Open the import wizard (what "Import CSV…" does); ``None`` if none is offered."""
        if self._open_import is None:
            return None
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            return self.import_dialog
        dialog = self._open_import()
        self.import_dialog = dialog
        dialog.finished.connect(lambda _result: self._import_closed(dialog))
        self.import_running(True)
        return dialog

    def import_running(self, running: bool) -> None:
        """The import wizard of this page opened (``True``) or closed (subclasses react)."""

    def _import_closed(self, dialog: QDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
            self.import_running(False)

    # ------------------------------------------------------------------ saved views

    def field_labels(self) -> dict[str, str]:
        """What people call each field a view may filter or sort by (``size`` →
        "Employees"), for wording a view's conditions."""
        labels = dict(zip(self.model.column_keys(), self.model.HEADERS, strict=False))
        labels[QUICK] = self.model.FILTER_LABEL.capitalize()
        labels[OWNER_FIELD] = "Owner"
        return labels

    def number_fields(self) -> frozenset[str]:
        """The fields that hold numbers (their conditions read "at least 1,000")."""
        return self.model.number_fields()

    def value_names(self) -> dict[str, str]:
        """Values a condition names by id and people by name (``me`` → "you")."""
        return {ME: "you"}

    def describe(self, conditions: Sequence[str]) -> list[str]:
        """Each condition worded for people (``Employees is at least 1,000``)."""
        labels, numbers, names = self.field_labels(), self.number_fields(), self.value_names()
        return [describe_condition(c, labels, numbers, names) for c in conditions]

    def load_views(self, current: str | None = None) -> None:
        """Fetch the user's saved views and list them, ``current`` (an id) picked."""
        if self.records is None:
            return

        def failed(message: UserMessage) -> None:
            text = f"Your saved views could not be loaded. {message_text(message)}"
            self.banner.show_message(text, "error")

        self.records.load_views(lambda views: self.views_bar.set_views(views, current), failed)

    def apply_view(self, view: SavedView | None) -> None:
        """Show the records of ``view`` (its filters, sort and columns); ``None``: all."""
        self._filter_timer.stop()
        self._loaded_once = True
        if view is None:
            self.model.apply_query((), None)
            self.views_bar.show_columns(())
        else:
            self.model.apply_query(view.filters, view.sort)
            self.views_bar.show_columns(view.columns)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(self.model.filter_text)
        self.search_edit.blockSignals(False)
        self._keep_indicator_honest()
        self._show_conditions()

    def _show_conditions(self) -> None:
        """Word the list's conditions on their line under the tools (hidden if none)."""
        fixed = self.describe(self.model.fixed_filters)
        self.fixed_label.setText(" · ".join(fixed))
        self.fixed_label.setToolTip("Conditions besides the filter box (Filter… changes them)")
        self.fixed_label.setVisible(bool(fixed))
        self.conditions_row.setVisible(bool(fixed))
        count = len(self.model.fixed_filters)
        self.views_bar.filter_button.setText(f"Filter ({count})…" if count else "Filter…")

    def _show_chosen_columns(self) -> None:
        shown = set(self.views_bar.visible_columns())
        for column, key in enumerate(self.model.column_keys()):
            self.table.setColumnHidden(column, key not in shown)
        self._fit_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._fit_columns)  # once the viewport has its new width
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Delete and not event.modifiers():
                self.delete_selected()
                return True
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                if event.key() == Qt.Key.Key_End:
                    self.go_to_end()
                    return True
                if event.key() == Qt.Key.Key_Home:
                    self.go_to_start()
                    return True
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Let the wide column stretch, but never below :data:`MIN_STRETCH`: the model's
        spare columns give way first, then the table scrolls sideways (e.g. while a
        detail panel takes room)."""
        self._give_way()
        header = self.table.horizontalHeader()
        stretch = self._stretch
        # Without its wide column (a view hid it), the last column shown takes the rest
        # of the width, so the rows do not end in a blank strip.
        header.setStretchLastSection(self.table.isColumnHidden(stretch))
        if self.table.isColumnHidden(stretch):
            return
        others = sum(
            header.sectionSize(column)
            for column in range(self.model.columnCount())
            if column != stretch and not self.table.isColumnHidden(column)
        )
        room = self.table.viewport().width() - others
        if room >= MIN_STRETCH:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        elif header.sectionResizeMode(stretch) != QHeaderView.ResizeMode.Interactive:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(stretch, MIN_STRETCH)

    def _give_way(self) -> None:
        """Hide the model's ``SPARE_COLUMNS`` the list has no room for (the first named
        goes first) and show them again once it has; the columns a view hides stay
        hidden."""
        spare = self.model.SPARE_COLUMNS
        if not spare:
            return
        chosen = set(self.views_bar.visible_columns())
        keys = self.model.column_keys()
        header = self.table.horizontalHeader()
        kept = [c for c in range(self.model.columnCount()) if keys[c] in chosen]
        room = (
            self.table.viewport().width()
            - MIN_STRETCH
            - sum(header.sectionSize(c) for c in kept if c != self._stretch and c not in spare)
        )
        for column in reversed(spare):  # the last named is the last to go
            width = self._widths[column] if column < len(self._widths) else 0
            fits = keys[column] in chosen and width <= room
            if fits:
                room -= width
            if self.table.isColumnHidden(column) == fits:
                self.table.setColumnHidden(column, not fits)
                if fits:
                    header.resizeSection(column, width)

    def open_save_view_dialog(self) -> SaveViewDialog | None:
        """Ask for a name, then save the current filters, sort and columns as a view."""
        if self.records is None:
            return None
        records = self.records
        labels = self.field_labels()
        query = self.model.query()
        columns = self.views_bar.visible_columns()
        dialog = SaveViewDialog(
            f"{self.model.NOUN}s",
            self.describe(query.saved_filters()),
            describe_sort(query.sort, labels),
            [labels.get(key, key) for key in columns],
            self,
        )

        def saved(view: SavedView) -> None:
            dialog.accept()
            self.banner.show_message(f'Saved the view "{view.name}".', "success")
            self.load_views(view.id)

        dialog.submitted.connect(
            lambda name: records.save_view(name, query, columns, saved, dialog.show_failure)
        )
        dialog.finished.connect(lambda _result: self._view_dialog_closed(dialog))
        self.view_dialog = dialog
        dialog.open()
        return dialog

    def _view_dialog_closed(self, dialog: SaveViewDialog) -> None:
        if self.view_dialog is dialog:
            self.view_dialog = None
        dialog.deleteLater()

    def _confirm_delete_view(self, view: SavedView) -> None:
        self.confirm_box = ask_to_confirm(
            self,
            "Delete view",
            f'Delete the view "{view.name}"?',
            "Delete view",
            lambda: self.delete_view(view),
        )
        self.confirm_box.setInformativeText(f"The {self.model.NOUN}s themselves stay as they are.")

    def delete_view(self, view: SavedView) -> None:
        """Delete ``view`` (no question asked; the button asks first) and show all records."""
        if self.records is None:
            return

        def done(_: None) -> None:
            self.banner.show_message(f'Deleted the view "{view.name}".', "success")
            self.views_bar.choose(None)
            self.load_views()

        def failed(message: UserMessage) -> None:
            self.banner.show_message(message_text(message), "error")

        self.records.delete_view(view.id, done, failed)

"""Saved views of a record list: the bar that picks one, chooses the columns shown and
saves or deletes views, and the dialog that names a new one."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from app.api.fields import SavedView
from app.errors import UserMessage
from app.features.records.form import tidy_problem
from app.qt.core import Qt, Signal
from app.qt.gui import QAction, QShowEvent
from app.qt.widgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import FormField, MessageBanner, fit_height

OPERATOR_WORDS = {
    "eq": "is",
    "ne": "is not",
    "lt": "is less than",
    "lte": "is at most",
    "gt": "is more than",
    "gte": "is at least",
    "contains": "contains",
    "starts": "starts with",
    "in": "is one of",
    "empty": "is empty",
    "notempty": "is not empty",
}


MINE_VIEW = "mine"
"""The id of the built-in "My accounts" view (never a saved view's, which are UUIDs)."""
MINE_FILTER = "owner_id:eq:me"


def field_label(field: str, labels: Mapping[str, str]) -> str:
    """The name people read for a list field (``size`` → "Employees")."""
    if field in labels:
        return labels[field]
    return field.removeprefix("cf.").replace("_", " ").capitalize()


def number_text(value: str) -> str | None:
    """``1000`` → "1,000", ``2500.5`` → "2,500.5"; ``None`` if ``value`` is not a number."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,}"


def value_text(value: str, is_number: bool) -> str:
    """A condition's value as people write it: a number bare ("1,000"), text quoted."""
    if is_number:
        shown = number_text(value)
        if shown is not None:
            return shown
    return f'"{value}"'


def describe_condition(
    condition: str,
    labels: Mapping[str, str],
    numbers: Collection[str] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """``name:contains:acme`` → ``Name contains "acme"``; ``size:gte:1000`` →
    ``Employees is at least 1,000`` when ``size`` is among ``numbers`` (fields that
    hold numbers: a postal code or a phone number stays quoted text); values in
    ``names`` (a user's id, ``me``) read as the name given, unquoted ("Owner is you")."""
    field, _, rest = condition.partition(":")
    op, _, value = rest.partition(":")
    words = OPERATOR_WORDS.get(op, op)
    name = field_label(field, labels)
    if op in ("empty", "notempty"):
        return f"{name} {words}"
    is_number = field in numbers
    known = names or {}

    def shown(part: str) -> str:
        return known[part] if part in known else value_text(part, is_number)

    if op == "in":
        values = [shown(part.strip()) for part in value.split(",")]
        return f"{name} {words} {', '.join(values)}"
    return f"{name} {words} {shown(value)}"


def describe_sort(sort: str, labels: Mapping[str, str]) -> str:
    """``-size`` → "Employees, descending"."""
    order = "descending" if sort.startswith("-") else "ascending"
    return f"{field_label(sort.removeprefix('-'), labels)}, {order}"


class SavedViewsBar(QWidget):
    """Pick a saved view, choose the columns, save the list as a view or delete one.

    Args:
        all_text: The first entry, the list as it comes ("All accounts").
        columns: (key, header) of each column; the first one cannot be hidden.
        parent: The parent widget.

    Signals:
        view_chosen(object): The user picked a :class:`SavedView` (``None``: all records).
        save_wanted(): The user wants to save the list as a view.
        delete_wanted(object): The user wants to delete this :class:`SavedView`.
        columns_changed(): The user showed or hid a column.
    """

    view_chosen = Signal(object)
    save_wanted = Signal()
    delete_wanted = Signal(object)
    columns_changed = Signal()

    def __init__(
        self,
        all_text: str,
        columns: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        mine_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("savedViewsBar")
        self._all_text = all_text
        self._builtin = (
            [SavedView(id=MINE_VIEW, object_type="", name=mine_text, filters=[MINE_FILTER])]
            if mine_text
            else []
        )
        """Views every user has (not saved, not deletable): "My accounts"."""
        self.combo = QComboBox(self)
        self.combo.setObjectName("viewsCombo")
        self.combo.setMinimumWidth(150)
        self.combo.setMinimumContentsLength(12)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setToolTip("Saved views: filters, sort order and columns you chose before")
        self.combo.addItem(all_text, None)
        for view in self._builtin:
            self.combo.addItem(view.name, view)
        self.combo.activated.connect(lambda _index: self._chosen())

        self.columns_menu = QMenu(self)
        self.columns_menu.setObjectName("columnsMenu")
        self.column_actions: dict[str, QAction] = {}
        for number, (key, header) in enumerate(columns):
            action = QAction(header, self.columns_menu)
            action.setCheckable(True)
            action.setChecked(True)
            action.setEnabled(number > 0)  # the name column always shows
            action.toggled.connect(lambda _on: self.columns_changed.emit())
            self.columns_menu.addAction(action)
            self.column_actions[key] = action

        self.filter_button = QPushButton("Filter…", self)
        self.filter_button.setObjectName("filterButton")
        self.filter_button.setToolTip("Show only the records that meet conditions you choose")
        self.save_button = QPushButton("Save view…", self)
        self.save_button.setObjectName("saveViewButton")
        self.save_button.clicked.connect(self.save_wanted.emit)
        self.delete_action = QAction("Delete this view…", self)
        """In the list's More menu while a saved view is picked."""
        self.delete_action.setObjectName("deleteViewAction")
        self.delete_action.triggered.connect(lambda _on=False: self._delete())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.combo)
        self._update_buttons()

    def add_tools(self, layout: QHBoxLayout) -> None:
        """Put the Filter and Save view buttons in ``layout`` (the rest goes in a menu, so
        the tools fit a 1024-pixel window: :meth:`add_to_menu`)."""
        layout.addWidget(self.filter_button)
        layout.addWidget(self.save_button)

    def add_to_menu(self, menu: QMenu, *, at_end: bool = False) -> None:
        """Put the Columns submenu (first) or Delete this view (``at_end``) in ``menu``."""
        if at_end:
            menu.addAction(self.delete_action)
            return
        self.columns_menu.setTitle("Columns")
        menu.addMenu(self.columns_menu)

    # ------------------------------------------------------------------ views

    def set_views(self, views: Sequence[SavedView], current: str | None = None) -> None:
        """List ``views`` (by name, as the server sorts them) and pick ``current`` (an id)."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self._all_text, None)
        for view in [*self._builtin, *views]:
            self.combo.addItem(view.name, view)
        self.combo.setCurrentIndex(self._index_of(current))
        self.combo.blockSignals(False)
        self._update_buttons()

    def views(self) -> list[SavedView]:
        """The saved views listed (not the built-in ones)."""
        first = 1 + len(self._builtin)
        return [self.combo.itemData(index) for index in range(first, self.combo.count())]

    def _index_of(self, view_id: str | None) -> int:
        for index in range(1, self.combo.count()):
            view = self.combo.itemData(index)
            if isinstance(view, SavedView) and view.id == view_id:
                return index
        return 0

    def current_view(self) -> SavedView | None:
        """The view picked (``None``: all records)."""
        view = self.combo.currentData()
        return view if isinstance(view, SavedView) else None

    def choose(self, view_id: str | None) -> None:
        """Pick the view ``view_id`` (``None``: all) as if the user had."""
        self.combo.setCurrentIndex(self._index_of(view_id))
        self._chosen()

    def _chosen(self) -> None:
        self._update_buttons()
        self.view_chosen.emit(self.current_view())

    def _delete(self) -> None:
        view = self.current_view()
        if view is not None:
            self.delete_wanted.emit(view)

    def _update_buttons(self) -> None:
        view = self.current_view()
        if view is not None and view.id == MINE_VIEW:
            view = None  # built in: nothing to delete
        self.delete_action.setVisible(view is not None)
        text = f"Delete the view “{view.name}”…" if view else "Delete this view…"
        self.delete_action.setText(text)

    # ------------------------------------------------------------------ columns

    def visible_columns(self) -> list[str]:
        """The keys of the columns shown, in the list's order."""
        return [key for key, action in self.column_actions.items() if action.isChecked()]

    def show_columns(self, keys: Sequence[str]) -> None:
        """Show only the columns in ``keys`` (all of them for an empty list)."""
        wanted = set(keys)
        for number, (key, action) in enumerate(self.column_actions.items()):
            action.blockSignals(True)
            action.setChecked(not wanted or key in wanted or number == 0)
            action.blockSignals(False)
        self.columns_changed.emit()


class SaveViewDialog(FormDialog):
    """Name the list as it is now (filters, sort, columns) and save it as a view.

    Args:
        noun: The records listed, plural ("accounts").
        conditions: The filters, worded (``Name contains "acme"``).
        sort: The sort order, worded.
        columns: The headers of the columns shown.
        parent: The parent widget.

    Signals:
        submitted(str): The name, once given.
    """

    submitted = Signal(str)

    def __init__(
        self,
        noun: str,
        conditions: Sequence[str],
        sort: str,
        columns: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("saveViewDialog")
        self.setWindowTitle("Save view")
        self.setModal(True)
        self.setMinimumWidth(460)
        title = QLabel("Save this view", self)
        title.setProperty("role", "headline")
        subtitle = QLabel(
            f"Keeps how the {noun} are filtered, sorted and which columns show, "
            "so you can come back to it from the views list. Only you see your views.",
            self,
        )
        subtitle.setProperty("role", "muted")
        subtitle.setWordWrap(True)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("viewNameEdit")
        self.name_edit.setPlaceholderText("e.g. Big accounts in Lyon")
        self.name_field = FormField("Name", self.name_edit, parent=self)
        self.name_edit.textEdited.connect(lambda _text: self.name_field.set_error(""))

        summary = QWidget(self)
        summary.setObjectName("viewSummary")
        grid = QGridLayout(summary)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        rows = (
            ("Filters", "\n".join(conditions) if conditions else f"None: all {noun}"),
            ("Sort", sort),
            ("Columns", ", ".join(columns)),
        )
        self.summary_labels: dict[str, QLabel] = {}
        for row, (name, text) in enumerate(rows):
            label = QLabel(name, summary)
            label.setProperty("role", "muted")
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            value = QLabel(text, summary)
            value.setWordWrap(True)
            grid.addWidget(value, row, 1)
            self.summary_labels[name] = value
        grid.setColumnStretch(1, 1)

        self.banner = MessageBanner(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save view", self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.name_field)
        layout.addWidget(summary)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)  # word-wrapped lines need the height of their real width

    def submit(self) -> None:
        """Emit :attr:`submitted` with the name, or say that one is needed."""
        name = self.name_edit.text().strip()
        self.banner.clear_message()
        if not name:
            self.name_field.set_error("Give the view a name.")
            self.name_edit.setFocus()
            return
        self.set_busy(True)
        self.submitted.emit(name)

    def set_busy(self, busy: bool) -> None:
        """Lock saving while the server is asked."""
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else "Save view")

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objection to the name beside it, anything else in the banner."""
        self.set_busy(False)
        problem = message.fields.get("name")
        if problem:
            self.name_field.set_error(tidy_problem(problem))
            self.name_edit.setFocus()
        else:
            text = " ".join(part for part in (message.title, message.text) if part)
            self.banner.show_message(text, "error")
        if self.isVisible():
            fit_height(self)

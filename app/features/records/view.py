"""A page listing CRM records: title, quick filter, the server-paged table, its states."""

from __future__ import annotations

from typing import Generic, TypeVar

from app.errors import UserMessage
from app.features.records.model import RecordTableModel
from app.features.records.ops import RecordLoader
from app.qt import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import MessageBanner
from app.widgets.tables import list_table

T = TypeVar("T")

FILTER_DELAY_MS = 250
"""How long typing must pause before the server is asked again."""


class RecordListPage(QWidget, Generic[T]):
    """A list of records the server pages, sorts (header clicks) and filters.

    Loads when first shown. Column widths are fixed or interactive: measuring
    contents would cost a pass over every row of a long list.

    Args:
        title: The page's title ("Accounts").
        subtitle: One line under the title.
        model: The records' model.
        loader: Loads the model's pages.
        widths: Width of each column; the ``stretch`` column takes the rest.
        stretch: The column that grows with the page.
        autoload: Load the first page when the page is first shown.
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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.loader = loader
        self._loaded_once = not autoload

        title_label = QLabel(title, self)
        title_label.setProperty("role", "pageTitle")
        subtitle_label = QLabel(subtitle, self)
        subtitle_label.setProperty("role", "muted")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(title_label)
        heading.addWidget(subtitle_label)

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("recordSearch")
        self.search_edit.setPlaceholderText(f"Filter {model.NOUN}s by {model.FILTER_LABEL}")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setFixedWidth(280)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.search_edit.returnPressed.connect(self.apply_filter)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("recordCount")
        self.count_label.setProperty("role", "muted")
        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(self.search_edit)
        tools.addStretch(1)
        tools.addWidget(self.count_label)

        self.banner = MessageBanner(self)

        self.table = list_table(self, "recordTable")
        self.table.setModel(model)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(False)
        for column, width in enumerate(widths):
            columns.resizeSection(column, width)
        columns.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
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
        layout.addLayout(heading)
        layout.addWidget(self.banner)
        layout.addLayout(tools)
        layout.addLayout(self.content, 1)

        model.state_changed.connect(self._update_state)
        loader.failed.connect(self.show_failure)
        loader.loaded.connect(self.banner.clear_message)
        self._update_state()

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Load the first page again."""
        self._loaded_once = True
        self.loader.reload()

    def apply_filter(self) -> None:
        """Ask for the records matching the filter box now (typing waits a moment)."""
        self._filter_timer.stop()
        self._loaded_once = True
        self.model.set_filter_text(self.search_edit.text())

    def show_failure(self, message: UserMessage) -> None:
        """Say in the banner why the records could not be loaded."""
        text = " ".join(part for part in (message.title, message.text) if part)
        self.banner.show_message(text, "error")

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
        count = self.model.rowCount()
        if self.model.loading:
            self.count_label.setText("Loading…")
        elif not self.model.loaded:
            self.count_label.setText("")
        else:
            more = "+" if self.model.has_more() else ""
            self.count_label.setText(f"{count}{more} shown")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

"""The Pipeline page: the deals as a board or as a list, one switch between them.

As in Pipedrive and HubSpot, one place holds the deals and a "Board | List" switch
beside its title picks the view: the board (drag deals between stages) or the list
(sort by amount or close date, see owners, select many to reassign, change, delete or
export them). The choice holds for the session; the switch sits at the same place in
both views.
"""

from __future__ import annotations

from app.features.deals.view import DealsListPage
from app.features.live.model import LiveChanges
from app.features.pipeline.view import PipelinePage
from app.qt.core import Qt, Signal
from app.qt.widgets import QHBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget
from app.widgets.view_switch import ViewSwitch

BOARD, LIST = "board", "list"
"""The two views of the deals."""


class DealsPage(QWidget):
    """The deals of the company as a board or as a list.

    Args:
        board: The Pipeline board.
        deals: The deals list.
        parent: The parent widget.

    Signals:
        view_changed(str): The view shown now (:data:`BOARD` or :data:`LIST`).
    """

    view_changed = Signal(str)

    def __init__(
        self, board: PipelinePage, deals: DealsListPage, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dealsPage")
        self.board = board
        self.list = deals
        self.switch = ViewSwitch(
            [
                (BOARD, "&Board", "The deals in columns by stage; drag one to move it (Alt+B)"),
                (LIST, "&List", "The deals as a list: sort, see owners, change many (Alt+L)"),
            ],
            self,
        )
        self.switch.chosen.connect(self.show_view)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(board)
        self.stack.addWidget(deals)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        board.pipelines_loaded.connect(deals.show_pipelines)
        self._view = BOARD
        self._place_switch(board.title_row)

    @property
    def view(self) -> str:
        """The view shown (:data:`BOARD` or :data:`LIST`)."""
        return self._view

    @property
    def current(self) -> PipelinePage | DealsListPage:
        """The page of the view shown."""
        return self.list if self._view == LIST else self.board

    def show_view(self, view: str) -> None:
        """Show the board (:data:`BOARD`) or the list (:data:`LIST`)."""
        if view not in (BOARD, LIST):
            return
        self.switch.set_current(view)
        if view == self._view:
            return
        self._view = view
        page = self.current
        self._place_switch(page.title_row)
        self.stack.setCurrentWidget(page)
        self.view_changed.emit(view)

    def _place_switch(self, row: QHBoxLayout) -> None:
        """Put the switch beside the title of the view shown (the same place in both)."""
        for old in (self.board.title_row, self.list.title_row):
            if old is not row:
                old.removeWidget(self.switch)
        if row.indexOf(self.switch) < 0:
            row.insertWidget(1, self.switch, 0, Qt.AlignmentFlag.AlignVCenter)
        self.switch.show()

    # ------------------------------------------------------------------ what the window asks

    def follow(self, live: LiveChanges) -> None:
        """Keep both views up to date with the changes ``live`` hears."""
        self.board.follow(live)
        self.list.follow(live)

    def open_opportunity(self, opportunity_id: str) -> None:
        """Open a deal where it lives in the view shown: beside the list, or in the
        board's editor (a search hit, a deal on an account's panel)."""
        if self._view == LIST:
            self.list.open_record_id(opportunity_id)
        else:
            self.board.open_opportunity(opportunity_id)

    def new_record(self) -> None:
        """What Ctrl+N does: a new deal, in the deal editor."""
        self.current.new_record()

    def refresh(self) -> None:
        """What F5 does: load the view shown again."""
        self.current.refresh()

    @property
    def search_edit(self) -> QLineEdit | None:
        """The filter box Ctrl+F goes to (the list's; the board has none)."""
        return self.list.search_edit if self._view == LIST else None

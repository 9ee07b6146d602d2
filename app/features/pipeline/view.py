"""The Pipeline page: a board with one column per stage; drag a deal to move it.

A move shows at once: the card goes to its new column (tinted, "Saving…") and
both headers count it there. The server is then asked, naming the version the
board showed; if it refuses (someone changed the deal, it was deleted, the
user may not change it, the network is down) the card goes back where it was,
the headers show the server's figures again, and a banner says why.

Followed to a live stream (:meth:`PipelinePage.follow`), the board shows what
others do as it happens: a deal moved, changed, added or deleted elsewhere has its
card moved, updated, added or removed in place (tagged for a few seconds so the
rep notices), and the headers take the server's new figures. Scroll positions,
a card being dragged and a move on its way are left alone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from app.api.paging import MAX_PAGE
from app.api.pipelines import Board, Pipeline
from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.opportunities.ops import OpportunityEditorOps
from app.features.opportunities.view import OpportunityDialog
from app.features.pipeline.board import BoardDirectory, BoardState, ColumnCards, StageSummary
from app.features.pipeline.column import StageColumn
from app.features.pipeline.dialogs import LostReasonDialog, refusal_text, sentence
from app.features.pipeline.follow import BoardFollower
from app.features.pipeline.model import StageCardsModel, total_lines
from app.features.pipeline.names import CardNames
from app.features.pipeline.ops import CARDS_PAGE_SIZE, CardPage, PipelineOps
from app.qt.core import Qt, QTimer, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.form import MessageBanner

log = logging.getLogger(__name__)

FRESH_MS = 4000
"""How long a card changed elsewhere stays tagged ("Moved here", "Updated", "New")."""


class PipelinePage(QWidget):
    """The deals of a pipeline as a board: columns per stage with their totals.

    Loads when first shown. A column loads its first 50 cards and more as it is
    scrolled (or "Load more" is pressed); its header's count and totals are the
    server's, over all of the stage's deals.

    Args:
        pipelines: The board's calls.
        autoload: Load the board when the page is first shown.
        parent: The parent widget.

    Signals:
        pipelines_loaded(object): The ``list`` of :class:`Pipeline` the board read (the
            deals list names its stages after them).
    """

    pipelines_loaded = Signal(object)

    def __init__(
        self, pipelines: PipelineOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pipelinePage")
        self._ops = pipelines
        self._editor = OpportunityEditorOps(pipelines.client, pipelines.ops)
        self._loaded_once = not autoload
        self.pipelines: list[Pipeline] = []
        self._state = BoardState()
        self.columns: dict[str, StageColumn] = {}
        """The columns' widgets by stage id (their cards are :attr:`state`'s)."""
        self.follower = BoardFollower(self, pipelines, self)
        self.dialog: QDialog | None = None
        self.names = CardNames(self._state.directory, pipelines, self._names_arrived, self)
        """Looks up the account names and owners' initials the cards show."""

        title = QLabel("Pipeline", self)
        title.setProperty("role", "pageTitle")
        subtitle = QLabel(
            "Drag a deal to another stage to move it; double-click a deal to edit it.", self
        )
        subtitle.setProperty("role", "muted")
        subtitle.setWordWrap(True)  # a narrow window wraps it rather than cutting it
        subtitle.setMinimumWidth(160)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        self.title_row = QHBoxLayout()
        """The title, and what shows beside it (the Board | List switch)."""
        self.title_row.setSpacing(16)
        self.title_row.addWidget(title)
        self.title_row.addStretch(1)
        heading.addLayout(self.title_row)
        heading.addWidget(subtitle)
        self.pipeline_combo = QComboBox(self)
        self.pipeline_combo.setObjectName("pipelineChooser")
        self.pipeline_combo.setMinimumWidth(180)
        self.pipeline_combo.hide()
        self.pipeline_combo.activated.connect(self._pipeline_chosen)
        self.owner_combo = QComboBox(self)
        self.owner_combo.setObjectName("boardOwner")
        self.owner_combo.setToolTip("Whose deals the board shows")
        self.owner_combo.addItem("Everyone's deals", None)
        self.owner_combo.addItem("My deals", "me")
        self.owner_combo.activated.connect(lambda _row: self._owner_chosen())
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.new_button = QPushButton("New opportunity", self)
        self.new_button.setProperty("variant", "primary")
        self.new_button.setEnabled(False)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addLayout(heading, 1)
        header.addWidget(self.pipeline_combo)
        header.addWidget(self.owner_combo)
        header.addWidget(self.refresh_button)
        header.addWidget(self.new_button)

        self.banner = MessageBanner(self)
        self.reload_button = QPushButton("Reload board", self)
        self.reload_button.setProperty("variant", "small")
        self.reload_button.clicked.connect(self.refresh)
        self.reload_button.hide()
        banner_row = QHBoxLayout()
        banner_row.setSpacing(8)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.board = QWidget()
        self.board.setObjectName("pipelineBoard")
        self.board_layout = QHBoxLayout(self.board)
        self.board_layout.setContentsMargins(0, 0, 0, 4)
        self.board_layout.setSpacing(12)
        self.board_layout.addStretch(1)
        self.board_scroll = QScrollArea(self)
        self.board_scroll.setObjectName("pipelineScroll")
        self.board_scroll.setWidgetResizable(True)
        self.board_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.board_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.board_scroll.setWidget(self.board)
        self.state_label = QLabel("Loading the pipeline…", self)
        self.state_label.setObjectName("emptyState")
        self.state_label.setProperty("role", "muted")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget(self)
        self.body.addWidget(self.state_label)
        self.body.addWidget(self.board_scroll)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 16)
        layout.setSpacing(14)
        layout.addLayout(header)
        layout.addLayout(banner_row)
        layout.addWidget(self.body, 1)

    # ------------------------------------------------------------------ loading

    @property
    def state(self) -> BoardState:
        """The board's cards, figures and moves (plain Python)."""
        return self._state

    @property
    def pipeline(self) -> Pipeline | None:
        """The pipeline shown (or being opened)."""
        return self._state.pipeline

    @property
    def directory(self) -> BoardDirectory:
        """The account names and owners' initials the cards show."""
        return self._state.directory

    @property
    def moves_pending(self) -> int:
        """How many moves wait for the server."""
        return len(self._state.pending)

    @property
    def generation(self) -> int:
        """Grows whenever the board is loaded afresh (answers to older asks are dropped)."""
        return self._state.generation

    def refresh(self) -> None:
        """Load the pipelines, then the chosen one's board, from the start."""
        self._loaded_once = True
        generation = self._state.new_generation()
        self.refresh_button.setEnabled(False)
        self.reload_button.hide()
        self.names.load_owners()

        def arrived(pipelines: list[Pipeline]) -> None:
            if generation != self._state.generation:
                return
            self._show_pipelines(pipelines)

        self._ops.load_pipelines(arrived, self._load_failed)

    def _show_pipelines(self, pipelines: list[Pipeline]) -> None:
        self.pipelines = pipelines
        self.pipelines_loaded.emit(pipelines)
        if not pipelines:
            self.refresh_button.setEnabled(True)
            self.state_label.setText("There is no pipeline yet.")
            self.body.setCurrentWidget(self.state_label)
            return
        current = self.pipeline.id if self.pipeline is not None else None
        chosen = next((p for p in pipelines if p.id == current), pipelines[0])
        self.pipeline_combo.blockSignals(True)
        self.pipeline_combo.clear()
        for pipeline in pipelines:
            self.pipeline_combo.addItem(pipeline.name, pipeline.id)
        self.pipeline_combo.setCurrentIndex(self.pipeline_combo.findData(chosen.id))
        self.pipeline_combo.blockSignals(False)
        self.pipeline_combo.setVisible(len(pipelines) > 1)
        self.open_pipeline(chosen)

    def _pipeline_chosen(self, row: int) -> None:
        pipeline = next(
            (p for p in self.pipelines if p.id == self.pipeline_combo.itemData(row)), None
        )
        if pipeline is not None and (self.pipeline is None or pipeline.id != self.pipeline.id):
            self._state.new_generation()
            self.banner.clear_message()
            self.open_pipeline(pipeline)

    def show_owner(self, owner: str | None) -> None:
        """Show only ``owner``'s deals (a user id, ``"me"``; ``None``: everyone's), as
        picking them in the owner box does."""
        row = self.owner_combo.findData(owner)
        if row >= 0:
            self.owner_combo.setCurrentIndex(row)
        self._owner_chosen()

    def _owner_chosen(self) -> None:
        chosen = self.owner_combo.currentData()
        owner = self._ops.me if chosen == "me" else chosen
        if owner == self._ops.owner_id:
            return
        self._ops.owner_id = owner or None
        if self.pipeline is not None:
            self._state.new_generation()
            self.banner.clear_message()
            self.open_pipeline(self.pipeline)

    def _offer_owners(self) -> None:
        """List the colleagues in the owner box once their names are known."""
        me = self._ops.me
        known = {self.owner_combo.itemData(row) for row in range(self.owner_combo.count())}
        people = sorted(self.directory.owners.items(), key=lambda item: item[1].casefold())
        for user_id, name in people:
            if user_id != me and user_id not in known:
                self.owner_combo.addItem(f"{name}'s deals", user_id)

    def new_record(self) -> None:
        """What Ctrl+N does: "New opportunity" (once the board has stages)."""
        if self.new_button.isEnabled():
            self.new_button.click()

    def open_pipeline(self, pipeline: Pipeline) -> None:
        """Show ``pipeline``'s board: its totals, then each column's first cards."""
        generation = self._state.generation
        self._state.pipeline = pipeline
        self.new_button.setEnabled(bool(pipeline.stages))
        self.refresh_button.setEnabled(False)

        def arrived(board: Board) -> None:
            if generation == self._state.generation:
                self._show_board(board.pipeline, [StageSummary.of(c) for c in board.columns])

        def failed(message: UserMessage) -> None:
            if generation != self._state.generation:
                return
            # The deals can still be shown, by the stages the pipeline list gave.
            self._show_board(pipeline, [StageSummary(s, known=False) for s in pipeline.stages])
            self.banner.show_message(
                f"The totals could not be loaded. {sentence(message)}", "error"
            )

        self._ops.load_board(pipeline.id, arrived, failed)

    def _load_failed(self, message: UserMessage) -> None:
        self.refresh_button.setEnabled(True)
        self.banner.show_message(f"The board could not be loaded. {sentence(message)}", "error")
        if not self.columns:
            self.state_label.setText("The board could not be loaded.")
            self.body.setCurrentWidget(self.state_label)

    def _show_board(self, pipeline: Pipeline, summaries: list[StageSummary]) -> None:
        self.refresh_button.setEnabled(True)
        self._build_columns(self._state.show(pipeline, summaries))
        self._show_totals()
        self.body.setCurrentWidget(self.board_scroll)
        if not summaries:
            self.state_label.setText(f"{pipeline.name} has no stages yet.")
            self.body.setCurrentWidget(self.state_label)
        for stage_id in self.columns:
            self._load_cards(stage_id, None)

    def _build_columns(self, cards: list[ColumnCards]) -> None:
        for column in self.columns.values():
            self.board_layout.removeWidget(column)
            column.deleteLater()
        self.columns = {}
        for position, stage_cards in enumerate(cards):
            stage = stage_cards.stage
            model = StageCardsModel(stage_cards, self.directory, self)
            model.more_wanted.connect(lambda cursor, s=stage.id: self._load_cards(s, cursor))
            column = StageColumn(model, self.board)
            column.card_dropped.connect(self.move_card)
            column.card_opened.connect(self.open_editor)
            column.drag_ended.connect(self.follower.release)
            self.board_layout.insertWidget(position, column)
            self.columns[stage.id] = column

    def _load_cards(self, stage_id: str, cursor: str | None) -> None:
        generation = self._state.generation
        column = self.columns[stage_id]
        cards = column.model.column

        def arrived(page: CardPage) -> None:
            if generation != self._state.generation:
                return
            if cursor is None:
                cards.set_first_page(page.items, page.next_cursor)
            else:
                cards.append_page(page.items, page.next_cursor)
            self.name_accounts(page.items)

        def failed(message: UserMessage) -> None:
            if generation != self._state.generation:
                return
            cards.more_failed()
            self.banner.show_message(
                f"The deals in {column.stage.name} could not be loaded. {sentence(message)}",
                "error",
            )

        self._ops.load_cards(stage_id, cursor, arrived, failed)

    def name_accounts(self, cards: list[Opportunity]) -> None:
        """Look up the accounts of ``cards`` whose names are not known yet (the
        columns' pages arriving together, in one call)."""
        self.names.name(cards)

    def rename_account(self, account_id: str) -> None:
        """An account changed: read its name again if cards show it (the old name
        stays until the new one arrives)."""
        self.names.rename(account_id)

    def _names_arrived(self) -> None:
        self._offer_owners()
        for column in self.columns.values():
            column.model.names_arrived()

    def _show_totals(self) -> None:
        shown = self._state.summaries()
        rows = max((len(total_lines(s)) for s in shown.values()), default=1)
        for stage_id, column in self.columns.items():
            column.set_summary(shown[stage_id], rows)

    def refresh_totals(self) -> None:
        """Ask the server for the columns' figures again (after moves and edits)."""
        if self.pipeline is None:
            return
        ask = self._state.ask_figures()

        def arrived(board: Board) -> None:
            # A move started meanwhile may or may not be in these figures: its end
            # asks again.
            if self._state.figures_arrived(ask, [StageSummary.of(c) for c in board.columns]):
                self._show_totals()

        self._ops.load_board(self.pipeline.id, arrived, lambda m: log.info("totals: %s", m.title))

    # ------------------------------------------------------------------ moving

    def find_card(self, opportunity_id: str) -> tuple[StageColumn, Opportunity] | None:
        """The column holding a deal's card, and the card."""
        found = self._state.find(opportunity_id)
        if found is None:
            return None
        cards, card = found
        return self.columns[cards.stage.id], card

    def move_card(self, opportunity_id: str, stage_id: str) -> LostReasonDialog | None:
        """Move a deal to another stage (what dropping its card does).

        A lost stage asks for the reason first; the move starts once the user
        confirms (the dialog is returned, already open).
        """
        found = self.find_card(opportunity_id)
        target = self.columns.get(stage_id)
        if found is None or target is None:
            return None
        source, card = found
        if source is target or source.model.is_pending(opportunity_id):
            return None
        if target.stage.outcome == "lost":
            dialog = LostReasonDialog(card, target.stage, self)
            dialog.confirmed.connect(
                lambda reason: self._start_move(opportunity_id, stage_id, reason)
            )
            dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
            self.dialog = dialog
            dialog.open()
            return dialog
        self._start_move(opportunity_id, stage_id, None)
        return None

    def _start_move(self, opportunity_id: str, stage_id: str, reason: str | None) -> None:
        state = self._state
        move = state.start_move(opportunity_id, stage_id)
        if move is None:
            return  # the board was reloaded meanwhile
        self.columns[stage_id].list.scrollToTop()
        self._show_totals()
        self.banner.clear_message()
        self.reload_button.hide()
        generation = state.generation

        def done(updated: Opportunity) -> None:
            if generation != state.generation:
                return
            if not state.move_saved(move, updated):
                log.info("moved card %s no longer shown", move.card.id)
            self._show_totals()
            if not state.pending:
                self.refresh_totals()
            self.follower.release()

        def failed(message: UserMessage) -> None:
            if generation != state.generation:
                return
            state.move_refused(move)
            self._show_totals()
            self.banner.show_message(
                refusal_text(message, move.card, move.source, move.target), "error"
            )
            self.reload_button.setVisible(message.code in ("stale_write", "not_found"))
            if not state.pending and state.figures_wanted:
                self.refresh_totals()
            self.follower.release()

        self._ops.move(move.card, stage_id, reason, done, failed)

    # ------------------------------------------------------------------ following

    def follow(self, live: LiveChanges) -> None:
        """Keep the board current with the changes ``live`` hears (deals moved,
        changed, added or deleted by others, or by this user elsewhere)."""
        self.follower.follow(live)

    @property
    def busy(self) -> bool:
        """Whether a card is being dragged or a move waits for the server."""
        return bool(self._state.pending) or any(
            c.list.dragging_id is not None for c in self.columns.values()
        )

    def is_busy_with(self, opportunity_id: str) -> bool:
        """Whether the deal's card is being dragged or its move waits for the server."""
        return opportunity_id in self._state.pending or any(
            c.list.dragging_id == opportunity_id for c in self.columns.values()
        )

    def shown_version(self, opportunity_id: str) -> int | None:
        """The oldest version of the deal the board shows: its card, and the editor
        when it is open on it (``None``: neither shows it)."""
        versions = []
        found = self._state.find(opportunity_id)
        if found is not None:
            versions.append(found[1].version)
        dialog = self.dialog
        editing = dialog.record if isinstance(dialog, OpportunityDialog) else None
        if editing is not None and editing.id == opportunity_id:
            versions.append(editing.version)
        return min(versions) if versions else None

    def show_change(self, opportunity_id: str, record: Opportunity | None) -> bool:
        """Show a deal as it now is: ``record`` (its current version), or ``None`` when
        it was deleted or is out of the user's reach. Its card moves, changes, comes
        or goes in place (tagged for a few seconds), the scroll positions stay, and an
        open editor on it is told. Returns whether the columns' figures may have
        changed."""
        dialog = self.dialog  # the page forgets a dialog once it is closed
        if isinstance(dialog, OpportunityDialog):
            dialog.notice_change(opportunity_id, record)
        if record is not None and not self._ops.shows(record):
            record = None  # another owner's, while the board shows one owner's: it leaves
        with self._keeping_places():
            shown = self._state.show_change(opportunity_id, record)
        if shown.reload:
            self.reload_quietly()  # a stage this board does not know: the pipeline changed
        if shown.fresh is not None:
            cards, label = shown.fresh
            mark = cards.mark_fresh(opportunity_id, label)
            model = self.columns[cards.stage.id].model  # the tag goes with its column
            QTimer.singleShot(
                FRESH_MS, model, lambda: model.column.clear_fresh(opportunity_id, mark)
            )
        if shown.to_name:
            self.name_accounts(list(shown.to_name))
        return shown.totals_moved

    @contextlib.contextmanager
    def _keeping_places(self) -> Iterator[None]:
        with contextlib.ExitStack() as places:
            for column in self.columns.values():
                places.enter_context(column.keep_place())
            yield

    def reload_quietly(self) -> None:
        """Load the board again in place: the same columns keep their scroll
        positions and as many cards as they had loaded; no "Loading" state. Waits
        while a card is dragged or a move is on its way."""
        pipeline = self.pipeline
        if pipeline is None or not self.columns:
            return
        if self.busy:
            self.follower.reload_later()
            return
        state = self._state
        generation, epoch = state.generation, state.epoch
        limits = {
            stage_id: min(MAX_PAGE, max(CARDS_PAGE_SIZE, column.model.rowCount()))
            for stage_id, column in self.columns.items()
        }

        def arrived(answer: tuple[Board, dict[str, CardPage]]) -> None:
            board, pages = answer
            if generation != state.generation:
                return
            if epoch != state.epoch or self.busy:
                self.follower.reload_later()  # the user moved a card meanwhile: again, later
                self.follower.release()
                return
            summaries = [StageSummary.of(c) for c in board.columns]
            if [s.stage for s in summaries] != state.stages():
                state.new_generation()  # the stages changed: build the board anew
                self._show_board(board.pipeline, summaries)
                return
            for stage_id, column in self.columns.items():
                page = pages[stage_id]
                with column.keep_place():
                    column.model.column.set_first_page(page.items, page.next_cursor)
                self.name_accounts(page.items)
            state.pipeline = board.pipeline
            state.set_figures(summaries)
            self._show_totals()

        self._ops.load_columns(pipeline.id, limits, arrived, self.show_missed_changes)

    def show_missed_changes(self, message: UserMessage) -> None:
        """Changes made elsewhere could not be read: the board may be behind."""
        self.banner.show_message(
            f"Changes made elsewhere could not be shown. {sentence(message)}", "error"
        )
        self.reload_button.show()

    # ------------------------------------------------------------------ editing

    def open_editor(self, opportunity_id: str | None) -> OpportunityDialog | None:
        """Open the editor on a deal (``None``: a new one in the board's first stage).

        Returns:
            The dialog (already open); ``None`` while a deal not on the board is
            read first (see :meth:`open_opportunity`), or before the board loaded.
        """
        found = self.find_card(opportunity_id) if opportunity_id is not None else None
        if opportunity_id is not None and found is None:
            self.open_opportunity(opportunity_id)
            return None
        if self.pipeline is None:
            return None
        return self._open_dialog(self.pipeline, found[1] if found is not None else None)

    def open_opportunity(self, opportunity_id: str) -> None:
        """Open the editor on any deal, on the board or not (e.g. a search hit): it
        is read first, and edited with its own pipeline's stages."""

        def arrived(answer: tuple[Opportunity, list[Pipeline]]) -> None:
            record, pipelines = answer
            pipeline = next((p for p in pipelines if p.id == record.pipeline_id), None)
            if pipeline is None:
                self.banner.show_message("That deal's pipeline could not be found.", "error")
                return
            self._open_dialog(pipeline, record)

        def failed(message: UserMessage) -> None:
            self.banner.show_message(f"The deal could not be opened. {sentence(message)}", "error")

        self._ops.load_opportunity(opportunity_id, self.pipelines, arrived, failed)

    def _open_dialog(self, pipeline: Pipeline, record: Opportunity | None) -> OpportunityDialog:
        dialog = OpportunityDialog(self._editor, pipeline, record, parent=self)
        dialog.saved.connect(self._saved)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _saved(self, record: Opportunity) -> None:
        found = self._state.find(record.id)
        target = self._state.columns.get(record.stage_id)
        if found is not None and found[0] is target:
            target.replace(record)
        else:
            if found is not None:
                found[0].take(record.id)
            if target is not None:
                target.insert(0, record)
                self.columns[record.stage_id].list.scrollToTop()
        self.name_accounts([record])
        self.banner.show_message(f"Saved “{record.name}”.", "success")
        self.refresh_totals()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

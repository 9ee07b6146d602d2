"""Keeps an open board in step with changes made elsewhere, as the live stream tells them.

The stream says *which* deal changed and to which version. A change the board
already shows is no news (:class:`~app.api.live.Echoes`: this window's own moves
and saves coming back, or a version the card shows already) and nothing is read
for it. The others are gathered for a short pause (a move is several events:
updated, stage changed, won…), read in one call (``filter=id:in:…``), and each
deal's new version, or its absence (deleted, out of reach), is handed to the board,
which moves, updates, adds or removes the card in place. A deal whose card the user
is dragging, or whose move waits for the server, is held back and read again once
that is over: what the user is doing is never pulled from under the pointer.
"""

from __future__ import annotations

import logging
from typing import Protocol

from app.api.live import Change, Echoes
from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.pipeline.board import BoardState
from app.features.pipeline.ops import PipelineOps
from app.qt.core import QElapsedTimer, QObject, QTimer, Signal

log = logging.getLogger(__name__)

LIVE_DELAY_MS = 200
"""Changes heard within this pause of each other are read together."""

LIVE_MAX_DELAY_MS = 1000
"""A steady trickle of changes is read at least this often."""

OPPORTUNITY = "opportunity"
ACCOUNT = "account"


class FollowedBoard(Protocol):
    """What the follower needs of the board it keeps current (the Pipeline page)."""

    @property
    def state(self) -> BoardState:
        """The board's cards, figures and moves."""
        ...

    @property
    def busy(self) -> bool:
        """Whether a card is being dragged or a move waits for the server."""
        ...

    def is_busy_with(self, opportunity_id: str) -> bool:
        """Whether the deal's card is being dragged or its move waits for the server."""
        ...

    def shown_version(self, opportunity_id: str) -> int | None:
        """The oldest version of the deal the board shows (a card, an open editor)."""
        ...

    def show_change(self, opportunity_id: str, record: Opportunity | None) -> bool:
        """Show a deal's new version (``None``: gone); whether the figures may have moved."""
        ...

    def rename_account(self, account_id: str) -> None:
        """Read an account's name again if cards show it."""
        ...

    def reload_quietly(self) -> None:
        """Load the board again in place."""
        ...

    def refresh_totals(self) -> None:
        """Ask the server for the columns' figures again."""
        ...

    def show_missed_changes(self, message: UserMessage) -> None:
        """Say that changes made elsewhere could not be shown."""
        ...


class BoardFollower(QObject):
    """Hears a :class:`LiveChanges` for a board and applies what it hears.

    Args:
        board: The board to keep current.
        pipelines: The board's calls.
        parent: The parent object.

    Signals:
        applied(object): A ``frozenset`` of the opportunity ids whose new versions
            were read and shown (including reads that changed nothing).
        ignored(object): A :class:`~app.api.live.Change` of a deal that was no news
            to the board (this window's own change coming back, or a version shown
            already): nothing was read.
    """

    applied = Signal(object)
    ignored = Signal(object)

    def __init__(
        self, board: FollowedBoard, pipelines: PipelineOps, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._board = board
        self._ops = pipelines
        self._echoes = Echoes(pipelines.client)
        self._live: LiveChanges | None = None
        self._queued: set[str] = set()
        self.held: set[str] = set()
        """Ids heard while their card was being dragged or moved; read once that is over."""
        self._reading = False
        self._reload_wanted = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_DELAY_MS)
        self._timer.timeout.connect(self._read)
        self._waiting = QElapsedTimer()

    @property
    def live(self) -> LiveChanges | None:
        """The stream followed, if any."""
        return self._live

    def follow(self, live: LiveChanges) -> None:
        """Listen to ``live`` (instead of the stream followed before, if any)."""
        if live is self._live:
            return
        if self._live is not None:
            try:
                self._live.changed.disconnect(self.hear)
                self._live.resync.disconnect(self.resync)
                self._live.connected_changed.disconnect(self._connection_changed)
            except RuntimeError:  # the stream of a closed window is gone with it
                pass
        self._live = live
        live.changed.connect(self.hear)
        live.resync.connect(self.resync)
        live.connected_changed.connect(self._connection_changed)

    # ------------------------------------------------------------------ hearing

    def hear(self, change: Change) -> None:
        """A record changed: read it soon if it is a deal the board does not show as
        it is now; read an account's name again if cards show it (whoever renamed it:
        this window's Accounts page too)."""
        if change.kind == ACCOUNT:
            self._board.rename_account(change.id)
        if change.kind != OPPORTUNITY:
            return
        if not self._echoes.is_news(change, self._board.shown_version(change.id)):
            self.ignored.emit(change)
            return
        self._queued.add(change.id)
        self._schedule()

    def resync(self) -> None:
        """Changes were lost on the way: reload the board quietly, once nothing is
        being dragged or moved."""
        self._queued.clear()
        self.held.clear()
        self._reload_wanted = True
        self.release()

    def _connection_changed(self, connected: bool) -> None:
        # Changes made while the stream was not open (before it first opened, or
        # while it was broken) were not heard: catch up with what is shown.
        if connected and self._board.state.columns:
            self.resync()

    def release(self) -> None:
        """A drag or a move is over: read what was held back for it, and reload
        the board if a reload waited."""
        board = self._board
        if self._reload_wanted and not board.busy:
            self._reload_wanted = False
            board.reload_quietly()
        free = {i for i in self.held if not board.is_busy_with(i)}
        if free:
            self.held -= free
            self._queued |= free
            self._schedule()

    def reload_later(self) -> None:
        """The board could not reload now (a drag or a move): do it when it is over."""
        self._reload_wanted = True

    def _schedule(self) -> None:
        if self._reading or not self._queued:
            return
        if not self._timer.isActive():
            self._waiting.start()
            self._timer.start()
        elif self._waiting.elapsed() < LIVE_MAX_DELAY_MS:
            self._timer.start()  # the burst goes on: wait for its end

    # ------------------------------------------------------------------ reading

    def _read(self) -> None:
        board = self._board
        state = board.state
        if state.pipeline is None or not state.columns:
            self._queued.clear()  # nothing shown yet: its first load will be current
            return
        ids = sorted(self._queued)
        self._queued.clear()
        busy = {i for i in ids if board.is_busy_with(i)}
        self.held |= busy
        wanted = [i for i in ids if i not in busy]
        if not wanted:
            return
        self._reading = True
        generation = state.generation

        def arrived(records: list[Opportunity]) -> None:
            self._reading = False
            if generation == state.generation:
                self._apply(wanted, {r.id: r for r in records})
            self._schedule()

        def failed(message: UserMessage) -> None:
            self._reading = False
            log.info("changed deals not read: %s %s", message.title, message.details)
            if generation == state.generation:
                board.show_missed_changes(message)
            self._schedule()

        self._ops.load_changed(wanted, arrived, failed)

    def _apply(self, ids: list[str], found: dict[str, Opportunity]) -> None:
        board = self._board
        totals_moved = False
        for opportunity_id in ids:
            if board.is_busy_with(opportunity_id):  # a drag or a move began meanwhile
                self.held.add(opportunity_id)
                continue
            totals_moved |= board.show_change(opportunity_id, found.get(opportunity_id))
        if totals_moved:
            board.refresh_totals()
        self.applied.emit(frozenset(ids))

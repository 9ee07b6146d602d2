"""Keeps an open board in step with changes made elsewhere, as the live stream tells them.

The stream says only *which* deal changed. The board gathers the ids that arrive
within a short pause (a move is several events: updated, stage changed, won…),
reads them in one call (``filter=id:in:…``), and hands each deal's new version,
or its absence (deleted, out of reach), to the page, which moves, updates, adds
or removes the card in place. A deal whose card the user is dragging, or whose
move waits for the server, is held back and read again once that is over: what
the user is doing is never pulled from under the pointer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.api.live import Change
from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.opportunities.view import OpportunityDialog
from app.features.pipeline.column import StageColumn
from app.features.pipeline.ops import PipelineOps
from app.qt.core import QElapsedTimer, QObject, QTimer, Signal

if TYPE_CHECKING:
    from app.features.pipeline.view import PipelinePage

log = logging.getLogger(__name__)

LIVE_DELAY_MS = 200
"""Changes heard within this pause of each other are read together."""

LIVE_MAX_DELAY_MS = 1000
"""A steady trickle of changes is read at least this often."""

FRESH_MS = 4000
"""How long a card changed elsewhere stays tagged ("Moved here", "Updated", "New")."""

OPPORTUNITY = "opportunity"
ACCOUNT = "account"


class BoardFollower(QObject):
    """Hears a :class:`LiveChanges` for a :class:`PipelinePage` and applies what it hears.

    Args:
        page: The board to keep current.
        pipelines: The board's calls.

    Signals:
        applied(object): A ``frozenset`` of the opportunity ids whose news was
            applied to the board (including news that changed nothing, such as
            this window's own saves coming back).
    """

    applied = Signal(object)

    def __init__(self, page: PipelinePage, pipelines: PipelineOps) -> None:
        super().__init__(page)
        self._page = page
        self._ops = pipelines
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
        """A record changed elsewhere: read it soon if it is a deal; read an
        account's name again if cards show it."""
        if change.kind == ACCOUNT:
            self._page.rename_account(change.id)
        if change.kind != OPPORTUNITY:
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
        if connected and self._page.columns:
            self.resync()

    def release(self) -> None:
        """A drag or a move is over: read what was held back for it, and reload
        the board if a reload waited."""
        page = self._page
        if self._reload_wanted and not page.busy:
            self._reload_wanted = False
            page.reload_quietly()
        free = {i for i in self.held if not page.is_busy_with(i)}
        if free:
            self.held -= free
            self._queued |= free
            self._schedule()

    def reload_later(self) -> None:
        """The page could not reload now (a drag or a move): do it when it is over."""
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
        page = self._page
        if page.pipeline is None or not page.columns:
            self._queued.clear()  # nothing shown yet: its first load will be current
            return
        ids = sorted(self._queued)
        self._queued.clear()
        busy = {i for i in ids if page.is_busy_with(i)}
        self.held |= busy
        wanted = [i for i in ids if i not in busy]
        if not wanted:
            return
        self._reading = True
        generation = page.generation

        def arrived(records: list[Opportunity]) -> None:
            self._reading = False
            if generation == page.generation:
                self._apply(wanted, {r.id: r for r in records})
            self._schedule()

        def failed(message: UserMessage) -> None:
            self._reading = False
            log.info("changed deals not read: %s %s", message.title, message.details)
            if generation == page.generation:
                page.show_missed_changes(message)
            self._schedule()

        self._ops.load_changed(wanted, arrived, failed)

    def _apply(self, ids: list[str], found: dict[str, Opportunity]) -> None:
        page = self._page
        totals_moved = False
        for opportunity_id in ids:
            if page.is_busy_with(opportunity_id):  # a drag or a move began meanwhile
                self.held.add(opportunity_id)
                continue
            totals_moved |= self.apply_change(opportunity_id, found.get(opportunity_id))
        if totals_moved:
            page.refresh_totals()
        self.applied.emit(frozenset(ids))

    def apply_change(self, opportunity_id: str, record: Opportunity | None) -> bool:
        """Show a deal as it now is: ``record`` (its current version), or ``None``
        when it was deleted or is out of the user's reach; an open editor on it is
        told. Returns whether the columns' figures may have changed."""
        page = self._page
        dialog = page.dialog  # the page forgets a dialog once it is closed
        if isinstance(dialog, OpportunityDialog):
            dialog.notice_change(opportunity_id, record)
        found = page.find_card(opportunity_id)
        if record is None or page.pipeline is None or record.pipeline_id != page.pipeline.id:
            if found is not None:
                with found[0].keep_place():
                    found[0].model.take(opportunity_id)
                return True
            return record is None  # a deal deleted from a page not loaded yet counted
        target = page.columns.get(record.stage_id)
        if target is None:
            page.reload_quietly()  # a stage this board does not know: the pipeline changed
            return False
        label = "New"
        if found is not None:
            source, shown = found
            if shown.version >= record.version:
                return False  # shown already (e.g. this window's own save coming back)
            if source is target:
                source.model.replace(record)
                self._flash(source, record.id, "Updated")
                page.name_accounts([record])
                return True
            with source.keep_place():
                source.model.take(opportunity_id)
            label = "Moved here"
        row = target.model.sorted_row(record)
        if row is not None:
            with target.keep_place():
                target.model.insert(row, record)
            self._flash(target, record.id, label)
            page.name_accounts([record])
        return True

    def _flash(self, column: StageColumn, opportunity_id: str, label: str) -> None:
        model = column.model
        mark = model.mark_fresh(opportunity_id, label)
        QTimer.singleShot(FRESH_MS, model, lambda: model.clear_fresh(opportunity_id, mark))

"""The board's state in plain Python (no Qt): its columns' cards, their totals, the moves
in flight, and what a change made elsewhere does to them.

A column's totals are the server's (``GET /pipelines/{id}/board``) with the moves
the user made since applied on top: a move shows at once, and if the server
refuses it, dropping it gives back exactly the server's figures (Decimal
arithmetic, no rounding drift). Cards are paged from the server per stage; a
column holds only the pages loaded so far.

Whoever shows a column (the Qt item model of ``model.py``) listens to its
:class:`ColumnCards` through a :class:`CardsListener`, told before and after every
row that comes, goes or changes, as Qt's models need to be.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.api.pipelines import Pipeline, Stage, StageTotals
from app.api.records import LOST, WON, Opportunity

CENT = Decimal("0.01")

NEW, UPDATED, MOVED_HERE = "New", "Updated", "Moved here"
"""The tags of a card changed elsewhere, for the rep to notice it."""


def weighted(amount: Decimal | None, probability: int) -> Decimal:
    """``amount * probability / 100``, to the cent, rounded as the server rounds (half up)."""
    if amount is None:
        return Decimal(0)
    return (amount * probability / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def probability_in(card: Opportunity, stage: Stage) -> int:
    """The chance a deal has in ``stage``: its own override, or the stage's."""
    if card.probability_override is not None:
        return card.probability_override
    return stage.probability


def initials(name: str) -> str:
    """``"Olive Owner"`` → ``"OO"``; one word gives one letter; "" for no name."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


def count_text(count: int) -> str:
    """``1`` → "1 deal", ``1234`` → "1,234 deals"."""
    return f"{count:,} deal{'s' if count != 1 else ''}"


def close_text(card: Opportunity, today: date) -> tuple[str, bool]:
    """How a card states its close date, and whether it is overdue (open and past)."""
    if card.close_date is None:
        return "No close date", False
    when = card.close_date.isoformat()
    if card.status == WON:
        return f"Won · {when}", False
    if card.status == LOST:
        return f"Lost · {when}", False
    if card.close_date < today:
        return f"Overdue · {when}", True
    return f"Closes {when}", False


def card_order(card: Opportunity) -> tuple[bool, date, str]:
    """Where a card sorts in its column, as the server sorts a stage's deals: by
    close date, those without one last, then by id (a UUID's order is its text's)."""
    return card.close_date is None, card.close_date or date.min, card.id.lower()


# ---------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Move:
    """A card the user moved that the server's figures may not include yet.

    Attributes:
        card: The deal as it was before the move.
        source: Where it came from.
        target: Where it went.
        row: Its row in the source column (where a refused move puts it back).
    """

    card: Opportunity
    source: Stage
    target: Stage
    row: int = 0


@dataclass
class StageSummary:
    """What a column header says: how many deals, their totals per currency.

    Attributes:
        stage: The column's stage.
        count: How many deals.
        totals: Summed amounts per currency.
        weighted: Summed weighted amounts per currency.
        known: ``False`` when the server's figures could not be read.
    """

    stage: Stage
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)
    known: bool = True

    @classmethod
    def of(cls, column: StageTotals) -> StageSummary:
        """The server's figures for a column."""
        return cls(column.stage, column.count, dict(column.totals), dict(column.weighted))

    def copy(self) -> StageSummary:
        """An independent copy."""
        return StageSummary(
            self.stage, self.count, dict(self.totals), dict(self.weighted), self.known
        )

    def add(self, card: Opportunity, sign: int = 1) -> None:
        """Count ``card`` in (``sign=1``) or out (``sign=-1``) of this column."""
        self.count += sign
        if card.amount is None:
            return
        code = card.currency.upper()
        share = weighted(card.amount, probability_in(card, self.stage))
        self.totals[code] = self.totals.get(code, Decimal(0)) + sign * card.amount
        self.weighted[code] = self.weighted.get(code, Decimal(0)) + sign * share

    def currencies(self) -> list[str]:
        """The currencies of the totals, alphabetically."""
        return sorted(self.totals)


def with_moves(server: StageSummary, moves: Iterable[Move]) -> StageSummary:
    """The server's figures of a column with the user's moves applied.

    A currency whose total falls to zero through a move is left out, unless the
    server itself counted a zero there (deals without an amount).
    """
    shown = server.copy()
    if not server.known:
        return shown
    for move in moves:
        if move.source.id == server.stage.id:
            shown.add(move.card, -1)
        if move.target.id == server.stage.id:
            shown.add(move.card, +1)
    for code in list(shown.totals):
        if shown.totals[code] == 0 and server.totals.get(code, Decimal(1)) != 0:
            del shown.totals[code]
            shown.weighted.pop(code, None)
    return shown


# ---------------------------------------------------------------------- names


class BoardDirectory:
    """Names the cards show that the opportunity itself does not carry: the account's
    name and the owner's initials, filled in as they arrive (whoever adds them has
    the columns shown again).

    Attributes:
        accounts: Account names by id ("" for one the server would not give).
        owners: Users' names by id.
        initials: Users' initials by id.
    """

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.initials: dict[str, str] = {}

    def missing_accounts(self, cards: Iterable[Opportunity]) -> list[str]:
        """The account ids of ``cards`` whose names are not known yet (each once)."""
        ids = {c.account_id for c in cards if c.account_id and c.account_id not in self.accounts}
        return sorted(ids)

    def add_accounts(self, names: dict[str, str]) -> None:
        """Learn account names (id → name)."""
        self.accounts.update(names)

    def add_owners(self, names: dict[str, str]) -> None:
        """Learn users' names (id → name)."""
        self.owners.update(names)
        self.initials.update({uid: initials(name) for uid, name in names.items()})


# ---------------------------------------------------------------------- one column


class CardsListener:
    """Hears what happens to a column's cards; does nothing unless overridden (the Qt
    model turns each call into its model signals)."""

    def inserting(self, first: int, last: int) -> None:
        """Rows ``first`` to ``last`` are about to appear."""

    def inserted(self) -> None:
        """They did."""

    def removing(self, first: int, last: int) -> None:
        """Rows ``first`` to ``last`` are about to go."""

    def removed(self) -> None:
        """They did."""

    def resetting(self) -> None:
        """Every row is about to be replaced."""

    def reset(self) -> None:
        """They were."""

    def row_changed(self, row: int) -> None:
        """The card in ``row`` (or how it is shown) changed."""

    def changed(self) -> None:
        """Something about the column changed (cards, paging, waiting)."""


class ColumnCards:
    """The cards of one column, in the server's order, page by page.

    Cards moved in by the user go first; a page that lists them again (they now
    sort into it) does not duplicate them.

    Args:
        stage: The column's stage.
    """

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.listener = CardsListener()
        self._cards: list[Opportunity] = []
        self._pending: set[str] = set()
        self._fresh: dict[str, tuple[str, int]] = {}
        self._fresh_marks = 0
        self._next_cursor: str | None = None
        self._loading_more = False
        self.loaded = False
        """Whether a first page has arrived."""

    def __len__(self) -> int:
        return len(self._cards)

    # ------------------------------------------------------------------ reading

    def cards(self) -> list[Opportunity]:
        """The cards loaded, top to bottom."""
        return list(self._cards)

    def card_at(self, row: int) -> Opportunity:
        """The card in ``row``."""
        return self._cards[row]

    def row_of(self, opportunity_id: str | None) -> int | None:
        """The row of an opportunity, if this column holds it."""
        return next((r for r, c in enumerate(self._cards) if c.id == opportunity_id), None)

    def has_more(self) -> bool:
        """Whether the server has more cards for this column than those loaded."""
        return self._next_cursor is not None

    @property
    def loading_more(self) -> bool:
        """Whether a next page is on its way."""
        return self._loading_more

    def sorted_row(self, card: Opportunity) -> int | None:
        """The row where ``card`` sorts among the cards loaded, as the server would
        list it; ``None`` when it sorts after them and more pages are to come (its
        page will bring it)."""
        key = card_order(card)
        for row, shown in enumerate(self._cards):
            if shown.id != card.id and card_order(shown) > key:
                return row
        return None if self.has_more() else len(self._cards)

    # ------------------------------------------------------------------ paging

    def set_first_page(self, cards: Sequence[Opportunity], next_cursor: str | None) -> None:
        """Show a first page (forgets what was loaded before)."""
        self.listener.resetting()
        self._cards = list(cards)
        self._pending.clear()
        self._fresh.clear()
        self._next_cursor = next_cursor
        self._loading_more = False
        self.loaded = True
        self.listener.reset()
        self.listener.changed()

    def want_more(self) -> str | None:
        """The cursor of the next page to load, now marked as on its way; ``None`` when
        there is none or it is on its way already."""
        if self._next_cursor is None or self._loading_more:
            return None
        self._loading_more = True
        self.listener.changed()
        return self._next_cursor

    def append_page(self, cards: Sequence[Opportunity], next_cursor: str | None) -> None:
        """Add the next page at the end, without the cards already shown."""
        self._loading_more = False
        self._next_cursor = next_cursor
        known = {c.id for c in self._cards}
        fresh = [c for c in cards if c.id not in known]
        if fresh:
            first = len(self._cards)
            self.listener.inserting(first, first + len(fresh) - 1)
            self._cards.extend(fresh)
            self.listener.inserted()
        self.listener.changed()

    def more_failed(self) -> None:
        """The next page could not be loaded; asking again is allowed."""
        self._loading_more = False
        self.listener.changed()

    # ------------------------------------------------------------------ changing

    def insert(self, row: int, card: Opportunity, *, pending: bool = False) -> None:
        """Put ``card`` at ``row`` (clamped to the cards loaded)."""
        row = max(0, min(row, len(self._cards)))
        self.listener.inserting(row, row)
        self._cards.insert(row, card)
        self.listener.inserted()
        if pending:
            self._pending.add(card.id)
        self.listener.changed()

    def take(self, opportunity_id: str) -> tuple[int, Opportunity] | None:
        """Remove an opportunity's card; its row and the card, or ``None`` if not here."""
        row = self.row_of(opportunity_id)
        if row is None:
            return None
        self.listener.removing(row, row)
        card = self._cards.pop(row)
        self.listener.removed()
        self._pending.discard(opportunity_id)
        self._fresh.pop(opportunity_id, None)
        self.listener.changed()
        return row, card

    def replace(self, card: Opportunity) -> bool:
        """Show the newer version of a card in its place; whether it was here."""
        row = self.row_of(card.id)
        if row is None:
            return False
        self._cards[row] = card
        self._pending.discard(card.id)
        self.listener.row_changed(row)
        self.listener.changed()
        return True

    # ------------------------------------------------------------------ marks

    def mark_fresh(self, opportunity_id: str, label: str) -> int:
        """Tag a card changed elsewhere (:data:`MOVED_HERE`, :data:`UPDATED`,
        :data:`NEW`) so the user notices it; returns the mark, for :meth:`clear_fresh`."""
        self._fresh_marks += 1
        self._fresh[opportunity_id] = (label, self._fresh_marks)
        self._card_changed(opportunity_id)
        return self._fresh_marks

    def clear_fresh(self, opportunity_id: str, mark: int | None = None) -> None:
        """Remove a card's tag (only if it is still ``mark``, when given)."""
        tagged = self._fresh.get(opportunity_id)
        if tagged is not None and (mark is None or tagged[1] == mark):
            del self._fresh[opportunity_id]
            self._card_changed(opportunity_id)

    def fresh_label(self, opportunity_id: str) -> str:
        """The tag of a card changed elsewhere, "" when it has none."""
        tagged = self._fresh.get(opportunity_id)
        return tagged[0] if tagged is not None else ""

    def is_pending(self, opportunity_id: str) -> bool:
        """Whether the card's move waits for the server."""
        return opportunity_id in self._pending

    def set_pending(self, opportunity_id: str, pending: bool) -> None:
        """Mark a card as waiting for the server (or not)."""
        if pending:
            self._pending.add(opportunity_id)
        else:
            self._pending.discard(opportunity_id)
        self._card_changed(opportunity_id)

    def _card_changed(self, opportunity_id: str) -> None:
        row = self.row_of(opportunity_id)
        if row is not None:
            self.listener.row_changed(row)


# ---------------------------------------------------------------------- the board


@dataclass(frozen=True)
class FiguresAsk:
    """When the server was asked for the columns' figures: they apply only if the
    board and its moves are still as they were then."""

    generation: int
    epoch: int


@dataclass(frozen=True)
class Shown:
    """What showing a deal's new version did to the board.

    Attributes:
        totals_moved: The columns' figures may have changed (ask the server again).
        reload: The deal is in a stage the board does not have: load it again.
        fresh: The column and the tag of a card to point out, if any.
        to_name: The cards whose account names may be wanted.
    """

    totals_moved: bool = False
    reload: bool = False
    fresh: tuple[ColumnCards, str] | None = None
    to_name: tuple[Opportunity, ...] = ()


class BoardState:
    """One pipeline's board: its columns' cards, the server's figures, the user's moves.

    :attr:`generation` grows whenever the board is loaded afresh: an answer asked for
    under an older one is dropped.
    """

    def __init__(self) -> None:
        self.pipeline: Pipeline | None = None
        self.columns: dict[str, ColumnCards] = {}
        self.directory = BoardDirectory()
        self.generation = 0
        self.pending: dict[str, Move] = {}
        """The moves waiting for the server, by opportunity id."""
        self._settled: list[Move] = []
        self._server: dict[str, StageSummary] = {}
        self._epoch = 0
        self._figures_stale = False

    def new_generation(self) -> int:
        """The board is loaded afresh: answers to older asks no longer apply."""
        self.generation += 1
        return self.generation

    def show(self, pipeline: Pipeline, summaries: Sequence[StageSummary]) -> list[ColumnCards]:
        """Lay out ``pipeline``'s columns, empty, under the server's ``summaries``
        (moves in flight are forgotten); returns the columns, first stage first."""
        self.pipeline = pipeline
        self.pending.clear()
        self._settled.clear()
        self.columns = {s.stage.id: ColumnCards(s.stage) for s in summaries}
        self._server = {s.stage.id: s for s in summaries}
        self._figures_stale = False
        return list(self.columns.values())

    def stages(self) -> list[Stage]:
        """The columns' stages, in order."""
        return [cards.stage for cards in self.columns.values()]

    def find(self, opportunity_id: str) -> tuple[ColumnCards, Opportunity] | None:
        """The column holding a deal's card, and the card."""
        for cards in self.columns.values():
            row = cards.row_of(opportunity_id)
            if row is not None:
                return cards, cards.card_at(row)
        return None

    # ------------------------------------------------------------------ figures

    def summaries(self) -> dict[str, StageSummary]:
        """What each column's header says: the server's figures with the user's moves."""
        moves = [*self._settled, *self.pending.values()]
        return {
            stage_id: with_moves(self._server.get(stage_id, StageSummary(cards.stage)), moves)
            for stage_id, cards in self.columns.items()
        }

    def set_figures(self, summaries: Iterable[StageSummary]) -> None:
        """The server's figures, which include every move made so far."""
        self._server = {s.stage.id: s for s in summaries}
        self._settled.clear()
        self._figures_stale = False

    def ask_figures(self) -> FiguresAsk:
        """Note when the figures are asked for (see :meth:`figures_arrived`)."""
        return FiguresAsk(self.generation, self._epoch)

    def figures_arrived(self, ask: FiguresAsk, summaries: Iterable[StageSummary]) -> bool:
        """Take the figures asked for at ``ask``, unless a move started since (the
        figures may or may not count it: its end asks again). Returns whether they
        were taken."""
        if ask.generation != self.generation:
            return False
        if ask.epoch != self._epoch or self.pending:
            self._figures_stale = True
            return False
        self.set_figures(summaries)
        return True

    @property
    def figures_wanted(self) -> bool:
        """Whether the server's figures should be asked for again once no move is in
        flight (moves settled since, or an answer was dropped)."""
        return bool(self._settled) or self._figures_stale

    @property
    def epoch(self) -> int:
        """Grows with every move started (a reload asked for before one is stale)."""
        return self._epoch

    # ------------------------------------------------------------------ moving

    def start_move(self, opportunity_id: str, stage_id: str) -> Move | None:
        """Move a deal's card to the top of another column at once, waiting for the
        server; ``None`` when it cannot move there (not shown, the same column, or
        its move waits already)."""
        found = self.find(opportunity_id)
        target = self.columns.get(stage_id)
        if found is None or target is None or found[0] is target:
            return None
        source, card = found
        if source.is_pending(opportunity_id):
            return None
        taken = source.take(opportunity_id)
        assert taken is not None
        move = Move(card, source.stage, target.stage, taken[0])
        self.pending[card.id] = move
        self._epoch += 1
        target.insert(0, card, pending=True)
        return move

    def move_saved(self, move: Move, updated: Opportunity) -> bool:
        """The server took the move: the card shows ``updated``; whether it still
        shows at all."""
        self.pending.pop(move.card.id, None)
        self._settled.append(move)
        target = self.columns.get(move.target.id)
        return target is not None and target.replace(updated)

    def move_refused(self, move: Move) -> None:
        """The server refused the move: the card goes back where it was."""
        self.pending.pop(move.card.id, None)
        target = self.columns.get(move.target.id)
        source = self.columns.get(move.source.id)
        if target is not None:
            target.take(move.card.id)
        if source is not None:
            source.insert(move.row, move.card)

    # ------------------------------------------------------------------ news

    def show_change(self, opportunity_id: str, record: Opportunity | None) -> Shown:
        """Show a deal as it now is: ``record`` (its current version), or ``None`` when
        it was deleted or is out of the user's reach. A card keeps its place in its
        column when it changed there; moved or new, it goes where it sorts (or
        nowhere, when it sorts into a page not loaded yet)."""
        found = self.find(opportunity_id)
        if record is None or self.pipeline is None or record.pipeline_id != self.pipeline.id:
            if found is not None:
                found[0].take(opportunity_id)
                return Shown(totals_moved=True)
            return Shown(totals_moved=record is None)  # it may have counted unloaded
        target = self.columns.get(record.stage_id)
        if target is None:
            return Shown(reload=True)  # a stage this board does not know
        label = NEW
        if found is not None:
            source, shown = found
            if shown.version >= record.version:
                return Shown()  # shown already
            if source is target:
                source.replace(record)
                return Shown(True, fresh=(source, UPDATED), to_name=(record,))
            source.take(opportunity_id)
            label = MOVED_HERE
        row = target.sorted_row(record)
        if row is None:
            return Shown(totals_moved=True)
        target.insert(row, record)
        return Shown(True, fresh=(target, label), to_name=(record,))

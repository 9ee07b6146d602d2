"""The board's state without widgets: columns' totals, their cards, moves in flight.

A column's totals are the server's (``GET /pipelines/{id}/board``) with the moves
the user made since applied on top: a move shows at once, and if the server
refuses it, dropping it from the list gives back exactly the server's figures
(Decimal arithmetic, no rounding drift). Cards are paged from the server per
stage; a column holds only the pages loaded so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.api.pipelines import Stage, StageTotals
from app.api.records import Opportunity
from app.money import compact_money, format_money
from app.qt.core import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

CARD_MIME = "application/x-salesos-opportunity"
"""The drag-and-drop format of a card: the opportunity's id."""

CENT = Decimal("0.01")


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


# ---------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Move:
    """A card the user moved that the server figures may not include yet.

    Attributes:
        card: The deal as it was before the move.
        source: Where it came from.
        target: Where it went.
    """

    card: Opportunity
    source: Stage
    target: Stage


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


@dataclass(frozen=True)
class TotalLine:
    """One currency's line in a column header.

    Attributes:
        currency: The ISO code.
        total: The total, short ("$1.2M").
        weighted: The weighted total, short.
        exact: Both in full, for the tooltip.
    """

    currency: str
    total: str
    weighted: str
    exact: str


def total_lines(summary: StageSummary) -> list[TotalLine]:
    """The header's lines, one per currency (amounts are never converted); a
    currency whose deals have no amounts (a zero total) has none."""
    lines = []
    for code in summary.currencies():
        total = summary.totals[code]
        if total == 0:
            continue
        share = summary.weighted.get(code, Decimal(0))
        exact = f"{format_money(total, code)} total · {format_money(share, code)} weighted"
        lines.append(TotalLine(code, compact_money(total, code), compact_money(share, code), exact))
    return lines


def count_text(count: int) -> str:
    """``1`` → "1 deal", ``1234`` → "1,234 deals"."""
    return f"{count:,} deal{'s' if count != 1 else ''}"


# ---------------------------------------------------------------------- names


class BoardDirectory(QObject):
    """Names the cards show that the opportunity itself does not carry: the
    account's name and the owner's initials, filled in as they arrive.

    Signals:
        changed(): Some names arrived.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.accounts: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.initials: dict[str, str] = {}

    def missing_accounts(self, cards: Iterable[Opportunity]) -> list[str]:
        """The account ids of ``cards`` whose names are not known yet (each once)."""
        ids = {c.account_id for c in cards if c.account_id and c.account_id not in self.accounts}
        return sorted(ids)

    def add_accounts(self, names: dict[str, str]) -> None:
        """Learn account names (id → name)."""
        if names:
            self.accounts.update(names)
            self.changed.emit()

    def add_owners(self, names: dict[str, str]) -> None:
        """Learn users' names (id → name)."""
        self.owners.update(names)
        self.initials.update({uid: initials(name) for uid, name in names.items()})
        self.changed.emit()


# ---------------------------------------------------------------------- cards


def close_text(card: Opportunity, today: date) -> tuple[str, bool]:
    """How a card states its close date, and whether it is overdue (open and past)."""
    if card.close_date is None:
        return "No close date", False
    when = card.close_date.isoformat()
    if card.status == "won":
        return f"Won · {when}", False
    if card.status == "lost":
        return f"Lost · {when}", False
    if card.close_date < today:
        return f"Overdue · {when}", True
    return f"Closes {when}", False


def card_order(card: Opportunity) -> tuple[bool, date, str]:
    """Where a card sorts in its column, as the server sorts a stage's deals: by
    close date, those without one last, then by id (a UUID's order is its text's)."""
    return card.close_date is None, card.close_date or date.min, card.id.lower()


def amount_text(card: Opportunity) -> str:
    """The card's amount in its currency, exact ("$12,345.67"), or "No amount"."""
    if card.amount is None:
        return "No amount"
    return format_money(card.amount, card.currency)


class StageCardsModel(QAbstractListModel):
    """The cards of one column, in the server's order, page by page.

    A view scrolling to the end calls :meth:`fetchMore`, which asks for the next
    page through :attr:`more_wanted`. Cards moved in by the user go first; a page
    that lists them again (they now sort into it) does not duplicate them.

    Args:
        stage: The column's stage.
        directory: Account names and owner initials.
        parent: The parent object.

    Signals:
        more_wanted(str): Load the page after this cursor.
        changed(): Cards were added, removed or changed.
    """

    more_wanted = Signal(str)
    changed = Signal()

    CardRole = Qt.ItemDataRole.UserRole + 1
    AccountRole = Qt.ItemDataRole.UserRole + 2
    AmountRole = Qt.ItemDataRole.UserRole + 3
    CloseRole = Qt.ItemDataRole.UserRole + 4
    OverdueRole = Qt.ItemDataRole.UserRole + 5
    OwnerRole = Qt.ItemDataRole.UserRole + 6
    PendingRole = Qt.ItemDataRole.UserRole + 7
    FreshRole = Qt.ItemDataRole.UserRole + 8

    def __init__(
        self, stage: Stage, directory: BoardDirectory, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.stage = stage
        self._directory = directory
        self._cards: list[Opportunity] = []
        self._pending: set[str] = set()
        self._fresh: dict[str, tuple[str, int]] = {}
        self._fresh_marks = 0
        self._next_cursor: str | None = None
        self._loading_more = False
        self.loaded = False
        self.today = date.today()
        directory.changed.connect(self._names_arrived)

    # ------------------------------------------------------------------ content

    def cards(self) -> list[Opportunity]:
        """The cards loaded, top to bottom."""
        return list(self._cards)

    def card_at(self, row: int) -> Opportunity:
        """The card in ``row``."""
        return self._cards[row]

    def row_of(self, opportunity_id: str) -> int | None:
        """The row of an opportunity, if this column holds it."""
        return next((r for r, c in enumerate(self._cards) if c.id == opportunity_id), None)

    def has_more(self) -> bool:
        """Whether the server has more cards for this column than those loaded."""
        return self._next_cursor is not None

    @property
    def loading_more(self) -> bool:
        """Whether a next page is on its way."""
        return self._loading_more

    def set_first_page(self, cards: Sequence[Opportunity], next_cursor: str | None) -> None:
        """Show a first page (forgets what was loaded before)."""
        self.beginResetModel()
        self._cards = list(cards)
        self._pending.clear()
        self._fresh.clear()
        self._next_cursor = next_cursor
        self._loading_more = False
        self.loaded = True
        self.endResetModel()
        self.changed.emit()

    def append_page(self, cards: Sequence[Opportunity], next_cursor: str | None) -> None:
        """Add the next page at the end, without the cards already shown."""
        self._loading_more = False
        self._next_cursor = next_cursor
        known = {c.id for c in self._cards}
        fresh = [c for c in cards if c.id not in known]
        if fresh:
            first = len(self._cards)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._cards.extend(fresh)
            self.endInsertRows()
        self.changed.emit()

    def more_failed(self) -> None:
        """The next page could not be loaded; asking again is allowed."""
        self._loading_more = False
        self.changed.emit()

    def insert(self, row: int, card: Opportunity, *, pending: bool = False) -> None:
        """Put ``card`` at ``row`` (clamped to the cards loaded)."""
        row = max(0, min(row, len(self._cards)))
        self.beginInsertRows(QModelIndex(), row, row)
        self._cards.insert(row, card)
        self.endInsertRows()
        if pending:
            self._pending.add(card.id)
        self.changed.emit()

    def take(self, opportunity_id: str) -> tuple[int, Opportunity] | None:
        """Remove an opportunity's card; its row and the card, or ``None`` if not here."""
        row = self.row_of(opportunity_id)
        if row is None:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        card = self._cards.pop(row)
        self.endRemoveRows()
        self._pending.discard(opportunity_id)
        self._fresh.pop(opportunity_id, None)
        self.changed.emit()
        return row, card

    def replace(self, card: Opportunity) -> bool:
        """Show the newer version of a card in its place; whether it was here."""
        row = self.row_of(card.id)
        if row is None:
            return False
        self._cards[row] = card
        self._pending.discard(card.id)
        self.dataChanged.emit(self.index(row), self.index(row))
        self.changed.emit()
        return True

    def sorted_row(self, card: Opportunity) -> int | None:
        """The row where ``card`` sorts among the cards loaded, as the server would
        list it; ``None`` when it sorts after them and more pages are to come (its
        page will bring it)."""
        key = card_order(card)
        for row, shown in enumerate(self._cards):
            if shown.id != card.id and card_order(shown) > key:
                return row
        return None if self.has_more() else len(self._cards)

    def mark_fresh(self, opportunity_id: str, label: str) -> int:
        """Tag a card changed elsewhere ("Moved here", "Updated", "New") so the user
        notices it; returns the mark, for :meth:`clear_fresh`."""
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

    def _card_changed(self, opportunity_id: str) -> None:
        row = self.row_of(opportunity_id)
        if row is not None:
            self.dataChanged.emit(self.index(row), self.index(row))

    def is_pending(self, opportunity_id: str) -> bool:
        """Whether the card's move waits for the server."""
        return opportunity_id in self._pending

    def set_pending(self, opportunity_id: str, pending: bool) -> None:
        """Mark a card as waiting for the server (or not)."""
        if pending:
            self._pending.add(opportunity_id)
        else:
            self._pending.discard(opportunity_id)
        row = self.row_of(opportunity_id)
        if row is not None:
            self.dataChanged.emit(self.index(row), self.index(row))

    def _names_arrived(self) -> None:
        if self._cards:
            self.dataChanged.emit(self.index(0), self.index(len(self._cards) - 1))

    # ------------------------------------------------------------------ Qt

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._cards)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.name
        if role == self.CardRole:
            return card
        if role == self.AccountRole:
            if not card.account_id:
                return "No account"
            return self._directory.accounts.get(card.account_id, "…")
        if role == self.AmountRole:
            return amount_text(card)
        if role == self.CloseRole:
            return close_text(card, self.today)[0]
        if role == self.OverdueRole:
            return close_text(card, self.today)[1]
        if role == self.OwnerRole:
            return self._directory.initials.get(card.owner_id or "", "")
        if role == self.PendingRole:
            return card.id in self._pending
        if role == self.FreshRole:
            return self.fresh_label(card.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            owner = self._directory.owners.get(card.owner_id or "")
            parts = [card.name, amount_text(card), close_text(card, self.today)[0]]
            if card.probability:
                parts.append(f"{card.probability}% likely")
            if owner:
                parts.append(f"Owner: {owner}")
            if card.id in self._fresh:
                parts.append("Just changed elsewhere (another user or window)")
            return "\n".join(parts)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._cards[index.row()].id not in self._pending:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [CARD_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = [i.row() for i in indexes if i.isValid()]
        if rows:
            card = self._cards[rows[0]]
            mime.setData(CARD_MIME, QByteArray(card.id.encode("ascii")))
            mime.setText(card.name)
        return mime

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._next_cursor is not None and not self._loading_more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if not self.canFetchMore(parent):
            return
        assert self._next_cursor is not None
        self._loading_more = True
        self.changed.emit()
        self.more_wanted.emit(self._next_cursor)


def card_id_of(mime: QMimeData) -> str | None:
    """The opportunity id a dragged card carries, or ``None`` for other drags."""
    if not mime.hasFormat(CARD_MIME):
        return None
    raw = mime.data(CARD_MIME).data()
    text = bytes(raw).decode("ascii", "replace").strip()
    return text or None

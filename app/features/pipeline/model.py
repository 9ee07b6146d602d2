"""The board's Qt item models: one column's cards, and how a column header reads.

The state itself (cards, totals, moves) is plain Python in ``board.py``; a
:class:`StageCardsModel` shows one :class:`~app.features.pipeline.board.ColumnCards`
to a view, and turns what happens to it into Qt's model signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.api.pipelines import Stage
from app.api.records import Opportunity
from app.features.pipeline.board import (
    BoardDirectory,
    CardsListener,
    ColumnCards,
    StageSummary,
    close_text,
)
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


def amount_text(card: Opportunity) -> str:
    """The card's amount in its currency, exact ("$12,345.67"), or "No amount"."""
    if card.amount is None:
        return "No amount"
    return format_money(card.amount, card.currency)


class _ModelSignals(CardsListener):
    """Turns what happens to a column's cards into its model's signals."""

    def __init__(self, model: StageCardsModel) -> None:
        self._model = model

    def inserting(self, first: int, last: int) -> None:
        self._model.beginInsertRows(QModelIndex(), first, last)

    def inserted(self) -> None:
        self._model.endInsertRows()

    def removing(self, first: int, last: int) -> None:
        self._model.beginRemoveRows(QModelIndex(), first, last)

    def removed(self) -> None:
        self._model.endRemoveRows()

    def resetting(self) -> None:
        self._model.beginResetModel()

    def reset(self) -> None:
        self._model.endResetModel()

    def row_changed(self, row: int) -> None:
        index = self._model.index(row)
        self._model.dataChanged.emit(index, index)

    def changed(self) -> None:
        self._model.changed.emit()


class StageCardsModel(QAbstractListModel):
    """The cards of one column, for its list view.

    A view scrolling to the end calls :meth:`fetchMore`, which asks for the next
    page through :attr:`more_wanted`. The cards change through :attr:`column`; the
    model tells the view.

    Args:
        column: The column's cards.
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
        self, column: ColumnCards, directory: BoardDirectory, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.column = column
        column.listener = _ModelSignals(self)
        self._directory = directory
        self.today = date.today()

    # ------------------------------------------------------------------ reading

    @property
    def stage(self) -> Stage:
        """The column's stage."""
        return self.column.stage

    @property
    def loaded(self) -> bool:
        """Whether the column's first page has arrived."""
        return self.column.loaded

    def cards(self) -> list[Opportunity]:
        """The cards loaded, top to bottom."""
        return self.column.cards()

    def card_at(self, row: int) -> Opportunity:
        """The card in ``row``."""
        return self.column.card_at(row)

    def row_of(self, opportunity_id: str | None) -> int | None:
        """The row of an opportunity, if this column holds it."""
        return self.column.row_of(opportunity_id)

    def has_more(self) -> bool:
        """Whether the server has more cards for this column than those loaded."""
        return self.column.has_more()

    def is_pending(self, opportunity_id: str) -> bool:
        """Whether the card's move waits for the server."""
        return self.column.is_pending(opportunity_id)

    def names_arrived(self) -> None:
        """Account names or owners' initials arrived: the cards show them."""
        if len(self.column):
            self.dataChanged.emit(self.index(0), self.index(len(self.column) - 1))

    # ------------------------------------------------------------------ Qt

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.column)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.column):
            return None
        card = self.column.card_at(index.row())
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
            return self.column.is_pending(card.id)
        if role == self.FreshRole:
            return self.column.fresh_label(card.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            owner = self._directory.owners.get(card.owner_id or "")
            parts = [card.name, amount_text(card), close_text(card, self.today)[0]]
            if card.probability:
                parts.append(f"{card.probability}% likely")
            if owner:
                parts.append(f"Owner: {owner}")
            if self.column.fresh_label(card.id):
                parts.append("Just changed elsewhere (another user or window)")
            return "\n".join(parts)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.column.is_pending(self.column.card_at(index.row()).id):
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [CARD_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = [i.row() for i in indexes if i.isValid()]
        if rows:
            card = self.column.card_at(rows[0])
            mime.setData(CARD_MIME, QByteArray(card.id.encode("ascii")))
            mime.setText(card.name)
        return mime

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self.column.has_more() and not self.column.loading_more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid():
            return
        cursor = self.column.want_more()
        if cursor is not None:
            self.more_wanted.emit(cursor)


def card_id_of(mime: QMimeData) -> str | None:
    """The opportunity id a dragged card carries, or ``None`` for other drags."""
    if not mime.hasFormat(CARD_MIME):
        return None
    raw = mime.data(CARD_MIME).data()
    text = bytes(raw).decode("ascii", "replace").strip()
    return text or None

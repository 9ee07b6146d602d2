"""One column of the board: the stage's header with its totals, its cards, its foot.

Cards are painted by a delegate (a column may page through thousands of deals;
widgets per card would not scale). A card is dragged out of its list, and the
whole column frame takes the drop, so a deal can be dropped anywhere on a
column: on its header, between cards, or on an empty stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from app.api.pipelines import Stage
from app.features.pipeline.board import StageSummary, count_text
from app.features.pipeline.model import StageCardsModel, card_id_of, total_lines
from app.features.records.detail import without_account
from app.qt.core import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt, Signal
from app.qt.gui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QPainter,
    QPen,
    QPixmap,
)
from app.qt.widgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import repolish

COLUMN_WIDTH = 256
CARD_HEIGHT = 104
"""Each card's slot: the card and the gap under it."""
CARD_GAP = 8
PADDING = 12

INK = "#0f172a"
MUTED = "#64748b"
OVERDUE = "#b45309"
ACCENT = "#4f46e5"
FRESH_BORDER = "#f59e0b"
FRESH_FILL = "#fffbeb"
FRESH_TAG = "#fef3c7"
FRESH_INK = "#92400e"


def _font(base: QFont, pixels: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixels)
    font.setWeight(weight)
    return font


class CardDelegate(QStyledItemDelegate):
    """Paints a deal as a card: name and owner, account, amount, close date.

    A card whose move waits for the server is tinted with a "Saving…" tag; a card
    just changed elsewhere is tinted amber with a tag saying what happened ("Moved
    here", "Updated", "New"); the card being dragged leaves a dashed outline where
    it was.

    Args:
        parent: The list it paints for.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dragging_id: str | None = None

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(COLUMN_WIDTH - 24, CARD_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = option.rect
        state = option.state
        card = index.data(StageCardsModel.CardRole)
        if card is None:
            return
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        pending = bool(index.data(StageCardsModel.PendingRole))
        fresh = "" if pending else str(index.data(StageCardsModel.FreshRole) or "")
        lifted = card.id == self.dragging_id
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(rect.adjusted(1, 1, -1, -CARD_GAP))
        if lifted:  # where the card is lifted from: an outline, nothing to read
            pen = QPen(QColor("#94a3b8"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(QColor("#f1f5f9"))
            painter.drawRoundedRect(box, 8, 8)
            painter.restore()
            return
        if pending:
            painter.setPen(QPen(QColor(ACCENT), 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QColor("#eef2ff"))
        elif fresh:
            painter.setPen(QPen(QColor(FRESH_BORDER), 1.5))
            painter.setBrush(QColor(FRESH_FILL))
        else:
            border = ACCENT if selected else ("#a5b4fc" if hovered else "#e2e8f0")
            painter.setPen(QPen(QColor(border), 1.5 if selected else 1.0))
            painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(box, 8, 8)

        base = option.font
        inner = box.toRect().adjusted(PADDING, PADDING - 2, -PADDING, -PADDING + 2)
        top = inner.top()
        owner = str(index.data(StageCardsModel.OwnerRole) or "")
        tag_width = 0
        if pending or fresh:
            tag_font = _font(base, 11, QFont.Weight.DemiBold)
            tag_text = "Saving…" if pending else fresh
            tag_width = QFontMetrics(tag_font).horizontalAdvance(tag_text) + 14
            tag = QRectF(inner.right() - tag_width + 1, top, tag_width, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e0e7ff" if pending else FRESH_TAG))
            painter.drawRoundedRect(tag, 9, 9)
            painter.setFont(tag_font)
            painter.setPen(QColor("#3730a3" if pending else FRESH_INK))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, tag_text)
        elif owner:
            tag_width = 22
            circle = QRectF(inner.right() - 21, top - 1, 22, 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e0e7ff"))
            painter.drawEllipse(circle)
            painter.setFont(_font(base, 10, QFont.Weight.Bold))
            painter.setPen(QColor("#3730a3"))
            painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, owner)

        account = str(index.data(StageCardsModel.AccountRole))
        # The account's name is the line under the title: "Acme — Renewal" reads
        # "Renewal" there (the tooltip has the whole name).
        title = without_account(str(index.data()), account)
        lines = (
            (title, _font(base, 13, QFont.Weight.DemiBold), INK, 18, tag_width + 6),
            (account, _font(base, 12), MUTED, 17, 0),
            (
                str(index.data(StageCardsModel.AmountRole)),
                _font(base, 13, QFont.Weight.DemiBold),
                INK if card.amount is not None else MUTED,
                24,
                0,
            ),
            (
                str(index.data(StageCardsModel.CloseRole)),
                _font(base, 12, QFont.Weight.DemiBold)
                if index.data(StageCardsModel.OverdueRole)
                else _font(base, 12),
                OVERDUE if index.data(StageCardsModel.OverdueRole) else MUTED,
                17,
                0,
            ),
        )
        y = top
        for text, font, color, height, reserve in lines:
            painter.setFont(font)
            painter.setPen(QColor(color))
            width = inner.width() - reserve
            shown = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
            line = QRect(inner.left(), y, width, height)
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
            painter.drawText(line, align, shown)
            y += height
        painter.restore()


class CardList(QListView):
    """A column's cards; a card can be dragged out and double-clicked to open.

    Args:
        model: The column's cards.
        parent: The parent widget.

    Signals:
        card_opened(str): The user double-clicked (or pressed Enter on) a card.
        drag_ended(): The card being dragged was dropped (anywhere) or let go.
    """

    card_opened = Signal(str)
    drag_ended = Signal()

    def __init__(self, model: StageCardsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cardList")
        self.card_delegate = CardDelegate(self)
        self.setItemDelegate(self.card_delegate)
        self.setModel(model)
        self._cards = model
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.activated.connect(self._open)

    def _open(self, index: QModelIndex) -> None:
        card = index.data(StageCardsModel.CardRole)
        if card is not None:
            self.card_opened.emit(card.id)

    def card_pixmap(self, index: QModelIndex) -> QPixmap:
        """The card at ``index`` as a picture (what the pointer carries while dragging)."""
        size = QSize(self.viewport().width(), CARD_HEIGHT)
        ratio = self.devicePixelRatioF()
        picture = QPixmap(size * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = QRect(QPoint(0, 0), size)
        option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Selected
        painter = QPainter(picture)
        painter.setOpacity(0.92)
        self.card_delegate.paint(painter, option, index)
        painter.end()
        return picture

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        index = self.currentIndex()
        if not index.isValid() or not (self._cards.flags(index) & Qt.ItemFlag.ItemIsDragEnabled):
            return
        card = index.data(StageCardsModel.CardRole)
        drag = QDrag(self)
        drag.setMimeData(self._cards.mimeData([index]))
        drag.setPixmap(self.card_pixmap(index))
        drag.setHotSpot(QPoint(24, 20))
        self.lift(card.id)
        try:
            # The drop target moves the card itself (through the page), whatever
            # the drag returns; the list never removes rows on its own.
            drag.exec(Qt.DropAction.MoveAction)
        finally:
            self.land()

    @property
    def dragging_id(self) -> str | None:
        """The opportunity whose card is being dragged out of this list, if any."""
        return self.card_delegate.dragging_id

    def lift(self, opportunity_id: str) -> None:
        """A drag of the card starts: an outline stays where it was."""
        self.card_delegate.dragging_id = opportunity_id
        self.viewport().update()

    def land(self) -> None:
        """The drag is over (the drop, if any, was handled during it)."""
        self.card_delegate.dragging_id = None
        self.viewport().update()
        self.drag_ended.emit()


class StageColumn(QFrame):
    """A stage of the board: name, deal count, totals per currency, and its cards.

    The frame accepts dropped cards (from any column) and says so by lighting up
    while a card is over it.

    Args:
        model: The stage's cards.
        parent: The parent widget.

    Signals:
        card_dropped(str, str): An opportunity id was dropped here; the stage id.
        card_opened(str): A card was double-clicked.
        drag_ended(): A drag of one of this column's cards is over.
    """

    card_dropped = Signal(str, str)
    card_opened = Signal(str)
    drag_ended = Signal()

    def __init__(self, model: StageCardsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageColumn")
        self.model = model
        self.stage: Stage = model.stage
        self.summary = StageSummary(model.stage)
        self.setProperty("outcome", model.stage.outcome)
        self.setProperty("dropTarget", False)
        self.setFixedWidth(COLUMN_WIDTH)
        self.setAcceptDrops(True)

        self.name_label = QLabel(model.stage.name, self)
        self.name_label.setObjectName("stageName")
        self.probability_label = QLabel(f"{model.stage.probability}%", self)
        self.probability_label.setObjectName("stageProbability")
        self.probability_label.setToolTip(
            f"Deals in {model.stage.name} count {model.stage.probability}% of their amount "
            "in the weighted total, unless a deal sets its own probability."
        )
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("stageCount")
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.probability_label)
        self.totals_box = QVBoxLayout()
        self.totals_box.setSpacing(2)
        self.total_labels: list[QLabel] = []

        header = QFrame(self)
        header.setObjectName("stageHeader")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(12, 10, 12, 10)
        header_layout.setSpacing(4)
        header_layout.addLayout(top)
        header_layout.addWidget(self.count_label)
        header_layout.addLayout(self.totals_box)

        self.list = CardList(model, self)
        self.list.card_opened.connect(self.card_opened)
        self.list.drag_ended.connect(self.drag_ended)
        self.empty_label = QLabel("Loading…", self)
        self.empty_label.setObjectName("stageEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setWordWrap(True)
        self.body = QStackedWidget(self)
        self.body.addWidget(self.list)
        self.body.addWidget(self.empty_label)

        self.shown_label = QLabel("", self)
        self.shown_label.setObjectName("stageShown")
        self.more_button = QPushButton("Load more", self)
        self.more_button.setProperty("variant", "small")
        self.more_button.clicked.connect(self.load_more)
        foot = QHBoxLayout()
        foot.setContentsMargins(12, 0, 12, 0)
        foot.setSpacing(6)
        foot.addWidget(self.shown_label, 1)
        foot.addWidget(self.more_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 10)
        layout.setSpacing(8)
        layout.addWidget(header)
        layout.addWidget(self.body, 1)
        layout.addLayout(foot)
        model.changed.connect(self._update_foot)
        model.modelReset.connect(self._update_foot)
        self._update_foot()

    # ------------------------------------------------------------------ content

    def set_summary(self, summary: StageSummary, rows: int = 1) -> None:
        """Show the stage's deal count and totals (one line per currency).

        Args:
            summary: The figures.
            rows: Lines to reserve for totals, so that every column's cards start
                at the same height (the most currencies any column has).
        """
        self.summary = summary
        lines = total_lines(summary) if summary.known else []
        rows = max(rows, len(lines), 1)
        while len(self.total_labels) > rows:
            self.total_labels.pop().deleteLater()
        while len(self.total_labels) < rows:
            label = QLabel("", self)
            label.setObjectName("stageTotal")
            label.setTextFormat(Qt.TextFormat.RichText)
            self.totals_box.addWidget(label)
            self.total_labels.append(label)
        for label in self.total_labels:
            label.setText("")
            label.setToolTip("")
        if not summary.known:
            self.count_label.setText("Totals unavailable")
        else:
            self.count_label.setText(count_text(summary.count))
        if not lines:
            empty = "No amounts" if summary.known else ""
            self.total_labels[0].setText(f"<span style='color:{MUTED}'>{empty}</span>")
        room = COLUMN_WIDTH - 28
        for label, line in zip(self.total_labels, lines, strict=False):
            label.ensurePolished()  # the stylesheet's font, for measuring
            bold = QFont(label.font())
            bold.setWeight(QFont.Weight.Bold)
            used = QFontMetrics(bold).horizontalAdvance(line.total + "  ")
            weighted = f"{line.weighted} weighted"
            if used + label.fontMetrics().horizontalAdvance(weighted) > room:
                weighted = f"{line.weighted} wtd."  # very large figures: the short word
            label.setText(
                f"<b>{line.total}</b>&nbsp;&nbsp;<span style='color:{MUTED}'>{weighted}</span>"
            )
            label.setToolTip(line.exact)
        self._update_foot()

    @contextmanager
    def keep_place(self) -> Iterator[None]:
        """Keep the cards the user is looking at in place while cards are added,
        removed or reloaded above them (the list would otherwise shift under the
        pointer). At the top of the list nothing is kept: a card arriving there is
        to be seen."""
        bar = self.list.verticalScrollBar()
        anchor_id: str | None = None
        anchor_top = 0
        if bar.value() > 0:
            index = self.list.indexAt(QPoint(self.list.viewport().width() // 2, 1))
            card = index.data(StageCardsModel.CardRole) if index.isValid() else None
            if card is not None:
                anchor_id, anchor_top = card.id, self.list.visualRect(index).top()
        value = bar.value()
        yield
        self.list.doItemsLayout()  # the rows' places and the bar's range, now
        row = self.model.row_of(anchor_id) if anchor_id is not None else None
        if row is None:
            bar.setValue(value)
            return
        moved = self.list.visualRect(self.model.index(row)).top() - anchor_top
        bar.setValue(bar.value() + moved)

    def totals_text(self) -> list[str]:
        """Each currency's line as the user reads it, e.g. "$1.2M $720K weighted"."""
        texts = []
        for label in self.total_labels:
            plain = re.sub(r"<[^>]+>", "", label.text()).replace("&nbsp;", " ")
            if plain.strip():
                texts.append(" ".join(plain.split()))
        return texts

    def load_more(self) -> None:
        """Ask for the next page of cards."""
        self.model.fetchMore(QModelIndex())

    def _update_foot(self) -> None:
        loaded = self.model.rowCount()
        if not self.model.loaded:
            self.empty_label.setText("Loading…")
        elif self.summary.count == 0 and loaded == 0:
            self.empty_label.setText("No deals here yet.\nDrag a deal here to move it.")
        if loaded == 0:
            self.body.setCurrentWidget(self.empty_label)
        else:
            self.body.setCurrentWidget(self.list)
        total = max(self.summary.count, loaded) if self.summary.known else loaded
        shown = f"{loaded:,} of {total:,} shown" if self.summary.known else f"{loaded:,} shown"
        self.shown_label.setText(shown if self.model.has_more() else "")
        self.more_button.setVisible(self.model.has_more())
        self.more_button.setEnabled(not self.model.column.loading_more)
        self.more_button.setText("Loading…" if self.model.column.loading_more else "Load more")

    # ------------------------------------------------------------------ dropping

    def _set_drop_target(self, on: bool) -> None:
        if bool(self.property("dropTarget")) != on:
            self.setProperty("dropTarget", on)
            repolish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if card_id_of(event.mimeData()) is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self._set_drop_target(self.model.row_of(card_id_of(event.mimeData()) or "") is None)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if card_id_of(event.mimeData()) is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(False)
        opportunity_id = card_id_of(event.mimeData())
        if opportunity_id is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        if self.model.row_of(opportunity_id) is None:  # dropped back where it was: nothing
            self.card_dropped.emit(opportunity_id, self.stage.id)

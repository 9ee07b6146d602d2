"""The command palette: Ctrl+K anywhere in the main window, type, pick a record.

Wiring (done by the shell)::

    palette = install_palette(window, SearchOps(client, window_ops))
    palette.open_requested.connect(route)   # route(kind, record_id) shows the record

``kind`` is the server's word: ``"account"``, ``"contact"`` or ``"opportunity"``.
"""

from __future__ import annotations

from app.api.search import SearchHit
from app.features.search.model import KIND_LABELS, SearchResultsModel, SearchState
from app.features.search.ops import LiveSearch, SearchOps
from app.qt.core import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from app.qt.gui import (
    QColor,
    QFont,
    QFontMetrics,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QShortcut,
)
from app.qt.widgets import (
    QAbstractItemView,
    QFrame,
    QGraphicsDropShadowEffect,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon, pixmap
from app.widgets.compositing import translucency_works
from app.widgets.form import repolish

PALETTE_WIDTH = 640
PALETTE_HEIGHT = 480
SHADOW = 16
"""Room around the palette for its shadow."""
SHORTCUT = "Ctrl+K"
"""Opens the palette (Cmd+K on macOS, where Qt reads Ctrl as Command)."""

KIND_ICONS: dict[str, str] = {"account": "accounts", "contact": "contacts", "opportunity": "deal"}

HEADING_HEIGHT = 30
HIT_HEIGHT = 50
ICON_SIZE = 20

_TEXT = QColor("#0f172a")
_MUTED = QColor("#64748b")
_KIND = QColor("#94a3b8")
_HEADING = QColor("#475569")
_SELECTED = QColor("#eef2ff")
_SELECTED_EDGE = QColor("#6366f1")
_HOVER = QColor("#f8fafc")
_ICON_WELL = QColor("#f1f5f9")
_ICON_WELL_SELECTED = QColor("#e0e7ff")


class ResultDelegate(QStyledItemDelegate):
    """Paints a group heading ("CONTACTS  3") or a hit: the kind's icon in a rounded
    well, the name, and the muted line under it."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        heading = bool(index.data(SearchResultsModel.HEADING_ROLE))
        return QSize(option.rect.width(), HEADING_HEIGHT if heading else HIT_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRect(option.rect)
        if index.data(SearchResultsModel.HEADING_ROLE):
            self._paint_heading(painter, option, index, rect)
        else:
            self._paint_hit(painter, option, index, rect)
        painter.restore()

    def _paint_heading(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        rect: QRect,
    ) -> None:
        font = QFont(option.font)
        font.setPixelSize(11)
        font.setWeight(QFont.Weight.DemiBold)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.6)
        painter.setFont(font)
        painter.setPen(_HEADING)
        text_rect = rect.adjusted(16, 8, -16, 0)
        title = str(index.data(Qt.ItemDataRole.DisplayRole)).upper()
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        count = index.data(SearchResultsModel.COUNT_ROLE)
        painter.setPen(_MUTED)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(count)
        )

    def _paint_hit(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        rect: QRect,
    ) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        card = rect.adjusted(8, 2, -8, -2)
        if selected or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_SELECTED if selected else _HOVER)
            painter.drawRoundedRect(card, 6, 6)
        if selected:
            painter.setBrush(_SELECTED_EDGE)
            painter.drawRoundedRect(QRect(card.left(), card.top() + 8, 3, card.height() - 16), 1, 1)

        kind = str(index.data(SearchResultsModel.KIND_ROLE))
        well = QRect(card.left() + 12, card.center().y() - 16, 32, 32)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_ICON_WELL_SELECTED if selected else _ICON_WELL)
        painter.drawRoundedRect(well, 8, 8)
        glyph = icon(KIND_ICONS.get(kind, "search"))
        offset = (well.width() - ICON_SIZE) // 2
        glyph.paint(painter, well.adjusted(offset, offset, -offset, -offset))

        text_left = well.right() + 12
        label = KIND_LABELS.get(kind, kind.capitalize())
        small = QFont(option.font)
        small.setPixelSize(12)
        label_width = QFontMetrics(small).horizontalAdvance(label)
        right = card.right() - 12
        painter.setFont(small)
        painter.setPen(_KIND)
        painter.drawText(
            QRect(right - label_width, card.top(), label_width, card.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            label,
        )
        text_width = right - label_width - 16 - text_left

        title = str(index.data(Qt.ItemDataRole.DisplayRole))
        secondary = str(index.data(SearchResultsModel.SECONDARY_ROLE) or "")
        name_font = QFont(option.font)
        name_font.setPixelSize(14)
        name_font.setWeight(QFont.Weight.DemiBold)
        name_metrics = QFontMetrics(name_font)
        title = name_metrics.elidedText(title, Qt.TextElideMode.ElideRight, text_width)
        painter.setFont(name_font)
        painter.setPen(_TEXT)
        if not secondary:
            painter.drawText(
                QRect(text_left, card.top(), text_width, card.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                title,
            )
            return
        middle = card.center().y()
        painter.drawText(
            QRect(text_left, middle - 19, text_width, 20),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        painter.setFont(small)
        painter.setPen(_MUTED)
        secondary = QFontMetrics(small).elidedText(
            secondary, Qt.TextElideMode.ElideRight, text_width
        )
        painter.drawText(
            QRect(text_left, middle + 1, text_width, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            secondary,
        )


class CommandPalette(QWidget):
    """A frameless popup over the main window: a search box and the records it finds.

    Typing asks the server after a short pause; results come grouped (Accounts,
    Contacts, Opportunities). Up/Down move, Enter (or a click) opens, Esc closes;
    a click outside closes too.

    Args:
        search: The search calls.
        parent: The window the palette opens over.

    Signals:
        open_requested(str, str): The user picked a record: its kind (``"account"``,
            ``"contact"`` or ``"opportunity"``) and its id. The palette closes.
    """

    open_requested = Signal(str, str)

    def __init__(
        self, search: SearchOps, parent: QWidget | None = None, *, translucent: bool | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("commandPalette")
        # A soft shadow needs a see-through margin; without a compositor that margin is
        # drawn black, so the palette is then a plain framed box.
        self.translucent = translucency_works() if translucent is None else translucent
        margin = SHADOW if self.translucent else 0
        if self.translucent:
            self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setFixedSize(PALETTE_WIDTH + 2 * margin, PALETTE_HEIGHT + 2 * margin)
        self.shortcut: QShortcut | None = None
        """The shortcut that opens the palette (set by :func:`install_palette`)."""
        self.chosen: SearchHit | None = None
        """The hit opened last (what :attr:`open_requested` named, with its account)."""
        self.model = SearchResultsModel(self)
        self.search = LiveSearch(search, self.model, parent=self)

        frame = QFrame(self)
        frame.setObjectName("paletteFrame")
        frame.setProperty("flat", not self.translucent)  # square corners: nothing shows round them
        glass = QLabel(frame)
        glass.setPixmap(pixmap("search", 20))
        glass.setFixedSize(20, 20)
        self.input = QLineEdit(frame)
        self.input.setObjectName("paletteInput")
        self.input.setPlaceholderText("Search accounts, contacts and opportunities")
        self.input.setClearButtonEnabled(False)
        self.input.installEventFilter(self)
        self.busy_label = QLabel("", frame)
        self.busy_label.setObjectName("paletteBusy")
        top = QHBoxLayout()
        top.setContentsMargins(18, 14, 18, 14)
        top.setSpacing(12)
        top.addWidget(glass)
        top.addWidget(self.input, 1)
        top.addWidget(self.busy_label)

        rule = QFrame(frame)
        rule.setObjectName("paletteRule")
        rule.setFixedHeight(1)

        self.results = QListView(frame)
        self.results.setObjectName("paletteResults")
        self.results.setModel(self.model)
        self.results.setItemDelegate(ResultDelegate(self.results))
        self.results.setFrameShape(QFrame.Shape.NoFrame)
        self.results.setMouseTracking(True)
        self.results.setUniformItemSizes(False)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.clicked.connect(self._open_index)
        self.status = QWidget(frame)
        self.status.setObjectName("paletteStatus")
        self.message = QLabel("", self.status)
        self.message.setObjectName("paletteMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.hint = QLabel("", self.status)
        self.hint.setObjectName("paletteHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        status_layout = QVBoxLayout(self.status)
        status_layout.setContentsMargins(48, 24, 48, 24)
        status_layout.setSpacing(6)
        status_layout.addStretch(1)
        status_layout.addWidget(self.message)
        status_layout.addWidget(self.hint)
        status_layout.addStretch(1)
        self.body = QStackedWidget(frame)
        self.body.setObjectName("paletteBody")
        self.body.addWidget(self.results)
        self.body.addWidget(self.status)

        footer = QFrame(frame)
        footer.setObjectName("paletteFooter")
        hints = QHBoxLayout(footer)
        hints.setContentsMargins(18, 8, 18, 8)
        hints.setSpacing(6)
        for keys, what in (("↑ ↓", "to move"), ("Enter", "to open"), ("Esc", "to close")):
            key = QLabel(keys, footer)
            key.setProperty("role", "keyCap")
            hints.addWidget(key)
            hint = QLabel(what, footer)
            hint.setProperty("role", "keyHint")
            hints.addWidget(hint)
            hints.addSpacing(10)
        hints.addStretch(1)

        inner = QVBoxLayout(frame)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(0)
        inner.addLayout(top)
        inner.addWidget(rule)
        inner.addWidget(self.body, 1)
        inner.addWidget(footer)
        if self.translucent:
            shadow = QGraphicsDropShadowEffect(frame)
            shadow.setBlurRadius(2 * SHADOW)
            shadow.setOffset(0, 6)
            shadow.setColor(QColor(15, 23, 42, 60))
            frame.setGraphicsEffect(shadow)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(margin, margin, margin, margin)
        outer.addWidget(frame)

        self.input.textChanged.connect(self.search.set_query)
        self.model.state_changed.connect(self._update_state)
        self.model.modelReset.connect(self._select_first)
        self._update_state()

    # ------------------------------------------------------------------ opening

    def popup(self) -> None:
        """Open over the parent window, empty, with the cursor in the search box."""
        self.search.reset()
        self.input.clear()
        host = self.parentWidget()
        if host is not None:
            window = host.window()
            area = window.geometry()
            x = area.x() + (area.width() - self.width()) // 2
            y = area.y() + max(24, (area.height() - self.height()) * 2 // 5)
            self.move(x, y)
        self.show()
        self.raise_()
        self.activateWindow()
        self.input.setFocus(Qt.FocusReason.PopupFocusReason)

    def open_current(self) -> bool:
        """Open the selected hit (as Enter does); ``False`` if none is selected."""
        return self._open_index(self.results.currentIndex())

    def _open_index(self, index: QModelIndex) -> bool:
        if not index.isValid() or index.data(SearchResultsModel.HEADING_ROLE):
            return False
        kind = str(index.data(SearchResultsModel.KIND_ROLE))
        record_id = str(index.data(SearchResultsModel.ID_ROLE))
        hit = index.data(SearchResultsModel.HIT_ROLE)
        self.chosen = hit if isinstance(hit, SearchHit) else None
        self.close()
        self.open_requested.emit(kind, record_id)
        return True

    # ------------------------------------------------------------------ keys

    def move_selection(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) hit, skipping headings."""
        current = self.results.currentIndex()
        start = current.row() + step if current.isValid() else (0 if step > 0 else -1)
        if start < 0 and step < 0:
            start = self.model.rowCount() - 1
        row = self.model.hit_row(start, step)
        if row < 0:
            return  # at the end already: stay
        self._select_row(row)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key == Qt.Key.Key_Down:
                self.move_selection(1)
                return True
            if key == Qt.Key.Key_Up:
                self.move_selection(-1)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.search.busy and not self.model.hits():
                    self.search.search_now()  # Enter before the pause: ask now
                else:
                    self.open_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.search.reset()  # no call of a closed palette runs on
        super().hideEvent(event)

    # ------------------------------------------------------------------ state

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.results.setCurrentIndex(index)
        above = self.model.row_at(row - 1)
        if above is not None and above.is_heading:  # keep the group's heading in view
            self.results.scrollTo(self.model.index(row - 1, 0))
        self.results.scrollTo(index)

    def _select_first(self) -> None:
        row = self.model.hit_row(0, 1)
        if row >= 0:
            self._select_row(row)
            if row == 1:
                self.results.scrollToTop()  # keep the first heading in view

    def _update_state(self) -> None:
        text = self.model.status_text()
        self.message.setText(text)
        self.message.setProperty("tone", "error" if self.model.state is SearchState.FAILED else "")
        repolish(self.message)
        hint = self.model.status_hint()
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.body.setCurrentWidget(self.status if text else self.results)
        searching = self.model.state is SearchState.SEARCHING and bool(self.model.hits())
        self.busy_label.setText("Searching…" if searching else "")


def install_palette(window: QMainWindow, search: SearchOps) -> CommandPalette:
    """Give ``window`` a command palette that Ctrl+K opens from any of its pages.

    Args:
        window: The main window.
        search: The search calls of the signed-in client.

    Returns:
        The palette; connect its :attr:`CommandPalette.open_requested`.
    """
    palette = CommandPalette(search, window)
    shortcut = QShortcut(QKeySequence(SHORTCUT), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(palette.popup)
    palette.shortcut = shortcut
    return palette

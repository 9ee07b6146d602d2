"""The Home screen: the rep's deals closing this month, their stale deals and what
changed lately; a click opens the record where it lives (later issues add today's tasks
and meetings)."""

from __future__ import annotations

from datetime import date, timedelta

from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.home.ops import STALE_DAYS, HomeData, HomeOps, Recent
from app.money import format_money
from app.qt.core import Qt, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.form import MessageBanner

KIND_WORDS = {"account": "Account", "contact": "Contact", "opportunity": "Deal"}


def deal_line(deal: Opportunity, account_names: dict[str, str], today: date) -> str:
    """``Renewal · Tyrell Biotech — $95,500.00 · closes in 7 days``."""
    account = account_names.get(deal.account_id or "", "")
    name = f"{deal.name} · {account}" if account and account not in deal.name else deal.name
    money = format_money(deal.amount, deal.currency)
    if deal.close_date is None:
        when = "no close date"
    else:
        days = (deal.close_date - today).days
        when = (
            "closes today"
            if days == 0
            else f"closes in {days} day{'s' if days != 1 else ''}"
            if days > 0
            else f"was due {-days} day{'s' if days != -1 else ''} ago"
        )
    return f"{name}\n{money} · {when}"


def stale_line(deal: Opportunity, account_names: dict[str, str], today: date) -> str:
    """``Pilot · Stark Energy — $38,000.00 · unchanged for 45 days``."""
    account = account_names.get(deal.account_id or "", "")
    name = f"{deal.name} · {account}" if account and account not in deal.name else deal.name
    changed = deal.updated_at.date() if deal.updated_at is not None else today
    days = (today - changed).days
    return f"{name}\n{format_money(deal.amount, deal.currency)} · unchanged for {days} days"


def recent_line(item: Recent, today: date) -> str:
    """``Renewal`` and ``Deal · changed today`` (yesterday, or the date)."""
    kind = KIND_WORDS.get(item.kind, item.kind)
    day = item.updated_at.astimezone().date()
    if day == today:
        when = "today"
    elif day == today - timedelta(days=1):
        when = "yesterday"
    else:
        when = f"on {day:%Y-%m-%d}"
    return f"{item.title}\n{kind} · changed {when}"


class HomeSection(QFrame):
    """A card with a heading and a list; activating a row asks to open its record.

    Signals:
        open_wanted(str, str): The kind and id of the record clicked.
    """

    open_wanted = Signal(str, str)

    def __init__(self, title: str, empty: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._title = title
        self._empty = empty
        self.heading = QLabel(title, self)
        self.heading.setProperty("role", "sectionLabel")
        self.list = QListWidget(self)
        self.list.setObjectName("homeList")
        self.list.setWordWrap(True)
        self.list.itemClicked.connect(self._activated)
        self.list.itemActivated.connect(self._activated)
        self.empty_label = QLabel("Loading…", self)  # the empty note once read
        self.empty_label.setProperty("role", "muted")
        self.empty_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.list, 1)
        layout.addStretch(0)  # holds the note at the top while the list is hidden
        self.list.hide()

    def set_rows(self, rows: list[tuple[str, str, str]]) -> None:
        """Show ``(text, kind, id)`` rows (none: the empty note)."""
        self.list.clear()
        for text, kind, record_id in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (kind, record_id))
            item.setToolTip(f"Open {text.splitlines()[0]}")
            self.list.addItem(item)
        self.heading.setText(f"{self._title} ({len(rows)})" if rows else self._title)
        self.empty_label.setText(self._empty)
        self.empty_label.setVisible(not rows)
        self.list.setVisible(bool(rows))

    def texts(self) -> list[str]:
        """The rows' first lines (for tests)."""
        return [self.list.item(row).text().splitlines()[0] for row in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        kind, record_id = item.data(Qt.ItemDataRole.UserRole)
        self.open_wanted.emit(kind, record_id)


class HomePage(QWidget):
    """The first screen after sign-in.

    Args:
        home: Reads the lists.
        parent: The parent widget.

    Signals:
        open_wanted(str, str): Open this record (kind, id) where it lives.
    """

    open_wanted = Signal(str, str)

    def __init__(self, home: HomeOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("homePage")
        self._home = home
        self._loaded_once = False
        self.loading = False
        title = QLabel("Home", self)
        title.setProperty("role", "pageTitle")
        self.subtitle = QLabel("Your deals and what changed lately.", self)
        self.subtitle.setProperty("role", "muted")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(title)
        heading.addWidget(self.subtitle)
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.addLayout(heading, 1)
        header.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.banner = MessageBanner(self)
        self.closing = HomeSection(
            "Closing this month", "None of your open deals closes this month.", self
        )
        self.stale = HomeSection(
            "Stale deals",
            f"None of your open deals has gone {STALE_DAYS} days without a change.",
            self,
        )
        self.recent = HomeSection("Recently changed", "Nothing changed lately.", self)
        for section in (self.closing, self.stale, self.recent):
            section.open_wanted.connect(self.open_wanted)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        grid.addWidget(self.closing, 0, 0)
        grid.addWidget(self.stale, 0, 1)
        grid.addWidget(self.recent, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(grid, 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

    def refresh(self) -> None:
        """Read the lists again (F5, Refresh, the first time it shows)."""
        if self.loading:
            return
        self._loaded_once = True
        self.loading = True
        self.refresh_button.setEnabled(False)
        self._home.load(self.show_data, self._failed)

    def show_data(self, data: HomeData) -> None:
        """Show what was read."""
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.banner.hide()
        names, today = data.account_names, data.today
        self.closing.set_rows(
            [(deal_line(d, names, today), "opportunity", d.id) for d in data.closing]
        )
        self.stale.set_rows(
            [(stale_line(d, names, today), "opportunity", d.id) for d in data.stale]
        )
        self.recent.set_rows(
            [(recent_line(item, today), item.kind, item.id) for item in data.recent]
        )

    def _failed(self, message: UserMessage) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.banner.show_message(" ".join(p for p in (message.title, message.text) if p), "error")

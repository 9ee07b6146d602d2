"""The main window: sidebar navigation, the pages, and the connection in the status bar."""

from __future__ import annotations

from collections.abc import Callable

from app.errors import UserMessage
from app.features.status.model import Condition, HealthReport
from app.features.status.monitor import HealthMonitor
from app.qt.core import QSize, Qt, Signal
from app.qt.gui import QCloseEvent, QKeySequence, QShortcut
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon, pixmap
from app.widgets.shortcut_help import ShortcutEntry, ShortcutHelp
from app.widgets.status_dot import StatusDot
from app.widgets.tones import Tone

ERROR_MESSAGE_MS = 10_000


class ConnectionIndicator(QWidget):
    """The status bar's right-hand corner: a coloured dot and "Healthy" / "Degraded: …".

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        self.dot = StatusDot(Tone.NEUTRAL, 10, self)
        self.label = QLabel("Checking…", self)
        self.label.setObjectName("connectionState")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(8)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)

    def show_report(self, report: HealthReport) -> None:
        """Show the condition a health check found."""
        self.dot.set_tone(report.tone)
        self.label.setText(report.summary)
        self.label.setProperty("condition", report.condition.value)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        tip = report.headline
        if report.error is not None and report.error.details:
            tip += f"\n{report.error.details}"
        self.setToolTip(tip)

    def show_text(self, text: str, tone: Tone = Tone.NEUTRAL) -> None:
        """Show a state that is not a health report (e.g. "Shutting down…")."""
        self.dot.set_tone(tone)
        self.label.setText(text)
        self.label.setProperty("condition", Condition.CHECKING.value)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)


class AccountPanel(QFrame):
    """The sidebar's foot: who is signed in, and "Sign out".

    Args:
        parent: The parent widget.

    Signals:
        sign_out_requested(): The user pressed "Sign out".
    """

    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountPanel")
        self.name_label = QLabel("", self)
        self.name_label.setObjectName("accountName")
        self.detail_label = QLabel("", self)
        self.detail_label.setObjectName("accountDetail")
        self.detail_label.setWordWrap(False)
        self.sign_out_button = QPushButton(icon("sign-out"), "Sign out", self)
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 8, 0)
        layout.setSpacing(2)
        layout.addWidget(self.name_label)
        layout.addWidget(self.detail_label)
        layout.addSpacing(8)
        layout.addWidget(self.sign_out_button)

    def set_account(self, name: str, role: str, email: str) -> None:
        """Show who is signed in."""
        self.name_label.setText(name)
        self.detail_label.setText(role)
        self.setToolTip(f"{name}\n{email} · {role}")


class SearchEntry(QPushButton):
    """The sidebar's "Search" button, with its shortcut shown as a key cap ("Ctrl+K").

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebarSearch")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        glass = QLabel(self)
        glass.setPixmap(pixmap("search", 16))
        glass.setFixedSize(16, 16)
        self.caption = QLabel("Search", self)
        self.caption.setObjectName("sidebarSearchText")
        self.key_label = QLabel("", self)
        self.key_label.setObjectName("sidebarSearchKey")
        self.key_label.hide()
        for label in (glass, self.caption, self.key_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 0, 8, 0)
        row.setSpacing(8)
        middle = Qt.AlignmentFlag.AlignVCenter
        row.addWidget(glass, 0, middle)
        row.addWidget(self.caption, 1, middle)
        row.addWidget(self.key_label, 0, middle)

    def set_shortcut(self, keys: str) -> None:
        """Show ``keys`` (as this platform writes them, e.g. "Ctrl+K" or "⌘K")."""
        self.key_label.setText(keys)
        self.key_label.setVisible(bool(keys))
        what = "Find any account, contact or opportunity"
        self.setToolTip(f"{what} ({keys})" if keys else what)


MINIMUM_SIZE = QSize(960, 600)
"""The smallest the window gets: a list's tools and a board's three stages fit in it
(below it, things overlapped)."""

PAGE_SHORTCUTS = 9
"""Ctrl+1 … Ctrl+9 go to the sidebar's first nine pages."""

LIST_SHORTCUTS = (
    ("Lists", "Ctrl+F", "Filter the list (the filter box)"),
    ("Lists", "↑ ↓", "Select another row; its record shows beside the list"),
    ("Lists", "Enter", "Open the selected record"),
    ("Lists", "Shift+click, Ctrl+click", "Select several (assign, set a field, export)"),
    ("Lists", "Delete", "Move the selected records to the trash (asks first)"),
    ("Lists", "Ctrl+Home, Ctrl+End", "The list's first and last records"),
    ("Dialogs", "Enter", "Save"),
    ("Dialogs", "Esc", "Close (asks first if something typed would be lost)"),
    ("Dialogs", "Tab, Shift+Tab", "The next or previous field"),
)
"""Keys the lists and dialogs handle themselves, listed in the help."""


class MainWindow(QMainWindow):
    """The window the user works in once the backend is up.

    Pages are added by the shell with :meth:`add_page`; only screens that work
    are added. Closing the window asks to quit; it really closes after
    :meth:`allow_close` (the shell stops the backend first).

    Args:
        monitor: The backend's health, for the status bar.
        connection_label: How to name the connection, e.g. "Solo · This computer".
        parent: The parent widget.

    Signals:
        close_requested(): The user closed the window.
        sign_out_requested(): The user pressed "Sign out".
        search_requested(): The user pressed "Search" in the sidebar (shown once
            :meth:`offer_search` was called).
    """

    close_requested = Signal()
    sign_out_requested = Signal()
    search_requested = Signal()

    def __init__(
        self, monitor: HealthMonitor, connection_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("SalesOS")
        self.setWindowIcon(icon("logo"))
        self.resize(self._first_size())
        self.setMinimumSize(MINIMUM_SIZE)
        self._may_close = False

        sidebar = QFrame(self)
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(224)
        logo = QLabel(sidebar)
        logo.setPixmap(pixmap("logo", 28))
        brand = QLabel("SalesOS", sidebar)
        brand.setObjectName("brand")
        brand_row = QHBoxLayout()
        brand_row.setContentsMargins(8, 0, 8, 0)
        brand_row.setSpacing(8)
        brand_row.addWidget(logo)
        brand_row.addWidget(brand, 1)
        self.nav = QListWidget(sidebar)
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(12, 20, 12, 12)
        sidebar_layout.setSpacing(16)
        self.account = AccountPanel(sidebar)
        self.account.hide()
        self.account.sign_out_requested.connect(self.sign_out_requested)
        self.search_entry = SearchEntry(sidebar)
        self.search_entry.clicked.connect(self.search_requested)
        self.search_entry.hide()
        sidebar_layout.addLayout(brand_row)
        sidebar_layout.addWidget(self.search_entry)
        sidebar_layout.addWidget(self.nav, 1)
        sidebar_layout.addWidget(self.account)

        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)

        central = self._body = QWidget(self)
        body = QHBoxLayout(central)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(sidebar)
        self._notices = QVBoxLayout()
        self._notices.setContentsMargins(0, 0, 0, 0)
        self._notices.setSpacing(0)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(self._notices)
        column.addWidget(self.pages, 1)
        body.addLayout(column, 1)
        self.setCentralWidget(central)

        self.connection_label = QLabel(connection_label, self)
        self.connection_label.setObjectName("connectionLabel")
        self.indicator = ConnectionIndicator(self)
        status_bar = self.statusBar()
        status_bar.setSizeGripEnabled(False)
        status_bar.addWidget(self.connection_label)
        status_bar.addPermanentWidget(self.indicator)

        monitor.checking.connect(self._show_checking)
        monitor.reported.connect(self.indicator.show_report)
        self._monitor = monitor

        self._shortcuts: list[ShortcutEntry] = []
        self.help: ShortcutHelp | None = None
        """The keyboard shortcuts' help, while it is open."""
        self.add_shortcut("F1", "General", "This list of shortcuts", self.show_shortcuts)
        self.add_shortcut("?", "General", "", self.show_shortcuts)  # listed with F1
        self.add_shortcut("Ctrl+N", "General", "New record on this page", self.new_record)
        self.add_shortcut("F5", "General", "Load this page again", self.refresh_page)
        self.add_shortcut("Ctrl+F", "", "", self.focus_filter)  # listed under Lists
        self._page_keys: list[QShortcut] = []

    # ------------------------------------------------------------------ shortcuts

    def add_shortcut(
        self, keys: str, group: str, what: str, action: Callable[[], object]
    ) -> QShortcut:
        """Make ``keys`` do ``action`` anywhere in the window; listed in the help under
        ``group`` as ``what`` (not listed when ``what`` is empty)."""
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(action)
        if what:
            self.list_shortcut(group, keys, what)
        return shortcut

    def list_shortcut(self, group: str, keys: str, what: str) -> None:
        """List a shortcut made elsewhere (Ctrl+K, the palette's) in the help."""
        self._shortcuts.append(ShortcutEntry(group, keys, what))

    def shortcut_entries(self) -> list[ShortcutEntry]:
        """Every shortcut the help lists: the window's, going to pages, the lists'."""
        pages = [
            ShortcutEntry("Go to", f"Ctrl+{n}", title)
            for n, title in enumerate(self.page_titles()[:PAGE_SHORTCUTS], start=1)
        ]
        handled = [ShortcutEntry(*entry) for entry in LIST_SHORTCUTS]
        return [*self._shortcuts, *pages, *handled]

    def show_shortcuts(self) -> ShortcutHelp:
        """Open the list of keyboard shortcuts over the window (F1, ?)."""
        if self.help is not None and self.help.isVisible():
            self.help.raise_()
            return self.help
        help_box = self.help = ShortcutHelp(self.shortcut_entries(), self)
        help_box.finished.connect(lambda _r: self._help_closed(help_box))
        help_box.open()
        return help_box

    def _help_closed(self, help_box: ShortcutHelp) -> None:
        if self.help is help_box:
            self.help = None
        help_box.deleteLater()

    def new_record(self) -> None:
        """Ctrl+N: what the current page's "New …" button does (pages that have one)."""
        make = getattr(self.pages.currentWidget(), "new_record", None)
        if callable(make):
            make()

    def refresh_page(self) -> None:
        """F5: load the current page again (pages that load something)."""
        refresh = getattr(self.pages.currentWidget(), "refresh", None)
        if callable(refresh):
            refresh()

    def focus_filter(self) -> None:
        """Ctrl+F: the cursor in the current list's filter box."""
        box = getattr(self.pages.currentWidget(), "search_edit", None)
        if isinstance(box, QWidget) and box.isVisible():
            box.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _first_size(self) -> QSize:
        """1280 x 800 (every list column and four board stages fit), or 90 % of a
        smaller screen, never below the minimum."""
        wanted = QSize(1280, 800)
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry().size() * 0.9
            wanted = wanted.boundedTo(room)
        return wanted.expandedTo(MINIMUM_SIZE)

    def add_page(self, title: str, icon_name: str, page: QWidget) -> None:
        """Add a page and its entry in the sidebar (the first one added is shown)."""
        item = QListWidgetItem(icon(icon_name), title)
        item.setSizeHint(QSize(0, 40))
        self.nav.addItem(item)
        self.pages.addWidget(page)
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)
        number = self.nav.count()
        if number <= PAGE_SHORTCUTS:
            row = number - 1
            self._page_keys.append(
                self.add_shortcut(f"Ctrl+{number}", "", "", lambda: self.nav.setCurrentRow(row))
            )

    def add_notice(self, notice: QWidget) -> None:
        """Show ``notice`` above the pages, whichever is shown (e.g. a mailbox that needs
        reconnecting); it hides itself while it has nothing to say."""
        notice.setParent(self._body)
        self._notices.addWidget(notice)

    def offer_search(self, keys: str) -> None:
        """Show "Search" at the top of the sidebar, with its shortcut ``keys`` ("Ctrl+K")."""
        self.search_entry.set_shortcut(keys)
        self.search_entry.show()

    def page(self, title: str) -> QWidget | None:
        """The page with ``title`` (not switching to it); ``None`` if there is none."""
        titles = self.page_titles()
        return self.pages.widget(titles.index(title)) if title in titles else None

    def set_account(self, name: str, role: str, email: str) -> None:
        """Show who is signed in at the foot of the sidebar, with "Sign out"."""
        self.account.set_account(name, role, email)
        self.account.show()

    def show_page(self, title: str) -> QWidget | None:
        """Switch to the page with ``title``; returns it (``None`` if there is none)."""
        titles = self.page_titles()
        if title not in titles:
            return None
        self.nav.setCurrentRow(titles.index(title))
        return self.pages.currentWidget()

    def page_titles(self) -> list[str]:
        """The sidebar's entries, in order."""
        return [self.nav.item(row).text() for row in range(self.nav.count())]

    def show_error(self, message: UserMessage) -> None:
        """The central display for failures no screen handles itself."""
        self.statusBar().showMessage(message.title, ERROR_MESSAGE_MS)

    def set_shutting_down(self) -> None:
        """Show that the app is stopping; the user cannot act meanwhile."""
        self._body.setEnabled(False)
        self.statusBar().clearMessage()
        self.indicator.show_text("Shutting down…")

    def set_signing_out(self) -> None:
        """Show that the user is being signed out; the user cannot act meanwhile."""
        self._body.setEnabled(False)
        self.account.sign_out_button.setText("Signing out…")

    def allow_close(self) -> None:
        """Let the next close really close the window."""
        self._may_close = True

    def _show_checking(self) -> None:
        if self._monitor.latest is None:
            self.indicator.show_text("Checking…")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()

"""Settings > Mailboxes: the mailboxes the user sends from (provider, address, status,
today's sends against the cap, what each cannot do), connecting Gmail and Outlook in the
browser or any SMTP/IMAP server with a form, testing, reconnecting and disconnecting; and
the window's banner for a mailbox that needs reconnecting."""

from __future__ import annotations

import asyncio
from typing import Any

from app.api.mailboxes import NEEDS_RECONNECT, Mailbox, MailboxCheck, Providers
from app.errors import UserMessage
from app.features.live.model import LiveChanges
from app.features.mailboxes.model import (
    MailboxesModel,
    limit_text,
    provider_label,
    servers_text,
    status_text,
    status_tone,
    today_text,
)
from app.features.mailboxes.ops import BrowserOpener, MailboxBook, MailboxOps
from app.features.mailboxes.smtp_dialog import SmtpMailboxDialog
from app.qt.core import Qt, QUrl, Signal
from app.qt.gui import QDesktopServices, QGuiApplication, QShowEvent
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog
from app.widgets.form import MessageBanner
from app.widgets.status_dot import StatusDot

PROVIDER_NAMES = {"gmail": "Google", "outlook": "Microsoft"}


def system_browser(url: str) -> bool:
    """Open ``url`` in the user's own browser (never a web view of ours)."""
    return bool(QDesktopServices.openUrl(QUrl(url)))


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


def _label(text: str, parent: QWidget, role: str = "", name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


class MailboxCard(QFrame):
    """One mailbox: who it sends as, whether it works, today's sends and its actions.

    Args:
        mailbox: The mailbox shown.
        parent: The parent widget.

    Signals:
        test_wanted(object): "Test" (the mailbox).
        reconnect_wanted(object): "Reconnect".
        disconnect_wanted(object): "Disconnect" (the page asks first).
        cap_wanted(object, int): "Save" of a new daily limit (the mailbox, the limit).
    """

    test_wanted = Signal(object)
    cap_wanted = Signal(object, int)
    reconnect_wanted = Signal(object)
    disconnect_wanted = Signal(object)

    def __init__(self, mailbox: Mailbox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setProperty("role", "mailboxCard")
        self.mailbox = mailbox
        self.badge = _label(provider_label(mailbox.kind), self, "tag", "providerBadge")
        self.badge.setWordWrap(False)
        self.address = _label(mailbox.email, self, "headline", "mailboxAddress")
        self.address.setWordWrap(False)
        self.name = _label(mailbox.display_name, self, "muted", "mailboxName")
        self.dot = StatusDot(status_tone(mailbox), 10, self)
        self.status = _label("", self, name="mailboxStatus")
        self.status.setWordWrap(False)
        self.reason = _label("", self, name="mailboxReason")
        self.today = _label(today_text(mailbox), self, "muted", "mailboxToday")
        self.today.setWordWrap(False)
        self.servers = _label(servers_text(mailbox), self, "muted", "mailboxServers")
        self.limits = _label(limit_text(mailbox), self, "muted", "mailboxLimit")
        self.limitations = _label(
            "\n".join(f"• {line}" for line in mailbox.limitations), self, name="mailboxLimitations"
        )
        self.outcome = MessageBanner(self)
        self.cap_button = QPushButton("Change", self)
        self.cap_button.setProperty("variant", "small")
        self.cap_button.setToolTip("Change how many emails it sends a day at most")
        self.cap_button.clicked.connect(lambda: self.edit_cap(True))
        self.cap_edit = QSpinBox(self)
        self.cap_edit.setObjectName("dailyCapEdit")
        self.cap_edit.setRange(1, 10_000)
        self.cap_edit.setSuffix(" a day")
        self.cap_save = QPushButton("Save", self)
        self.cap_save.setProperty("variant", "small")
        self.cap_save.clicked.connect(
            lambda: self.cap_wanted.emit(self.mailbox, self.cap_edit.value())
        )
        self.cap_cancel = QPushButton("Cancel", self)
        self.cap_cancel.setProperty("variant", "small")
        self.cap_cancel.clicked.connect(lambda: self.edit_cap(False))

        self.test_button = QPushButton("Test", self)
        self.test_button.setToolTip("Sign in to the mailbox now, to check that it works")
        self.test_button.clicked.connect(lambda: self.test_wanted.emit(self.mailbox))
        self.reconnect_button = QPushButton("Reconnect", self)
        self.reconnect_button.clicked.connect(lambda: self.reconnect_wanted.emit(self.mailbox))
        self.disconnect_button = QPushButton("Disconnect", self)
        self.disconnect_button.setProperty("variant", "danger")
        self.disconnect_button.clicked.connect(lambda: self.disconnect_wanted.emit(self.mailbox))

        head = QHBoxLayout()
        head.setSpacing(10)
        who = QVBoxLayout()
        who.setSpacing(2)
        title = QHBoxLayout()
        title.setSpacing(10)
        title.addWidget(self.address)
        title.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title.addStretch(1)
        who.addLayout(title)
        who.addWidget(self.name)
        head.addLayout(who, 1)
        head.addWidget(self.test_button)
        head.addWidget(self.reconnect_button)
        head.addWidget(self.disconnect_button)
        state = QHBoxLayout()
        state.setSpacing(8)
        state.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        state.addWidget(self.status)
        state.addStretch(1)
        state.addWidget(self.today)
        state.addWidget(self.cap_button)
        state.addWidget(self.cap_edit)
        state.addWidget(self.cap_save)
        state.addWidget(self.cap_cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addLayout(state)
        layout.addWidget(self.reason)
        layout.addWidget(self.servers)
        layout.addWidget(self.limits)
        layout.addWidget(self.limitations)
        layout.addWidget(self.outcome)
        self.show_mailbox(mailbox)
        self.edit_cap(False)

    def edit_cap(self, editing: bool) -> None:
        """Show the daily limit's editor (with the limit now), or hide it."""
        self.cap_edit.setValue(self.mailbox.daily_cap)
        for widget in (self.cap_edit, self.cap_save, self.cap_cancel):
            widget.setVisible(editing)
            widget.setEnabled(True)
        self.cap_button.setVisible(not editing)
        if editing:
            self.cap_edit.setFocus()

    def show_mailbox(self, mailbox: Mailbox) -> None:
        """Show ``mailbox`` as it is now (read again, or changed)."""
        self.mailbox = mailbox
        self.address.setText(mailbox.email)
        self.name.setText(mailbox.display_name)
        self.name.setVisible(bool(mailbox.display_name))
        self.dot.set_tone(status_tone(mailbox))
        headline, _, reason = status_text(mailbox).partition(": ")
        self.status.setText(headline)
        self.status.setProperty("status", mailbox.status)
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.today.setText(today_text(mailbox))
        self.servers.setText(servers_text(mailbox))
        self.servers.setVisible(bool(self.servers.text()))
        self.limits.setText(limit_text(mailbox))
        self.limitations.setText("\n".join(f"• {line}" for line in mailbox.limitations))
        self.limitations.setVisible(bool(mailbox.limitations))
        self.reconnect_button.setVisible(mailbox.status == NEEDS_RECONNECT)
        self.reconnect_button.setProperty(
            "variant", "primary" if mailbox.status == NEEDS_RECONNECT else ""
        )

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Disable the actions while something runs; say what."""
        for button in (self.test_button, self.reconnect_button, self.disconnect_button):
            button.setEnabled(not busy)
        if text:
            self.outcome.show_message(text, "info")

    def show_check(self, check: MailboxCheck) -> None:
        """Say what a test found."""
        self.set_busy(False)
        if check.ok:
            self.outcome.show_message(check.message or "Signed in: it works.", "success")
        else:
            where = f" (check the {check.field.replace('_', ' ')})" if check.field else ""
            self.outcome.show_message(f"{check.message}{where}", "error")


class ConnectPanel(QFrame):
    """The three ways to connect a mailbox; a provider this server has no client for
    shows the server's words instead of a working button.

    Signals:
        connect_wanted(str): ``"gmail"``, ``"outlook"`` or ``"smtp"``.
        cancel_wanted(): The user gave up on the browser sign-in under way.
    """

    connect_wanted = Signal(str)
    cancel_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        heading = _label("Connect a mailbox", self, "headline")
        sub = _label(
            "Gmail and Outlook open in your browser to sign in; SalesOS never sees your "
            "password. Any other provider connects with its SMTP (and IMAP) servers.",
            self,
            "muted",
        )
        self.buttons: dict[str, QPushButton] = {}
        self.notes: dict[str, QLabel] = {}
        row = QHBoxLayout()
        row.setSpacing(12)
        for kind, text in (
            ("gmail", "Connect Gmail"),
            ("outlook", "Connect Outlook"),
            ("smtp", "Connect SMTP/IMAP"),
        ):
            column = QVBoxLayout()
            column.setSpacing(6)
            button = QPushButton(text, self)
            button.setObjectName(f"connect_{kind}")
            button.clicked.connect(lambda _=False, k=kind: self.connect_wanted.emit(k))
            note = _label("", self, "fieldHint", f"note_{kind}")
            note.hide()
            if kind != "smtp":  # until the server says whether it can sign in to them
                button.setEnabled(False)
                button.setToolTip("Checking whether this server is set up for it…")
            column.addWidget(button)
            column.addWidget(note)
            column.addStretch(1)
            row.addLayout(column, 1)
            self.buttons[kind], self.notes[kind] = button, note
        self.progress = MessageBanner(self)
        self.copy_button = QPushButton("Copy the sign-in link", self)
        self.copy_button.setProperty("variant", "small")
        self.copy_button.setToolTip("If no browser window opened, paste this link into one")
        self.copy_button.hide()
        self.cancel_button = QPushButton("Cancel sign-in", self)
        self.cancel_button.setProperty("variant", "small")
        self.cancel_button.clicked.connect(self.cancel_wanted)
        self.cancel_button.hide()
        self._url = ""
        self.copy_button.clicked.connect(self._copy)
        waiting = QHBoxLayout()
        waiting.setSpacing(8)
        waiting.addWidget(self.progress, 1)
        waiting.addWidget(self.copy_button)
        waiting.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 20)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(sub)
        layout.addLayout(row)
        layout.addLayout(waiting)

    def show_providers(self, providers: Providers) -> None:
        """Enable the providers this server has a client for; say why not for the others."""
        for kind, setup in (("gmail", providers.gmail), ("outlook", providers.outlook)):
            self.buttons[kind].setEnabled(setup.configured)
            self.buttons[kind].setToolTip("" if setup.configured else setup.message)
            self.notes[kind].setText("" if setup.configured else setup.message)
            self.notes[kind].setVisible(not setup.configured)

    def waiting(self, kind: str, url: str = "") -> None:
        """A browser sign-in is under way (or starting, without ``url`` yet)."""
        name = PROVIDER_NAMES.get(kind, kind)
        self._url = url
        for button in self.buttons.values():
            button.setEnabled(False)
        text = (
            f"Sign in to {name} in your browser window, then come back here."
            if url
            else f"Opening {name}'s sign-in in your browser…"
        )
        self.progress.show_message(text, "info")
        self.copy_button.setVisible(bool(url))
        self.cancel_button.show()

    def connecting(self, kind: str) -> None:
        """The browser sign-in is over; the server connects the mailbox."""
        name = PROVIDER_NAMES.get(kind, kind)
        self.progress.show_message(f"Signed in to {name}; connecting the mailbox…", "info")
        self.copy_button.hide()
        self.cancel_button.hide()

    def idle(self, providers: Providers | None, text: str = "", tone: str = "info") -> None:
        """No sign-in under way; ``text`` says how the last one ended."""
        self.buttons["smtp"].setEnabled(True)
        if providers is not None:
            self.show_providers(providers)
        self.progress.show_message(text, tone)
        self.copy_button.hide()
        self.cancel_button.hide()

    def _copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and self._url:
            clipboard.setText(self._url)


class MailboxesPage(QWidget):
    """The mailboxes the user sends from, and connecting more.

    Args:
        ops: The mailbox calls and browser sign-ins.
        model: The mailboxes (shared with the window's reconnect banner).
        open_browser: Opens a URL in the system browser.
        autoload: Load when first shown.
        parent: The parent widget.
    """

    def __init__(
        self,
        ops: MailboxOps,
        model: MailboxesModel | None = None,
        *,
        open_browser: BrowserOpener = system_browser,
        autoload: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mailboxesPage")
        self._ops = ops
        self._open_browser = open_browser
        self._loaded_once = not autoload
        self.providers: Providers | None = None
        self.model = model if model is not None else MailboxesModel(ops.client, self)
        self.model.read_wanted.connect(self.read_again)
        for change in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            change.connect(self._rebuild)
        self.model.dataChanged.connect(self._rows_changed)
        self.cards: dict[str, MailboxCard] = {}
        self.sign_in_task: asyncio.Task[Any] | None = None
        self.dialog: SmtpMailboxDialog | None = None
        self.confirm_box: ConfirmDialog | None = None

        title = _label("Mailboxes", self, "pageTitle")
        sub = _label(
            "The mailboxes you send email from. Only you see them and send from them.",
            self,
            "muted",
        )
        self.connect_panel = ConnectPanel(self)
        self.connect_panel.connect_wanted.connect(self.connect_mailbox)
        self.connect_panel.cancel_wanted.connect(self.cancel_sign_in)
        self.banner = MessageBanner(self)
        self.empty_label = _label(
            "No mailbox yet. Connect one above to send email from SalesOS.", self, "muted"
        )
        self.empty_label.setObjectName("emptyState")
        self.empty_label.hide()
        self._list = QVBoxLayout()
        self._list.setSpacing(12)

        content = QWidget(self)
        content.setObjectName("pageContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addWidget(sub)
        layout.addWidget(self.connect_panel)
        layout.addWidget(self.banner)
        layout.addWidget(self.empty_label)
        layout.addLayout(self._list)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("pageScroll")
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Load the mailboxes and the providers again."""
        self._loaded_once = True
        self._ops.load(self.show_book, self._load_failed)

    def show_book(self, book: MailboxBook) -> None:
        """Show what a load found."""
        self.providers = book.providers
        self.connect_panel.show_providers(book.providers)
        self.model.set_mailboxes(book.mailboxes)

    def _load_failed(self, message: UserMessage) -> None:
        self.banner.show_message(
            f"The mailboxes could not be loaded. {message_text(message)}", "error"
        )

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date with changes made elsewhere (another device, the
        send worker finding a password changed)."""
        live.changed.connect(self.model.hear)
        live.resync.connect(self.refresh)

    def read_again(self, mailbox_id: str) -> None:
        """Read one mailbox again (it changed elsewhere)."""

        def gone(message: UserMessage) -> None:
            if message.code == "not_found":
                self.model.remove(mailbox_id)

        self._ops.get(mailbox_id, self.model.put, gone)

    def _rebuild(self) -> None:
        for card in self.cards.values():
            self._list.removeWidget(card)
            card.deleteLater()
        self.cards = {}
        for mailbox in self.model.mailboxes():
            card = MailboxCard(mailbox, self)
            card.test_wanted.connect(self.test_mailbox)
            card.reconnect_wanted.connect(self.reconnect)
            card.disconnect_wanted.connect(self.confirm_disconnect)
            card.cap_wanted.connect(self.change_cap)
            self._list.addWidget(card)
            self.cards[mailbox.id] = card
        self.empty_label.setVisible(not self.cards and self._loaded_once)

    def _rows_changed(self) -> None:
        for mailbox in self.model.mailboxes():
            card = self.cards.get(mailbox.id)
            if card is not None:
                card.show_mailbox(mailbox)

    # ------------------------------------------------------------------ connecting

    def connect_mailbox(self, kind: str) -> None:
        """Start connecting a mailbox of ``kind`` (``gmail``, ``outlook``, ``smtp``)."""
        self.banner.clear_message()
        if kind == "smtp":
            self.open_smtp_dialog()
            return
        self._browser_sign_in(kind)

    def open_smtp_dialog(self, mailbox: Mailbox | None = None) -> SmtpMailboxDialog:
        """Open the SMTP/IMAP form (``mailbox``: to reconnect it)."""
        dialog = self.dialog = SmtpMailboxDialog(self._ops, mailbox, self)
        dialog.connected.connect(self._connected)
        dialog.open()
        return dialog

    def _browser_sign_in(self, kind: str, mailbox: Mailbox | None = None) -> None:
        providers = self.providers
        if providers is None:
            return
        panel = self.connect_panel
        panel.waiting(kind)
        self.sign_in_task = self._ops.connect_oauth(
            kind,
            providers,
            self._open_browser,
            self._connected,
            lambda message: self._sign_in_failed(message),
            waiting=lambda url: panel.waiting(kind, url),
            signed_in=lambda: panel.connecting(kind),
            reconnect=mailbox,
        )

    def cancel_sign_in(self) -> None:
        """Give up on the browser sign-in under way."""
        if self.sign_in_task is not None:
            self.sign_in_task.cancel()
        self.sign_in_task = None
        self.connect_panel.idle(self.providers, "The sign-in was cancelled. Nothing was connected.")

    def _connected(self, mailbox: Mailbox) -> None:
        self.sign_in_task = None
        self.model.put(mailbox)
        self.connect_panel.idle(self.providers, f"{mailbox.email} is connected.", "success")

    def _sign_in_failed(self, message: UserMessage) -> None:
        self.sign_in_task = None
        fields = " ".join(message.fields.values())
        text = fields if fields else message_text(message)
        self.connect_panel.idle(self.providers, text, "error")

    # ------------------------------------------------------------------ a mailbox's actions

    def test_mailbox(self, mailbox: Mailbox) -> None:
        """Sign in to ``mailbox`` now and say what happened."""
        card = self.cards.get(mailbox.id)
        if card is None:
            return
        card.set_busy(True, f"Signing in to {mailbox.smtp_host or provider_label(mailbox.kind)}…")

        def checked(check: MailboxCheck) -> None:
            card.show_check(check)
            self.read_again(mailbox.id)  # its status may have changed

        def failed(message: UserMessage) -> None:
            card.set_busy(False)
            card.outcome.show_message(message_text(message), "error")

        self._ops.test(mailbox.id, checked, failed)

    def reconnect(self, mailbox: Mailbox) -> None:
        """Sign in to ``mailbox`` again: the browser for Gmail and Outlook, the form (for
        the new password) for SMTP."""
        if mailbox.kind == "smtp":
            self.open_smtp_dialog(mailbox)
        else:
            self._browser_sign_in(mailbox.kind, mailbox)

    def change_cap(self, mailbox: Mailbox, cap: int) -> None:
        """Give ``mailbox`` a new daily limit (the server says the provider's most)."""
        card = self.cards.get(mailbox.id)
        if card is None:
            return
        card.cap_save.setEnabled(False)

        def done(changed: Mailbox) -> None:
            self.model.put(changed)
            card.edit_cap(False)
            card.outcome.show_message(f"It sends at most {changed.daily_cap:,} a day.", "success")

        def failed(message: UserMessage) -> None:
            card.cap_save.setEnabled(True)
            problem = message.fields.get("daily_cap")
            text = f"Daily limit: {problem}" if problem else message_text(message)
            card.outcome.show_message(text, "error")

        self._ops.change(mailbox.id, {"daily_cap": cap}, done, failed)

    def confirm_disconnect(self, mailbox: Mailbox) -> None:
        """Ask, then disconnect ``mailbox``."""
        self.confirm_box = ask_to_confirm(
            self,
            "Disconnect mailbox",
            f"Disconnect {mailbox.email}?",
            "Disconnect",
            lambda: self.disconnect_mailbox(mailbox),
        )
        self.confirm_box.setInformativeText(
            "SalesOS forgets its sign-in, and emails it has not sent yet fail. "
            "You can connect it again later."
        )

    def disconnect_mailbox(self, mailbox: Mailbox) -> None:
        """Disconnect ``mailbox`` (no question asked; the button asks first)."""
        card = self.cards.get(mailbox.id)
        if card is not None:
            card.set_busy(True, "Disconnecting…")

        def done() -> None:
            self.model.remove(mailbox.id)
            self.banner.show_message(f"{mailbox.email} was disconnected.", "success")

        def failed(message: UserMessage) -> None:
            if card is not None:
                card.set_busy(False)
                card.outcome.show_message(message_text(message), "error")

        self._ops.disconnect(mailbox.id, done, failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

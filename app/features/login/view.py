"""The login window: server, email, password, "Keep me signed in", and what went wrong."""

from __future__ import annotations

import math
import time

from app.errors import ErrorKind, UserMessage, wait_sentence
from app.features.login.model import Server, SignInRequest, check_email, check_server_url
from app.qt.core import Qt, QTimer, Signal
from app.qt.gui import QCloseEvent, QKeyEvent, QShowEvent
from app.qt.widgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon, pixmap
from app.widgets.form import FormField, MessageBanner, fit_height
from app.widgets.password_edit import PasswordEdit
from app.widgets.title_header import TitleHeader

NO_KEYRING_NOTE = "No system keyring on this computer — you'll sign in each time."
THIS_COMPUTER_HINT = "SalesOS runs on this computer, just for you."
FIRST_RUN_HINT = (
    "SalesOS runs on this computer, just for you. First time here? The demo company's "
    "admin is admin@demo.salesos.dev, password demo123!"
)
TEAM_HINT = "The address your administrator gave you."


class LoginWindow(QWidget):
    """Asks where and as whom to sign in; shows why a sign-in did not work.

    The window validates what it can by itself (an empty email, a server address
    that is not http(s)); everything else comes back from the server through
    :meth:`show_failure`. Closing the window asks to quit; it really closes after
    :meth:`allow_close`.

    Args:
        parent: The parent widget.

    Signals:
        sign_in_requested(SignInRequest): The user pressed "Sign in" (or Enter) and
            the form is complete.
        quit_requested(): The user closed the window.
    """

    sign_in_requested = Signal(object)
    quit_requested = Signal()

    COUNTDOWN_TICK_MS = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginWindow")
        self.setWindowTitle("Sign in · SalesOS")
        self.setWindowIcon(icon("logo"))
        self.setFixedWidth(460)
        self._may_close = False
        self._busy = False
        self._keyring_available: bool | None = None
        self._wait_code = ""
        self._wait_until = 0.0
        self._wait_shown = -1

        header = TitleHeader(pixmap("logo", 48), "Sign in to SalesOS", "Welcome back.", self)
        self.subtitle = header.subtitle

        card = QFrame(self)
        card.setObjectName("card")
        server_label = QLabel("Server", card)
        server_label.setProperty("role", "fieldLabel")
        self.this_computer_radio = QRadioButton("This computer", card)
        self.team_radio = QRadioButton("Team server", card)
        self.server_group = QButtonGroup(self)
        self.server_group.addButton(self.this_computer_radio)
        self.server_group.addButton(self.team_radio)
        self.this_computer_radio.setChecked(True)
        radios = QHBoxLayout()
        radios.setSpacing(24)
        radios.addWidget(self.this_computer_radio)
        radios.addWidget(self.team_radio)
        radios.addStretch(1)
        self.url_edit = QLineEdit(card)
        self.url_edit.setPlaceholderText("https://sales.example.com")
        self.url_edit.setClearButtonEnabled(True)
        self.url_field = FormField("", self.url_edit, TEAM_HINT, card)
        self.url_field.label.hide()
        self.server_hint = QLabel(THIS_COMPUTER_HINT, card)
        self.server_hint.setProperty("role", "fieldHint")
        server_box = QVBoxLayout()
        server_box.setSpacing(6)
        server_box.addWidget(server_label)
        server_box.addLayout(radios)
        server_box.addWidget(self.server_hint)
        server_box.addWidget(self.url_field)

        self.email_edit = QLineEdit(card)
        self.email_edit.setPlaceholderText("name@company.com")
        self.email_field = FormField("Email", self.email_edit, parent=card)
        self.password_edit = PasswordEdit(icon("eye"), icon("eye-off"), card)
        self.password_field = FormField("Password", self.password_edit, parent=card)

        self.keep_box = QCheckBox("Keep me signed in", card)
        self.keyring_note = QLabel(NO_KEYRING_NOTE, card)
        self.keyring_note.setProperty("role", "fieldHint")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setContentsMargins(24, 0, 0, 0)  # under the checkbox's text
        self.keyring_note.hide()

        self.banner = MessageBanner(card)
        self.sign_in_button = QPushButton("Sign in", card)
        self.sign_in_button.setProperty("variant", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)

        rule = QFrame(card)
        rule.setObjectName("rule")
        rule.setFixedHeight(1)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 20, 24, 24)
        card_layout.setSpacing(14)
        card_layout.addLayout(server_box)
        card_layout.addWidget(rule)
        card_layout.addWidget(self.email_field)
        card_layout.addWidget(self.password_field)
        keep = QVBoxLayout()
        keep.setSpacing(4)
        keep.addWidget(self.keep_box)
        keep.addWidget(self.keyring_note)
        card_layout.addLayout(keep)
        card_layout.addWidget(self.banner)
        card_layout.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.setSpacing(20)
        layout.addWidget(header)
        layout.addWidget(card)

        # Ticks often and reads the clock: a timer's ticks drift, the deadline does not.
        self._countdown = QTimer(self)
        self._countdown.setInterval(self.COUNTDOWN_TICK_MS)
        self._countdown.timeout.connect(self._tick)

        self.server_group.buttonToggled.connect(lambda *_: self._server_kind_changed())
        for edit in (self.url_edit, self.email_edit, self.password_edit):
            edit.returnPressed.connect(self.submit)
        self.url_edit.textEdited.connect(lambda _: self.url_field.set_error(""))
        self.email_edit.textEdited.connect(lambda _: self.email_field.set_error(""))
        self.password_edit.textEdited.connect(lambda _: self.password_field.set_error(""))
        self._server_kind_changed()
        fit_height(self)

    # ------------------------------------------------------------------ filling in

    def set_server(self, server: Server, team_url: str = "") -> None:
        """Select a server; ``team_url`` fills the address field either way."""
        self.url_edit.setText(server.url or team_url)
        radio = self.this_computer_radio if server.is_this_computer else self.team_radio
        radio.setChecked(True)
        self._server_kind_changed()

    def set_email(self, email: str) -> None:
        """Fill in the email."""
        self.email_edit.setText(email)

    def set_first_run(self, first: bool) -> None:
        """Before anyone signed in on this computer, say how to sign in to the demo."""
        self.server_hint.setWordWrap(True)
        self.server_hint.setText(FIRST_RUN_HINT if first else THIS_COMPUTER_HINT)
        self.subtitle.setText("Welcome to SalesOS." if first else "Welcome back.")
        fit_height(self)

    def set_keep_signed_in(self, keep: bool) -> None:
        """Tick or untick "Keep me signed in" (ignored while there is no keyring)."""
        self.keep_box.setChecked(keep and self._keyring_available is not False)

    def set_keyring_available(self, available: bool) -> None:
        """Whether "Keep me signed in" can work on this computer."""
        self._keyring_available = available
        self.keep_box.setEnabled(available and not self._busy)
        if not available:
            self.keep_box.setChecked(False)
            self.keep_box.setToolTip(NO_KEYRING_NOTE)
        else:
            self.keep_box.setToolTip(
                "Your sign-in is kept in the system keyring, so SalesOS opens signed in."
            )
        self.keyring_note.setVisible(not available)
        fit_height(self)

    def server(self) -> Server | None:
        """The chosen server, or ``None`` when the team address is not valid."""
        if self.this_computer_radio.isChecked():
            return Server.this_computer()
        url, problem = check_server_url(self.url_edit.text())
        return None if problem else Server.team(url)

    # ------------------------------------------------------------------ state

    @property
    def busy(self) -> bool:
        """Whether a sign-in is under way (the form is locked)."""
        return self._busy

    def set_busy(self, busy: bool, text: str = "Signing in…") -> None:
        """Lock the form while signing in; ``text`` replaces the button's label."""
        self._busy = busy
        for widget in (
            self.this_computer_radio,
            self.team_radio,
            self.url_edit,
            self.email_edit,
            self.password_edit,
        ):
            widget.setEnabled(not busy)
        self.keep_box.setEnabled(not busy and self._keyring_available is not False)
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText(text if busy else "Sign in")
        if not busy:
            self._server_kind_changed()

    def show_failure(self, message: UserMessage) -> None:
        """Say why the sign-in did not work, beside a field when the server named one."""
        self.set_busy(False)
        self._stop_countdown()
        self._clear_field_errors()
        editors = {
            "email": (self.email_field, self.email_edit),
            "password": (self.password_field, self.password_edit),
        }
        unplaced: list[str] = []
        focus: QWidget | None = None
        for name, problem in message.fields.items():
            if name in editors:
                field, editor = editors[name]
                field.set_error(problem)
                focus = focus or editor
            else:
                unplaced.append(f"{name.replace('_', ' ').capitalize()}: {problem}")
        if message.fields and not unplaced:
            self.banner.clear_message()
        else:
            text = " ".join(part for part in (message.title, message.text) if part)
            if unplaced:
                text = "\n".join([text, *unplaced])
            self.banner.show_message(text, "error")
        if message.retry_after is not None and message.retry_after > 0:
            self._start_countdown(message.code, message.retry_after)
        if message.kind is ErrorKind.REJECTED and message.code == "invalid_credentials":
            focus = self.password_edit
            self.password_edit.selectAll()
        elif message.kind is ErrorKind.REJECTED and message.code == "unknown_email":
            focus = self.email_edit
            self.email_edit.selectAll()
        elif message.connection_lost and self.team_radio.isChecked():
            focus = self.url_edit
        if focus is not None:
            focus.setFocus()
        fit_height(self)

    def show_note(self, text: str) -> None:
        """An informative line above the button (e.g. "Your session has ended")."""
        self._stop_countdown()
        self.banner.show_message(text, "info")
        fit_height(self)

    def clear_messages(self) -> None:
        """Remove the banner and every field's error."""
        self._stop_countdown()
        self.banner.clear_message()
        self._clear_field_errors()
        fit_height(self)

    def clear_password(self) -> None:
        """Empty the password field (after a sign-in, or before showing the form again)."""
        self.password_edit.clear()
        self.password_edit.set_revealed(False)

    def allow_close(self) -> None:
        """Let the next close really close the window."""
        self._may_close = True

    # ------------------------------------------------------------------ actions

    def submit(self) -> None:
        """Check the form and, if it is complete, ask to sign in."""
        if self._busy:
            return
        self.clear_messages()
        first_wrong: QWidget | None = None
        server = self.server()
        if server is None:
            _url, problem = check_server_url(self.url_edit.text())
            self.url_field.set_error(problem)
            first_wrong = self.url_edit
        email_problem = check_email(self.email_edit.text())
        if email_problem:
            self.email_field.set_error(email_problem)
            first_wrong = first_wrong or self.email_edit
        if not self.password_edit.text():
            self.password_field.set_error("Enter your password.")
            first_wrong = first_wrong or self.password_edit
        if first_wrong is not None or server is None:
            if first_wrong is not None:
                first_wrong.setFocus()
            fit_height(self)
            return
        request = SignInRequest(
            server=server,
            email=self.email_edit.text().strip(),
            password=self.password_edit.text(),
            keep_signed_in=self.keep_box.isChecked() and self._keyring_available is not False,
        )
        self.set_busy(True)
        self.sign_in_requested.emit(request)

    # ------------------------------------------------------------------ internals

    def _server_kind_changed(self) -> None:
        team = self.team_radio.isChecked()
        self.url_field.setVisible(team)
        self.server_hint.setVisible(not team)
        if team and not self._busy and not self.url_edit.text():
            self.url_edit.setFocus()
        fit_height(self)

    def _clear_field_errors(self) -> None:
        for field in (self.url_field, self.email_field, self.password_field):
            field.set_error("")

    def _start_countdown(self, code: str, seconds: int) -> None:
        self._wait_code = code
        self._wait_until = time.monotonic() + seconds
        self._wait_shown = seconds
        self._countdown.start()

    def _stop_countdown(self) -> None:
        self._countdown.stop()
        self._wait_until = 0.0

    def _tick(self) -> None:
        left = max(0, math.ceil(self._wait_until - time.monotonic()))
        if left == self._wait_shown:
            return
        self._wait_shown = left
        self.banner.show_message(
            wait_sentence(self._wait_code, left), "error" if left > 0 else "info"
        )
        if left <= 0:
            self._countdown.stop()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter submits also when the focus is on the checkbox or a radio button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)  # now that the stylesheet's fonts apply

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            self._countdown.stop()
            event.accept()
            return
        event.ignore()
        self.quit_requested.emit()

"""The SMTP/IMAP form: connect any mailbox by its servers and password, or give a connected
one a new password. It checks as the user goes (a field is judged when the cursor leaves
it, and again at each key once it showed a problem), fills in the usual ports and the
servers most providers use, and puts the server's objection beside the field it names."""

from __future__ import annotations

from app.api.mailboxes import Mailbox, Security, SmtpSettings
from app.errors import UserMessage
from app.features.mailboxes.ops import MailboxOps
from app.features.mailboxes.smtp_form import (
    IMAP_SECURITY_CHOICES,
    SECURITY_CHOICES,
    SmtpForm,
)
from app.qt.core import Qt, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.form import FormField, MessageBanner, fit_height
from app.widgets.password_edit import PasswordEdit

WITHOUT_IMAP = (
    "Without IMAP, replies are not detected, sent messages are not filed in a Sent folder, "
    "and a send whose answer was lost cannot be checked: it is shown to you to decide."
)
FIELD_ORDER = (
    "email", "display_name", "smtp_host", "smtp_port", "smtp_security", "username", "password",
    "imap_host", "imap_port", "imap_security",
)  # fmt: skip


def settings_of(mailbox: Mailbox) -> SmtpSettings:
    """The settings an SMTP mailbox was connected with (no password: none is ever read)."""
    return SmtpSettings(
        email=mailbox.email,
        display_name=mailbox.display_name,
        smtp_host=mailbox.smtp_host or "",
        smtp_port=mailbox.smtp_port or 587,
        smtp_security=_security(mailbox.smtp_security, "starttls"),
        username=mailbox.username or mailbox.email,
        password="",
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        imap_security=_security(mailbox.imap_security, "tls") if mailbox.imap_host else None,
    )


def _security(word: str | None, default: Security) -> Security:
    for value in ("starttls", "tls", "none"):
        if word == value:
            return value
    return default


def _combo(choices: tuple[tuple[Security, str], ...], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for value, label in choices:
        combo.addItem(label, value)
    return combo


class SmtpMailboxDialog(QDialog):
    """Connect an SMTP mailbox (with its IMAP server, if it has one), or reconnect one.

    Args:
        ops: The mailbox calls.
        mailbox: The mailbox to reconnect (its servers filled in, the address fixed);
            ``None`` to connect a new one.
        parent: The parent widget.

    Signals:
        connected(object): The server signed in and saved the mailbox (the
            :class:`~app.api.mailboxes.Mailbox`); the dialog then closes.
    """

    connected = Signal(object)

    def __init__(
        self, ops: MailboxOps, mailbox: Mailbox | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("smtpMailboxDialog")
        self.setModal(True)
        self.setMinimumWidth(600)
        self._ops = ops
        self._mailbox = mailbox
        self._busy = False
        self.form = SmtpForm()
        reconnecting = mailbox is not None
        self.setWindowTitle(f"Reconnect {mailbox.email}" if mailbox else "Connect an SMTP mailbox")

        title = QLabel(
            "Reconnect the mailbox" if reconnecting else "Connect a mailbox by its servers", self
        )
        title.setProperty("role", "headline")
        subtitle = QLabel(
            "Sign in again, with the new password or app password."
            if reconnecting
            else "Any provider that offers SMTP. SalesOS signs in before it saves anything; "
            "use an app password where your provider has them.",
            self,
        )
        subtitle.setProperty("role", "muted")
        subtitle.setWordWrap(True)

        self.email_edit = self._line("name@company.com")
        self.name_edit = self._line("The name recipients see")
        self.smtp_host_edit = self._line("smtp.example.com")
        self.smtp_port_edit = self._line("587")
        self.smtp_port_edit.setMinimumWidth(76)
        self.smtp_security_combo = _combo(SECURITY_CHOICES, self)
        self.username_edit = self._line("Usually the address")
        self.password_edit = PasswordEdit(icon("eye"), icon("eye-off"), self)
        self.password_edit.setPlaceholderText("Password or app password")
        self.imap_box = QCheckBox("It has an IMAP server (for replies and the Sent folder)", self)
        self.imap_box.setChecked(True)
        self.imap_host_edit = self._line("imap.example.com")
        self.imap_port_edit = self._line("993")
        self.imap_port_edit.setMinimumWidth(76)
        self.imap_security_combo = _combo(IMAP_SECURITY_CHOICES, self)

        self.fields: dict[str, FormField] = {
            "email": FormField("Email address", self.email_edit, parent=self),
            "display_name": FormField("Name shown to recipients", self.name_edit, parent=self),
            "smtp_host": FormField("SMTP server", self.smtp_host_edit, parent=self),
            "smtp_port": FormField("Port", self.smtp_port_edit, parent=self),
            "smtp_security": FormField("Security", self.smtp_security_combo, parent=self),
            "username": FormField("User name", self.username_edit, parent=self),
            "password": FormField("Password", self.password_edit, parent=self),
            "imap_host": FormField("IMAP server", self.imap_host_edit, parent=self),
            "imap_port": FormField("Port", self.imap_port_edit, parent=self),
            "imap_security": FormField("Security", self.imap_security_combo, parent=self),
        }
        self.imap_note = QLabel(WITHOUT_IMAP, self)
        self.imap_note.setProperty("role", "fieldHint")
        self.imap_note.setWordWrap(True)
        self.imap_note.hide()

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 2)
        f = self.fields
        top = Qt.AlignmentFlag.AlignTop  # a field's error line grows its row downwards
        grid.addWidget(f["email"], 0, 0, 1, 2, top)
        grid.addWidget(f["display_name"], 0, 2, top)
        grid.addWidget(f["smtp_host"], 1, 0, top)
        grid.addWidget(f["smtp_port"], 1, 1, top)
        grid.addWidget(f["smtp_security"], 1, 2, top)
        grid.addWidget(f["username"], 2, 0, 1, 2, top)
        grid.addWidget(f["password"], 2, 2, top)
        grid.addWidget(self.imap_box, 3, 0, 1, 3)
        grid.addWidget(f["imap_host"], 4, 0, top)
        grid.addWidget(f["imap_port"], 4, 1, top)
        grid.addWidget(f["imap_security"], 4, 2, top)
        grid.addWidget(self.imap_note, 5, 0, 1, 3)

        self.banner = MessageBanner(self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFixedHeight(4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("signInStatus")
        self.status_label.setProperty("role", "muted")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Sign in and save", self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

        self._wire()
        if mailbox is not None:
            self._fill(settings_of(mailbox))
        self._show_form()
        fit_height(self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)  # the stylesheet's fonts apply once shown

    def _line(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        return edit

    # ------------------------------------------------------------------ wiring

    def _wire(self) -> None:
        self.email_edit.textEdited.connect(self._email_typed)
        for name, edit in self._edits().items():
            if name != "email":
                edit.textEdited.connect(lambda text, n=name: self._typed(n, text))
            edit.editingFinished.connect(lambda n=name: self._judge(n))
        self.smtp_security_combo.currentIndexChanged.connect(self._smtp_security_chosen)
        self.imap_security_combo.currentIndexChanged.connect(self._imap_security_chosen)
        self.imap_box.toggled.connect(self._imap_toggled)

    def _edits(self) -> dict[str, QLineEdit]:
        return {
            "email": self.email_edit,
            "display_name": self.name_edit,
            "smtp_host": self.smtp_host_edit,
            "smtp_port": self.smtp_port_edit,
            "username": self.username_edit,
            "password": self.password_edit,
            "imap_host": self.imap_host_edit,
            "imap_port": self.imap_port_edit,
        }

    def _fill(self, settings: SmtpSettings) -> None:
        form = self.form
        form.email, form.display_name = settings.email, settings.display_name
        form.smtp_host, form.smtp_port = settings.smtp_host, str(settings.smtp_port)
        form.smtp_security, form.username = settings.smtp_security, settings.username
        form.use_imap = bool(settings.imap_host)
        if settings.imap_host:
            form.imap_host, form.imap_port = settings.imap_host, str(settings.imap_port or 993)
            form.imap_security = settings.imap_security or "tls"
        form.touched.update(FIELD_ORDER)
        self.email_edit.setReadOnly(True)

    def _show_form(self) -> None:
        """Put the form's values in the editors (those the user is not typing in)."""
        form = self.form
        for name, edit in self._edits().items():
            value = str(getattr(form, name))
            if edit.text() != value:
                edit.setText(value)
                edit.setCursorPosition(0)
        for combo, value in (
            (self.smtp_security_combo, form.smtp_security),
            (self.imap_security_combo, form.imap_security),
        ):
            index = combo.findData(value)
            if index >= 0 and combo.currentIndex() != index:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        self.imap_box.setChecked(form.use_imap)
        self._imap_toggled(form.use_imap)

    def _email_typed(self, text: str) -> None:
        self.form.set_email(text)
        self._show_form()
        self._recheck("email")

    def _typed(self, name: str, text: str) -> None:
        self.form.typed(name, text)
        self._recheck(name)

    def _smtp_security_chosen(self) -> None:
        self.form.set_smtp_security(self.smtp_security_combo.currentData())
        self.fields["smtp_security"].set_error("")
        self._show_form()
        self._recheck("smtp_port")

    def _imap_security_chosen(self) -> None:
        self.form.set_imap_security(self.imap_security_combo.currentData())
        self.fields["imap_security"].set_error("")
        self._show_form()
        self._recheck("imap_port")

    def _imap_toggled(self, checked: bool) -> None:
        self.form.use_imap = checked
        for name in ("imap_host", "imap_port", "imap_security"):
            self.fields[name].setEnabled(checked)
            if not checked:
                self.fields[name].set_error("")
        self.imap_note.setVisible(not checked)

    # ------------------------------------------------------------------ checking as you go

    def _judge(self, name: str) -> None:
        """The cursor left ``name``: say what is wrong with it, if anything."""
        if self._busy or name == "password":
            return  # a password is judged by the server, and only when sent
        if getattr(self.form, name, "") == "" and name not in ("email",):
            return  # an empty field is said when the form is sent, not while tabbing past
        self.fields[name].set_error(self.form.problem_of(name))

    def _recheck(self, name: str) -> None:
        """A key was typed: a problem shown goes as soon as it is fixed."""
        field = self.fields[name]
        if field.error():
            field.set_error(self.form.problem_of(name))

    # ------------------------------------------------------------------ sending

    def submit(self) -> None:
        """Check the whole form; if it holds, ask the server to sign in and save."""
        if self._busy:
            return
        self.banner.clear_message()
        problems = self.form.problems()
        for name in FIELD_ORDER:
            self.fields[name].set_error(problems.get(name, ""))
        if problems:
            first = next(n for n in FIELD_ORDER if n in problems)
            self.fields[first].editor.setFocus()
            fit_height(self)
            return
        settings = self.form.settings()
        self._set_busy(True, settings)
        if self._mailbox is None:
            self._ops.connect_smtp(settings, self._saved, self.show_failure)
        else:
            changes = self.form.changes_from(settings_of(self._mailbox))
            self._ops.change(self._mailbox.id, changes, self._saved, self.show_failure)

    def _set_busy(self, busy: bool, settings: SmtpSettings | None = None) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.save_button.setEnabled(not busy)
        for field in self.fields.values():
            field.editor.setEnabled(not busy)
        self.imap_box.setEnabled(not busy)
        if busy and settings is not None:
            also = f" and {settings.imap_host}" if settings.imap_host else ""
            self.status_label.setText(f"Signing in to {settings.smtp_host}{also}…")
        else:
            self.status_label.setText("")
        if not busy:
            self._imap_toggled(self.form.use_imap)
            self.email_edit.setReadOnly(self._mailbox is not None)

    def _saved(self, mailbox: Mailbox) -> None:
        self._set_busy(False)
        self.connected.emit(mailbox)
        self.accept()

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objections beside the fields they name; the rest above the
        buttons."""
        self._set_busy(False)
        placed = [name for name in FIELD_ORDER if name in message.fields]
        for name in placed:
            self.fields[name].set_error(message.fields[name])
        others = {k: v for k, v in message.fields.items() if k not in self.fields}
        if placed:
            self.fields[placed[0]].editor.setFocus()
            if not others:
                self.banner.show_message("The server did not sign in: see the field marked.")
        if others or not placed:
            text = " ".join(p for p in (message.title, message.text, *others.values()) if p)
            self.banner.show_message(text, "error")
        fit_height(self)  # room for the lines that appeared

    def field_error(self, name: str) -> str:
        """The problem shown beside field ``name`` (for tests)."""
        return self.fields[name].error()

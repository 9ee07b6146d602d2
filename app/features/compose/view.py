"""The compose window: from one of the user's mailboxes to contacts (completed as typed),
optionally from a template with merge fields, with a preview as each recipient gets it,
files attached up to the mailbox's limit, now or later; then what became of it
(queued, sending, sent, failed with the reason, or "may have been sent"), followed
live, with Cancel while it is queued."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.api.emails import SCHEDULED, SENDING, Decision, Email, RecipientPreview
from app.api.live import Change
from app.api.mailboxes import Mailbox
from app.api.templates import Template
from app.errors import UserMessage
from app.features.compose.attachments import AttachmentsControl
from app.features.compose.model import ComposeState, field_of, recipients_problem
from app.features.compose.preview import PreviewPane
from app.features.compose.recipients import RecipientsEdit
from app.features.emails.ops import ComposeSetup, ContactMatch, EmailOps
from app.features.emails.progress import SendProgress
from app.features.live.model import LiveChanges
from app.features.mailboxes.model import describe
from app.qt.core import QDateTime, Qt, QTimer, Signal
from app.qt.gui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from app.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import FormField, MessageBanner

PREVIEW_DELAY_MS = 300
"""Typing pauses this long before the preview is asked for again."""
POLL_MS = 1000
"""While the message is on its way, it is read again this often (the live stream
usually says sooner)."""
NO_TEMPLATE = "No template"
DECISIONS: dict[str, Decision] = {"sent": "sent", "resend": "resend", "failed": "failed"}


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


class ComposeWindow(QDialog):
    """Write one email and send it.

    Args:
        ops: The email calls.
        to: What the To field starts with ("Ada Lovelace <ada@example.org>").
        contact_id: The contact it is written to (merge fields come from them, and it
            shows among their emails).
        contact_email: That contact's address.
        live: The window's live stream, to follow the message once sent.
        parent: The parent widget.

    Signals:
        queued(object): The server took the message (the
            :class:`~app.api.emails.Email`, ``scheduled``).
        changed(object): The message sent changed (read again).
    """

    queued = Signal(object)
    changed = Signal(object)

    def __init__(
        self,
        ops: EmailOps,
        *,
        to: str = "",
        contact_id: str | None = None,
        contact_email: str = "",
        live: LiveChanges | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("composeWindow")
        self.setWindowTitle("New email")
        self.setModal(False)
        self.setMinimumSize(860, 600)
        self.resize(1000, 700)
        self._ops = ops
        self.state = ComposeState(to_text=to, contact_id=contact_id, contact_email=contact_email)
        self.setup: ComposeSetup | None = None
        self.email: Email | None = None
        self._preview_seq = 0
        self._preview_marked: set[str] = set()
        """The parts a preview marked (a merge field error): cleared once it renders."""
        self._loaded = False

        # ------------------------------------------------------------ the form
        self.from_combo = QComboBox(self)
        self.from_combo.setObjectName("fromCombo")
        self.template_combo = QComboBox(self)
        self.template_combo.setObjectName("templateCombo")
        self.template_combo.addItem(NO_TEMPLATE, None)
        self.to_edit = RecipientsEdit("Names or addresses, separated by commas", self)
        self.to_edit.setText(to)
        self.cc_edit = RecipientsEdit("Copy to (optional)", self)
        self.subject_edit = QLineEdit(self)
        self.subject_edit.setObjectName("composeSubject")
        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setObjectName("composeBody")
        self.body_edit.setPlaceholderText(
            'Hi {{ contact.first_name | default("there") }},\n\nMerge fields like this one '
            "are filled in for each recipient."
        )
        self.fields: dict[str, FormField] = {
            "mailbox": FormField("From", self.from_combo, parent=self),
            "template": FormField("Template", self.template_combo, parent=self),
            "to": FormField("To", self.to_edit, parent=self),
            "cc": FormField("Cc", self.cc_edit, parent=self),
            "subject": FormField("Subject", self.subject_edit, parent=self),
            "body": FormField("Message", self.body_edit, parent=self),
        }
        self.insert_button = QToolButton(self)
        self.insert_button.setText("Insert merge field")
        self.insert_button.setObjectName("insertFieldButton")
        self.insert_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.field_menu = QMenu(self.insert_button)
        self.insert_button.setMenu(self.field_menu)
        self.insert_button.setEnabled(False)
        self.files = AttachmentsControl(self, ops, self.state)
        self.attach_button = self.files.attach_button
        self.attachment_list = self.files.list
        self.attachments_error = self.files.error
        self.later_box = QCheckBox("Send later", self)
        self.later_edit = QDateTimeEdit(self)
        self.later_edit.setCalendarPopup(True)
        self.later_edit.setDisplayFormat("d MMM yyyy HH:mm")
        self.later_edit.setEnabled(False)
        self.later_edit.setDateTime(QDateTime.currentDateTime().addSecs(3600))
        self.later_box.toggled.connect(self._later_toggled)

        tools = QHBoxLayout()
        tools.setSpacing(8)
        tools.addWidget(self.insert_button)
        tools.addWidget(self.files.attach_button)
        tools.addWidget(self.files.label, 1)
        files = QHBoxLayout()
        files.setSpacing(8)
        files.addWidget(self.files.list, 1)
        files.addWidget(self.files.remove_button, 0, Qt.AlignmentFlag.AlignTop)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.addWidget(self.fields["mailbox"], 0, 0)
        grid.addWidget(self.fields["template"], 0, 1)
        grid.addWidget(self.fields["to"], 1, 0, 1, 2)
        grid.addWidget(self.fields["cc"], 2, 0, 1, 2)
        grid.addWidget(self.fields["subject"], 3, 0, 1, 2)
        grid.addWidget(self.fields["body"], 4, 0, 1, 2)
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.form = QWidget(self)
        self.form.setObjectName("composeForm")
        form_layout = QVBoxLayout(self.form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(8)
        form_layout.addLayout(grid, 1)
        form_layout.addLayout(tools)
        form_layout.addLayout(files)
        form_layout.addWidget(self.files.error)

        # ------------------------------------------------------------ the preview
        self.preview_pane = PreviewPane(self)
        self.preview_pane.setMinimumWidth(320)
        self.preview_for = self.preview_pane.recipient
        self.empty_fields = self.preview_pane.empty_fields

        # ------------------------------------------------------------ the foot
        self.banner = MessageBanner(self)
        self.progress = SendProgress(self)
        self.progress.cancel_wanted.connect(self.cancel_sending)
        self.progress.decision_wanted.connect(self.decide)
        self.progress.edit_wanted.connect(self.edit_again)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.close)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setProperty("variant", "primary")
        self.send_button.clicked.connect(self.send)
        self.send_button.setEnabled(False)
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        self.send_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self.send_shortcut.activated.connect(self._send_by_key)
        foot = QHBoxLayout()
        foot.setSpacing(8)
        foot.addStretch(1)
        foot.addWidget(self.later_box)
        foot.addWidget(self.later_edit)
        foot.addSpacing(8)
        foot.addWidget(self.close_button)
        foot.addWidget(self.send_button)

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.form, 3)
        body.addWidget(self.preview_pane, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(body, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress)
        layout.addLayout(foot)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_email)
        self._wire()
        if live is not None:
            live.changed.connect(self.hear)
        self._show_preview_hint()

    # ------------------------------------------------------------------ wiring

    def _wire(self) -> None:
        self.to_edit.textChanged.connect(self._to_changed)
        self.cc_edit.textChanged.connect(self._cc_changed)
        self.subject_edit.textEdited.connect(self._subject_typed)
        self.body_edit.textChanged.connect(self._body_changed)
        self.from_combo.currentIndexChanged.connect(self._mailbox_chosen)
        self.template_combo.currentIndexChanged.connect(self._template_chosen)
        for edit in (self.to_edit, self.cc_edit):
            edit.search_wanted.connect(lambda text, e=edit: self._find_contacts(e, text))
            edit.editingFinished.connect(lambda e=edit: self._judge_recipients(e))

    def _find_contacts(self, edit: RecipientsEdit, text: str) -> None:
        def found(matches: list[ContactMatch]) -> None:
            edit.set_matches(matches)

        def failed(message: UserMessage) -> None:
            self.fields["to"].set_hint(f"Contacts could not be searched. {message_text(message)}")

        self._ops.find_contacts(text, found, failed)

    def _judge_recipients(self, edit: RecipientsEdit) -> None:
        name = "to" if edit is self.to_edit else "cc"
        if edit.text().strip():
            self.fields[name].set_error(recipients_problem(edit.text(), required=False))

    def _to_changed(self, text: str) -> None:
        self.state.to_text = text
        if self.fields["to"].error():
            self.fields["to"].set_error(recipients_problem(text, required=False))
        self._preview_soon()

    def _cc_changed(self, text: str) -> None:
        self.state.cc_text = text
        if self.fields["cc"].error():
            self.fields["cc"].set_error(recipients_problem(text, required=False))

    def _subject_typed(self, text: str) -> None:
        self.state.type_subject(text)
        self.fields["subject"].set_error("")
        self._preview_soon()

    def _body_changed(self) -> None:
        text = self.body_edit.toPlainText()
        if text == self.state.body:
            return
        self.state.type_body(text)
        self.fields["body"].set_error("")
        self._show_body_hint()
        self._preview_soon()

    def _mailbox_chosen(self) -> None:
        mailbox = self.from_combo.currentData()
        self.state.mailbox = mailbox if isinstance(mailbox, Mailbox) else None
        problems = self.state.problems()
        self.fields["mailbox"].set_error(problems.get("mailbox", ""))
        self.files.show()
        self._preview_soon()

    def _template_chosen(self) -> None:
        template = self.template_combo.currentData()
        chosen = template if isinstance(template, Template) else None
        self.state.choose_template(chosen)
        if chosen is not None:
            self.subject_edit.setText(self.state.subject)
            self.body_edit.blockSignals(True)
            self.body_edit.setPlainText(self.state.body)
            self.body_edit.blockSignals(False)
        for name in ("template", "subject", "body"):
            self.fields[name].set_error("")
        self._show_body_hint()
        self._preview_soon()

    def _show_body_hint(self) -> None:
        hint = ""
        if self.state.html_from_template:
            hint = (
                "The template's formatted (HTML) version goes too; editing the text here "
                "sends your text only."
            )
        self.fields["body"].set_hint(hint)

    def _later_toggled(self, checked: bool) -> None:
        self.later_edit.setEnabled(checked)
        if checked and self.later_edit.dateTime() < QDateTime.currentDateTime():
            soon = QDateTime.currentDateTime().addSecs(3600)
            self.later_edit.setDateTime(soon)

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.banner.show_message("Loading your mailboxes and templates…", "info")
            self._ops.setup(self.show_setup, self._setup_failed)
            self._ops.merge_fields(self.show_merge_fields, lambda _m: None)

    def show_setup(self, setup: ComposeSetup) -> None:
        """Offer the user's mailboxes (the connected ones first) and templates."""
        self.setup = setup
        self.banner.clear_message()
        self.from_combo.blockSignals(True)
        self.from_combo.clear()
        ordered = sorted(setup.mailboxes, key=lambda m: not m.connected)
        for mailbox in ordered:
            suffix = "" if mailbox.connected else " (needs reconnecting)"
            who = (
                f"{mailbox.display_name} <{mailbox.email}>"
                if mailbox.display_name
                else mailbox.email
            )
            self.from_combo.addItem(who + suffix, mailbox)
            self.from_combo.setItemData(
                self.from_combo.count() - 1, describe(mailbox), Qt.ItemDataRole.ToolTipRole
            )
        self.from_combo.blockSignals(False)
        if not ordered:
            self.from_combo.addItem("No mailbox connected", None)
        self.template_combo.blockSignals(True)
        for template in setup.templates:
            shared = " (shared)" if template.shared else ""
            self.template_combo.addItem(f"{template.name}{shared}", template)
        self.template_combo.blockSignals(False)
        self.send_button.setEnabled(True)
        self._mailbox_chosen()
        if not self.to_edit.text().strip():
            self.to_edit.setFocus()
        else:
            self.subject_edit.setFocus()

    def _setup_failed(self, message: UserMessage) -> None:
        self.banner.show_message(
            f"Your mailboxes could not be loaded. {message_text(message)}", "error"
        )

    def show_merge_fields(self, by_kind: dict[str, list[str]]) -> None:
        """Fill the "Insert merge field" menu."""
        self.field_menu.clear()
        for kind, names in by_kind.items():
            if not names:
                continue
            section = self.field_menu.addMenu(kind.capitalize())
            for name in names:
                action = section.addAction(name)
                action.triggered.connect(lambda _=False, n=name: self.insert_field(n))
        self.insert_button.setEnabled(not self.field_menu.isEmpty())

    def insert_field(self, name: str) -> None:
        """Put ``{{ name }}`` at the body's cursor."""
        self.body_edit.insertPlainText(f"{{{{ {name} }}}}")
        self.body_edit.setFocus()

    def choose_template(self, name: str) -> None:
        """Pick the template called ``name`` (for tests and keyboard users)."""
        for index in range(self.template_combo.count()):
            data = self.template_combo.itemData(index)
            if isinstance(data, Template) and data.name == name:
                self.template_combo.setCurrentIndex(index)
                return
        raise KeyError(name)

    # ------------------------------------------------------------------ the preview

    def _preview_soon(self) -> None:
        self._preview_timer.start()

    def _show_preview_hint(self, text: str = "") -> None:
        self.preview_pane.show_hint(text)

    def refresh_preview(self) -> None:
        """Ask for the message as each To recipient gets it."""
        state = self.state
        if not state.recipients() or not (
            state.subject.strip() or state.body.strip() or state.template is not None
        ):
            self.preview_pane.show_previews([])
            self._show_preview_hint()
            return
        self._preview_seq += 1
        seq = self._preview_seq
        self.preview_pane.updating()

        def shown(previews: list[RecipientPreview]) -> None:
            if seq != self._preview_seq:
                return  # typed on meanwhile: a newer one is coming
            for name in self._preview_marked:
                self.fields[name].set_error("")  # fixed: the preview renders again
            self._preview_marked = set()
            self.show_previews(previews)

        def failed(message: UserMessage) -> None:
            if seq != self._preview_seq:
                return
            self._show_preview_hint(self._place_problems(message, preview=True))

        self._ops.preview(state.draft(), shown, failed)

    def show_previews(self, previews: list[RecipientPreview]) -> None:
        """Show the previews; the recipient chosen stays chosen if still there."""
        self.preview_pane.show_previews(previews)

    @property
    def previews(self) -> list[RecipientPreview]:
        """The message as each To recipient gets it, as last previewed."""
        return self.preview_pane.previews

    def preview_text(self) -> tuple[str, str]:
        """The subject and plain body of the preview shown (for tests)."""
        return self.preview_pane.text()

    # ------------------------------------------------------------------ attachments

    def attach(self, paths: list[Path]) -> None:
        """Upload ``paths`` for the message, each shown as it goes."""
        self.files.attach(paths)

    # ------------------------------------------------------------------ sending

    def _send_by_key(self) -> None:
        if self.send_button.isVisible() and self.send_button.isEnabled():
            self.send()

    def send(self) -> None:
        """Check the message; if it holds, hand it to the server."""
        if self.files.uploading:
            self.banner.show_message("Wait until the files are uploaded.", "info")
            return
        if self.later_box.isChecked():
            when = self.later_edit.dateTime().toPython()
            self.state.send_at = when.astimezone() if isinstance(when, datetime) else None
        else:
            self.state.send_at = None
        problems = self.state.problems()
        for name in ("mailbox", "to", "cc", "subject", "body"):
            if name in problems or name not in self._preview_marked:
                self.fields[name].set_error(problems.get(name, ""))
        self.files.problem(problems.get("attachments", ""))
        if problems or any(self.fields[name].error() for name in self._preview_marked):
            self.banner.show_message("Fix what is marked, then send.", "error")
            return
        self.banner.clear_message()
        self._lock(True)
        self.progress.handing_over(self.state.recipient_count())
        self._ops.send(self.state.draft(), self._queued, self._send_failed)

    def _queued(self, email: Email) -> None:
        self.email = email
        self.setWindowTitle(f"Email: {email.subject}")
        self.progress.show_email(email)
        self.queued.emit(email)
        self._follow(email)

    def _send_failed(self, message: UserMessage) -> None:
        self._lock(False)
        self.progress.hide()
        text = self._place_problems(message)
        self.banner.show_message(text or "The server did not take it: see what is marked.", "error")

    def _place_problems(self, message: UserMessage, *, preview: bool = False) -> str:
        """Put the server's objections beside the parts they name; what is left, in
        words."""
        others: list[str] = []
        for server_field, problem in message.fields.items():
            part = field_of(server_field)
            if part == "attachments":
                self.files.problem(problem)
            elif part in self.fields and not (preview and part == "mailbox"):
                self.fields[part].set_error(problem)
                if preview:
                    self._preview_marked.add(part)
            else:
                others.append(problem)
        if others or not message.fields:
            return " ".join([message_text(message), *others]).strip()
        return "" if not preview else "Fix what is marked to see the preview."

    def _lock(self, locked: bool) -> None:
        self.form.setEnabled(not locked)
        self.send_button.setVisible(not locked)
        self.later_box.setVisible(not locked)
        self.later_edit.setVisible(not locked)

    # ------------------------------------------------------------------ following it

    def _follow(self, email: Email) -> None:
        if email.state in (SCHEDULED, SENDING):
            self._poll.start()
        else:
            self._poll.stop()

    def hear(self, change: Change) -> None:
        """The live stream said something changed: the message sent, read it again."""
        if self.email is not None and change.kind == "message" and change.id == self.email.id:
            self._read_email()

    def _read_email(self) -> None:
        if self.email is not None:
            self._ops.get(self.email.id, self.show_email, lambda _m: None)

    def show_email(self, email: Email) -> None:
        """Show the message sent as read now."""
        if self.email is None or email.id != self.email.id or email.version < self.email.version:
            return
        changed = email.version != self.email.version or email.state != self.email.state
        self.email = email
        self.progress.show_email(email)
        self._follow(email)
        if changed:
            self.changed.emit(email)

    def cancel_sending(self) -> None:
        """Cancel the message while it is still queued."""
        email = self.email
        if email is None:
            return
        self.progress.busy("Cancelling…")

        def failed(message: UserMessage) -> None:
            if message.code == "conflict":
                self.progress.failed("It is already being sent and can no longer be cancelled.")
                self._read_email()
            else:
                self.progress.failed(message_text(message))

        self._ops.cancel(email.id, self._settled, failed)

    def decide(self, decision: str) -> None:
        """Say what became of a message that may have been sent."""
        email = self.email
        chosen = DECISIONS.get(decision)
        if email is None or chosen is None:
            return
        self.progress.busy("Sending it again…" if chosen == "resend" else "Saving…")
        self._ops.decide(
            email.id,
            chosen,
            self._settled,
            lambda m: self.progress.failed(message_text(m)),
        )

    def _settled(self, email: Email) -> None:
        self.progress.outcome.clear_message()
        self.show_email(email)

    def edit_again(self) -> None:
        """Back to the form (a failed or cancelled message is sent anew)."""
        self.email = None
        self._poll.stop()
        self.progress.hide()
        self._lock(False)
        self.setWindowTitle("New email")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._poll.stop()
        self._preview_timer.stop()
        super().closeEvent(event)

"""A template as one recipient would get it: the address of a contact, and the subject
and body with their merge fields filled in (the form's text, saved or not)."""

from __future__ import annotations

from collections.abc import Callable

from app.api.emails import RecipientPreview
from app.errors import UserMessage
from app.features.templates.ops import TemplateOps
from app.qt.widgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import MessageBanner


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


class TemplatePreviewDialog(QDialog):
    """The template as the contact of an address gets it.

    Args:
        ops: The template calls.
        values: What the form holds (``subject``, ``body_text``, ``body_html``).
        on_problem: Told the server's objection (to mark it on the form).
        parent: The parent widget.
    """

    def __init__(
        self,
        ops: TemplateOps,
        values: dict[str, object],
        on_problem: Callable[[UserMessage], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("templatePreview")
        self.setWindowTitle("Preview the template")
        self.setModal(False)
        self.resize(640, 520)
        self._ops = ops
        self._values = values
        self._on_problem = on_problem
        title = QLabel("Preview as a contact gets it", self)
        title.setProperty("role", "headline")
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("A contact's email address")
        self.address.returnPressed.connect(self.refresh)
        self.show_button = QPushButton("Preview", self)
        self.show_button.setProperty("variant", "primary")
        self.show_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.address, 1)
        row.addWidget(self.show_button)
        self.banner = MessageBanner(self)
        self.subject = QLabel("", self)
        self.subject.setObjectName("previewSubject")
        self.subject.setWordWrap(True)
        self.body = QTextEdit(self)
        self.body.setObjectName("previewBody")
        self.body.setReadOnly(True)
        self.empty_fields = QLabel("", self)
        self.empty_fields.setObjectName("emptyFieldsHint")
        self.empty_fields.setWordWrap(True)
        self.empty_fields.hide()
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.banner)
        layout.addWidget(self.subject)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.empty_fields)
        layout.addLayout(foot)

    def refresh(self) -> None:
        """Ask for the template as the contact of the address typed gets it."""
        to = self.address.text().strip()
        if "@" not in to:
            self.banner.show_message("Enter a contact's email address.", "error")
            return
        self.banner.show_message("Filling in the merge fields…", "info")
        self.show_button.setEnabled(False)
        self._ops.preview_draft(to, self._values, self.show_preview, self._failed)

    def show_preview(self, preview: RecipientPreview) -> None:
        """Show what the recipient gets."""
        self.show_button.setEnabled(True)
        self.banner.show_message(
            "" if preview.contact_id else "No contact has this address: contact fields are empty.",
            "info",
        )
        self.subject.setText(preview.subject)
        if preview.body_html:
            self.body.setHtml(preview.body_html)
        else:
            self.body.setPlainText(preview.body_text)
        fields = preview.empty_fields
        self.empty_fields.setText(
            "No value for them: " + ", ".join(fields) + " (the default is used)." if fields else ""
        )
        self.empty_fields.setVisible(bool(fields))

    def _failed(self, message: UserMessage) -> None:
        self.show_button.setEnabled(True)
        others = [v for k, v in message.fields.items() if k.removeprefix("body.") == "to"]
        if message.fields and not others:
            self.banner.show_message("The template has a problem: see the form.", "error")
            self._on_problem(message)
        else:
            self.banner.show_message(" ".join([message_text(message), *others]), "error")

"""The compose window's preview: the message as one recipient gets it (each To
recipient can be chosen), with the merge fields they have no value for."""

from __future__ import annotations

from app.api.emails import RecipientPreview
from app.qt.widgets import QComboBox, QFrame, QHBoxLayout, QLabel, QTextEdit, QVBoxLayout, QWidget

NO_PREVIEW = "Add a recipient and write something to see it as they will."


class PreviewPane(QFrame):
    """The message as the recipient chosen gets it.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPane")
        self.previews: list[RecipientPreview] = []
        title = QLabel("Preview", self)
        title.setProperty("role", "headline")
        self.recipient = QComboBox(self)
        self.recipient.setObjectName("previewFor")
        self.recipient.currentIndexChanged.connect(self._show_chosen)
        self.status = QLabel("", self)
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
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
        as_row = QHBoxLayout()
        as_row.setSpacing(8)
        as_label = QLabel("As", self)
        as_label.setProperty("role", "muted")
        as_row.addWidget(as_label)
        as_row.addWidget(self.recipient, 1)
        pane = QVBoxLayout(self)
        pane.setContentsMargins(16, 14, 16, 14)
        pane.setSpacing(8)
        pane.addWidget(title)
        pane.addLayout(as_row)
        pane.addWidget(self.status)
        pane.addWidget(self.subject)
        pane.addWidget(self.body, 1)
        pane.addWidget(self.empty_fields)
        pane.addStretch(0)
        self.show_hint()

    def show_hint(self, text: str = "") -> None:
        """No preview: say why (``text``), or what it needs."""
        self.status.setText(text or NO_PREVIEW)
        self.status.show()
        self.subject.setText("")
        self.body.clear()
        self.body.hide()  # an empty page reads as a blank email
        self.empty_fields.hide()

    def updating(self) -> None:
        """A new preview was asked for."""
        self.status.setText("Updating the preview…")
        self.status.show()

    def show_previews(self, previews: list[RecipientPreview]) -> None:
        """Show the previews; the recipient chosen stays chosen if still there."""
        self.previews = previews
        current = self.recipient.currentText()
        self.recipient.blockSignals(True)
        self.recipient.clear()
        for preview in previews:
            known = "" if preview.contact_id else " (not a contact)"
            self.recipient.addItem(f"{preview.to}{known}", preview.to)
        index = self.recipient.findText(current)
        self.recipient.setCurrentIndex(max(index, 0))
        self.recipient.blockSignals(False)
        self._show_chosen()

    def _show_chosen(self) -> None:
        index = self.recipient.currentIndex()
        if not 0 <= index < len(self.previews):
            return
        preview = self.previews[index]
        self.status.hide()
        self.body.show()
        self.subject.setText(preview.subject or "(no subject)")
        if preview.body_html:
            self.body.setHtml(preview.body_html)
        else:
            self.body.setPlainText(preview.body_text)
        fields = preview.empty_fields
        self.empty_fields.setText(
            "No value for this recipient: " + ", ".join(fields) + " (the default is used)."
            if fields
            else ""
        )
        self.empty_fields.setVisible(bool(fields))

    def text(self) -> tuple[str, str]:
        """The subject and plain body shown (for tests)."""
        return self.subject.text(), self.body.toPlainText()

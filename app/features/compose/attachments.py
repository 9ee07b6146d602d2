"""The compose window's files: chosen, uploaded one by one (each shown as it goes),
taken off again, and checked against the mailbox's limit."""

from __future__ import annotations

from pathlib import Path

from app.api.emails import Attachment
from app.errors import UserMessage
from app.features.compose.model import ComposeState
from app.features.emails.ops import EmailOps
from app.features.mailboxes.model import size_text
from app.qt.core import Qt
from app.qt.widgets import QFileDialog, QLabel, QListWidget, QListWidgetItem, QPushButton, QWidget


class AttachmentsControl:
    """The widgets of a message's files (placed by the window) and what they do.

    Args:
        parent: The compose window.
        ops: The email calls (uploads).
        state: The message being written (its ``attachments`` are kept there).
    """

    def __init__(self, parent: QWidget, ops: EmailOps, state: ComposeState) -> None:
        self._parent = parent
        self._ops = ops
        self.state = state
        self.uploading = 0
        """Files on their way to the server."""
        self.file_dialog: QFileDialog | None = None
        self.attach_button = QPushButton("Attach files…", parent)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.clicked.connect(self.choose_files)
        self.label = QLabel("", parent)
        self.label.setProperty("role", "muted")
        self.list = QListWidget(parent)
        self.list.setObjectName("attachmentList")
        self.list.hide()
        self.remove_button = QPushButton("Remove", parent)
        self.remove_button.setProperty("variant", "small")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.hide()
        self.error = QLabel("", parent)
        self.error.setProperty("role", "fieldError")
        self.error.setWordWrap(True)
        self.error.hide()

    def choose_files(self) -> None:
        """Ask which files to attach (without a nested event loop)."""
        dialog = self.file_dialog = QFileDialog(self._parent, "Attach files")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda paths: self.attach([Path(p) for p in paths]))
        dialog.open()

    def attach(self, paths: list[Path]) -> None:
        """Upload ``paths`` for the message, each shown as it goes."""
        self.error.hide()
        for path in paths:
            item = QListWidgetItem(f"{path.name} — uploading…", self.list)
            self.uploading += 1
            self.show()

            def done(attachment: Attachment, item: QListWidgetItem = item) -> None:
                self.uploading -= 1
                item.setText(f"{attachment.filename} · {size_text(attachment.size)}")
                item.setData(Qt.ItemDataRole.UserRole, attachment.id)
                self.state.attachments.append(attachment)
                self.show()

            def failed(message: UserMessage, item: QListWidgetItem = item) -> None:
                self.uploading -= 1
                self.list.takeItem(self.list.row(item))
                self.problem(" ".join(part for part in (message.title, message.text) if part))
                self.show()

            self._ops.upload(path, done, failed)

    def remove_selected(self) -> None:
        """Take the file selected off the message."""
        item = self.list.currentItem()
        if item is None:
            return
        attachment_id = item.data(Qt.ItemDataRole.UserRole)
        if attachment_id is None:
            return  # still uploading
        self.state.attachments = [a for a in self.state.attachments if a.id != attachment_id]
        self.list.takeItem(self.list.row(item))
        self.show()

    def problem(self, text: str) -> None:
        """Say what is wrong with the files (nothing: hide the line)."""
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def show(self) -> None:
        """The list, its size and the line of totals as they are now."""
        count = self.list.count()
        has = count > 0
        row = self.list.sizeHintForRow(0) if has else 0
        self.list.setFixedHeight(min(count, 3) * max(row, 20) + 8)
        self.list.setVisible(has)
        self.remove_button.setVisible(has)
        text = self.state.attachments_text()
        if self.uploading:
            text = f"{text} · uploading {self.uploading}…" if text else "Uploading…"
        self.label.setText(text)
        problem = self.state.problems().get("attachments", "")
        if problem:
            self.problem(problem)

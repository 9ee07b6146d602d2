"""Duplicates, before and after: the note in a create dialog that names the record the
new one would duplicate (open it, or create anyway), and the list of possible
duplicates a merge starts from."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.api.merge import DuplicateGroup, LikelyDuplicate
from app.qt.core import Qt, Signal
from app.qt.widgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.form import MessageBanner

REASONS = {
    "same domain": "has the same domain",
    "same email": "has the same email",
    "same name": "has the same name",
}


def reason_text(reason: str) -> str:
    """``same domain`` → "has the same domain"."""
    return REASONS.get(reason, reason)


class DuplicatesNote(QFrame):
    """In a create dialog: "Acme Robotics has the same domain" — Open it / Create anyway.

    Args:
        noun: What is being created ("account").
        parent: The parent widget.

    Signals:
        open_wanted(str): Open this existing record instead (an id).
        create_anyway(): Create the new record all the same.
    """

    open_wanted = Signal(str)
    create_anyway = Signal()

    def __init__(self, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesNote")
        self._noun = noun
        self.matches: list[LikelyDuplicate] = []
        self.title = QLabel(f"This {noun} may exist already", self)
        self.title.setObjectName("duplicatesTitle")
        self.rows = QVBoxLayout()
        self.rows.setSpacing(4)
        self.create_button = QPushButton("Create anyway", self)
        self.create_button.setObjectName("createAnywayButton")
        self.create_button.setProperty("variant", "small")
        self.create_button.clicked.connect(self.create_anyway)
        self.open_buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(self.rows)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.create_button)
        layout.addLayout(actions)
        self.hide()

    def show_matches(
        self, matches: Sequence[LikelyDuplicate], owner_name: Callable[[str | None], str], me: str
    ) -> None:
        """Name each record the new one would duplicate; one the user may open has Open."""
        self.matches = list(matches)
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.open_buttons = []
        for match in matches:
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(8)
            whose = "yours" if match.owner_id == me else f"owned by {owner_name(match.owner_id)}"
            if match.visible:
                text = f"“{match.name}” {reason_text(match.reason)} ({whose})."
            else:
                text = (
                    f"“{match.name}” {reason_text(match.reason)}: it is {whose}, so you cannot "
                    "open it. Ask them before making another."
                )
            label = QLabel(text, row)
            label.setObjectName("duplicateMatch")
            label.setWordWrap(True)
            line.addWidget(label, 1)
            if match.visible:
                button = QPushButton("Open it", row)
                button.setProperty("variant", "small")
                button.clicked.connect(lambda _c=False, rid=match.id: self.open_wanted.emit(rid))
                line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
                self.open_buttons.append(button)
            self.rows.addWidget(row)
        self.setVisible(bool(matches))


class DuplicateGroupsDialog(QDialog):
    """The groups of records that look like one; pick one to merge it.

    Args:
        noun: The records, plural ("accounts").
        parent: The parent widget.

    Signals:
        merge_wanted(object): The user picked a :class:`DuplicateGroup` to merge.
    """

    merge_wanted = Signal(object)

    def __init__(self, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateGroupsDialog")
        self.setWindowTitle(f"Possible duplicate {noun}")
        self.setModal(True)
        self.setMinimumSize(520, 380)
        self._noun = noun
        self.groups: list[DuplicateGroup] = []
        title = QLabel(f"Possible duplicate {noun}", self)
        title.setProperty("role", "headline")
        self.subtitle = QLabel("Looking for records that look like one…", self)
        self.subtitle.setProperty("role", "muted")
        self.subtitle.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("duplicateGroups")
        self.list.itemActivated.connect(lambda _item: self._merge())
        self.banner = MessageBanner(self)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.merge_button = QPushButton("Compare and merge…", self)
        self.merge_button.setObjectName("compareMergeButton")
        self.merge_button.setProperty("variant", "primary")
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self._merge)
        self.list.currentRowChanged.connect(lambda row: self.merge_button.setEnabled(row >= 0))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.merge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def show_groups(self, groups: Sequence[DuplicateGroup]) -> None:
        """List ``groups`` ("2 with the same domain: acme.com")."""
        self.groups = list(groups)
        self.list.clear()
        for group in groups:
            words = reason_text(group.reason).removeprefix("has ")
            item = QListWidgetItem(f"{len(group.record_ids)} with {words}: {group.key}")
            item.setData(Qt.ItemDataRole.UserRole, group)
            self.list.addItem(item)
        if groups:
            self.subtitle.setText(
                "Each line is a set of records that look like one. Compare them side by "
                "side and keep one, with the values you choose."
            )
            self.list.setCurrentRow(0)
        else:
            self.subtitle.setText(f"No possible duplicates among the {self._noun} you can see.")

    def show_failure(self, text: str) -> None:
        """Say why the groups could not be found."""
        self.banner.show_message(text, "error")

    def _merge(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.merge_wanted.emit(item.data(Qt.ItemDataRole.UserRole))

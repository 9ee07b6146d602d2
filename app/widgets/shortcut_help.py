"""The keyboard shortcuts of a window, listed over it (what ``?`` or F1 opens)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.qt.core import Qt
from app.qt.widgets import QDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget


@dataclass(frozen=True)
class ShortcutEntry:
    """One shortcut as the help lists it.

    Attributes:
        group: The heading it goes under ("Lists").
        keys: The keys, as people read them ("Ctrl+N").
        what: What it does ("New record on this page").
    """

    group: str
    keys: str
    what: str


class ShortcutHelp(QDialog):
    """Every shortcut of a window, by group (the first two side by side, the others a
    row each, so no description wraps); Esc or Close closes it.

    Args:
        entries: The shortcuts, in the order they are listed.
        parent: The window they belong to.
    """

    def __init__(self, entries: Sequence[ShortcutEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutHelp")
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(True)
        self.entries = list(entries)
        title = QLabel("Keyboard shortcuts", self)
        title.setProperty("role", "headline")
        groups: dict[str, list[ShortcutEntry]] = {}
        for entry in self.entries:
            groups.setdefault(entry.group, []).append(entry)
        grid = QGridLayout()
        grid.setHorizontalSpacing(40)
        grid.setVerticalSpacing(16)
        self.key_labels: dict[str, QLabel] = {}
        for number, (group, items) in enumerate(groups.items()):
            box = QVBoxLayout()
            box.setSpacing(6)
            heading = QLabel(group, self)
            heading.setProperty("role", "sectionLabel")
            box.addWidget(heading)
            rows = QGridLayout()
            rows.setHorizontalSpacing(16)
            rows.setVerticalSpacing(6)
            for row, item in enumerate(items):
                keys = QLabel(item.keys, self)
                keys.setObjectName("shortcutKeys")
                keys.setAlignment(Qt.AlignmentFlag.AlignCenter)
                what = QLabel(item.what, self)
                rows.addWidget(keys, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                rows.addWidget(what, row, 1)
                self.key_labels[item.what] = keys
            rows.setColumnStretch(1, 1)
            box.addLayout(rows)
            box.addStretch(1)
            if number < 2:
                grid.addLayout(box, 0, number)
            else:
                grid.addLayout(box, number - 1, 0, 1, 2)
        self.close_button = QPushButton("Close", self)
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(640)

    def listed(self) -> list[tuple[str, str]]:
        """``(keys, what)`` of every shortcut shown, in order."""
        return [(entry.keys, entry.what) for entry in self.entries]

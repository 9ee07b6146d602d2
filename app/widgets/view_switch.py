"""A segmented switch between a few views of the same things ("Board | List")."""

from __future__ import annotations

from collections.abc import Sequence

from app.qt.core import QEvent, QObject, Qt, Signal
from app.qt.gui import QKeyEvent
from app.qt.widgets import QButtonGroup, QFrame, QHBoxLayout, QPushButton, QWidget


class ViewSwitch(QFrame):
    """Side-by-side buttons, one of them on: the view shown.

    Each button is reached with Tab and its mnemonic (``&List``: Alt+L); the arrow keys
    move between them, as in a row of radio buttons.

    Args:
        choices: ``(key, label, tooltip)`` per view, in order; the first is on.
        parent: The parent widget.

    Signals:
        chosen(str): The user picked the view with this key.
    """

    chosen = Signal(str)

    def __init__(self, choices: Sequence[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("viewSwitch")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        last = len(choices) - 1
        for position, (key, label, tip) in enumerate(choices):
            button = QPushButton(label, self)
            button.setObjectName(f"viewSwitch_{key}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setToolTip(tip)
            button.setProperty(
                "segment", "only" if last == 0 else "first" if position == 0 else
                "last" if position == last else "middle"
            )  # fmt: skip
            button.setChecked(position == 0)
            button.clicked.connect(lambda _on=False, k=key: self._clicked(k))
            button.installEventFilter(self)
            self.group.addButton(button)
            self.buttons[key] = button
            layout.addWidget(button)

    @property
    def current(self) -> str:
        """The key of the view that is on."""
        return next((key for key, b in self.buttons.items() if b.isChecked()), "")

    def set_current(self, key: str) -> None:
        """Turn ``key``'s button on (without :attr:`chosen`)."""
        button = self.buttons.get(key)
        if button is not None:
            button.setChecked(True)

    def _clicked(self, key: str) -> None:
        self.set_current(key)
        self.chosen.emit(key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QPushButton):
            assert isinstance(event, QKeyEvent)
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()), 0)
            keys = list(self.buttons)
            here = next((k for k, b in self.buttons.items() if b is watched), None)
            if step and here is not None:
                target = keys[max(0, min(len(keys) - 1, keys.index(here) + step))]
                self.buttons[target].setFocus(Qt.FocusReason.TabFocusReason)
                if target != self.current:
                    self._clicked(target)
                return True
        return super().eventFilter(watched, event)

"""A window's header: an image beside a title and a subtitle."""

from __future__ import annotations

from app.qt.gui import QPixmap
from app.qt.widgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


class TitleHeader(QWidget):
    """The image (48 px) on the left, the title and a changeable subtitle beside it.

    Args:
        image: The picture (a logo).
        title: Large text.
        subtitle: Small text under it; change it later through ``subtitle``.
        parent: The parent widget.
    """

    def __init__(
        self, image: QPixmap, title: str, subtitle: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        logo = QLabel(self)
        logo.setPixmap(image)
        logo.setFixedSize(48, 48)
        self.title = QLabel(title, self)
        self.title.setProperty("role", "title")
        self.subtitle = QLabel(subtitle, self)
        self.subtitle.setProperty("role", "subtitle")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.subtitle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        layout.addWidget(logo)
        layout.addLayout(heading, 1)

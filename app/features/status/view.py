"""The "System status" page: is the backend healthy, and which part is not."""

from __future__ import annotations

from app.features.status.model import HealthReport, HealthTableModel
from app.features.status.monitor import HealthMonitor
from app.qt.core import QSize, Qt
from app.qt.widgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.status_dot import StatusDot
from app.widgets.tones import Tone


class StatusPage(QWidget):
    """The health of the database, the broker and each service, refreshed on a timer.

    Args:
        monitor: Where the health reports come from.
        connection_label: How to name the server, e.g. "Solo · This computer".
        parent: The parent widget.
    """

    def __init__(
        self, monitor: HealthMonitor, connection_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statusPage")
        self._monitor = monitor
        self._connection_label = connection_label
        self.model = HealthTableModel(self)

        title = QLabel("System status", self)
        title.setProperty("role", "pageTitle")
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.clicked.connect(monitor.refresh)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.refresh_button)

        summary = QFrame(self)
        summary.setObjectName("card")
        self.dot = StatusDot(Tone.NEUTRAL, 14, summary)
        self.headline = QLabel("Checking…", summary)
        self.headline.setProperty("role", "headline")
        self.headline.setWordWrap(True)
        self.subline = QLabel(connection_label, summary)
        self.subline.setProperty("role", "muted")
        self.subline.setWordWrap(True)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addWidget(self.headline)
        text.addWidget(self.subline)
        summary_layout = QHBoxLayout(summary)
        summary_layout.setContentsMargins(16, 16, 16, 16)
        summary_layout.setSpacing(12)
        summary_layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignTop)
        summary_layout.addLayout(text, 1)

        components = QLabel("Components", self)
        components.setProperty("role", "sectionLabel")
        self.table = QTableView(self)
        self.table.setObjectName("healthTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(36)
        columns = self.table.horizontalHeader()
        columns.setHighlightSections(False)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        columns.setSectionResizeMode(HealthTableModel.COMPONENT, QHeaderView.ResizeMode.Interactive)
        columns.setSectionResizeMode(HealthTableModel.STATUS, QHeaderView.ResizeMode.Interactive)
        columns.setSectionResizeMode(HealthTableModel.DETAIL, QHeaderView.ResizeMode.Stretch)
        columns.resizeSection(HealthTableModel.COMPONENT, 260)
        columns.resizeSection(HealthTableModel.STATUS, 130)

        self.table.setIconSize(QSize(10, 10))
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.components_label = components
        self.model.modelReset.connect(self._fit_table)
        self._fit_table()

        content = QWidget(self)
        content.setObjectName("pageContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addLayout(header)
        layout.addWidget(summary)
        layout.addSpacing(8)
        layout.addWidget(components)
        layout.addWidget(self.table)
        layout.addStretch(1)
        # The page scrolls as a whole when the window is smaller than the table.
        scroll = QScrollArea(self)
        scroll.setObjectName("pageScroll")
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        monitor.checking.connect(self._show_checking)
        monitor.reported.connect(self.show_report)
        if monitor.latest is not None:
            self.show_report(monitor.latest)

    def show_report(self, report: HealthReport) -> None:
        """Show the result of a health check."""
        self.refresh_button.setEnabled(True)
        self.dot.set_tone(report.tone)
        self.headline.setText(report.headline)
        parts = [self._connection_label]
        if report.health is not None:
            if report.health.version:
                parts.append(f"version {report.health.version}")
            self.model.set_health(report.health)
        else:
            self.model.mark_unknown()
        parts.append(f"checked at {report.checked_at:%H:%M:%S}")
        self.subline.setText(" · ".join(parts))
        if report.error is not None:
            self.subline.setText(f"{report.error.text}\n{' · '.join(parts)}".strip())

    def _fit_table(self) -> None:
        """Show every row without an inner scroll bar; hide the table while it is empty."""
        rows = self.model.rowCount()
        self.table.setVisible(rows > 0)
        self.components_label.setVisible(rows > 0)
        height = (
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        self.table.setFixedHeight(height)

    def _show_checking(self) -> None:
        self.refresh_button.setEnabled(False)
        if self._monitor.latest is None:
            self.headline.setText("Checking…")

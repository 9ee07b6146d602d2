"""The start-up window: one row per step, overall progress, and the failure screen."""

from __future__ import annotations

from pathlib import Path

from app.features.startup.model import (
    StartupFailure,
    StartupProgress,
    StepState,
    log_folder_for,
)
from app.qt.core import Qt, QTimer, QUrl, Signal
from app.qt.gui import QCloseEvent, QDesktopServices
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon, pixmap
from app.widgets.step_row import RowState, StepRow
from app.widgets.title_header import TitleHeader

_ROW_STATES: dict[StepState, RowState] = {
    StepState.PENDING: RowState.PENDING,
    StepState.RUNNING: RowState.RUNNING,
    StepState.DONE: RowState.DONE,
    StepState.FAILED: RowState.FAILED,
}


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


class StartupWindow(QWidget):
    """Shows a solo start step by step; on failure, the cause and what to do.

    Closing the window asks to quit (the shell stops the backend first); the
    window really closes only after :meth:`allow_close`.

    Args:
        progress: The start attempt to show.
        log_dir: The backend's log folder, for "Open log folder".
        parent: The parent widget.

    Signals:
        retry_requested(): The user wants another attempt.
        quit_requested(): The user wants to leave (Quit, or closing the window).
    """

    retry_requested = Signal()
    quit_requested = Signal()

    TICK_MS = 100

    def __init__(
        self, progress: StartupProgress, log_dir: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._progress = progress
        self._log_dir = log_dir
        self._may_close = False
        self.setObjectName("startupWindow")
        self.setWindowTitle("Starting SalesOS")
        self.setWindowIcon(icon("logo"))
        self.setFixedWidth(600)

        header = TitleHeader(pixmap("logo", 48), "SalesOS", "Starting on this computer…", self)
        self.subtitle = header.subtitle

        steps_card = QFrame(self)
        steps_card.setObjectName("card")
        steps_layout = QVBoxLayout(steps_card)
        steps_layout.setContentsMargins(4, 4, 4, 4)
        steps_layout.setSpacing(0)
        self.rows: list[StepRow] = []
        for index, step in enumerate(progress.steps):
            if index:
                rule = QFrame(steps_card)
                rule.setObjectName("rule")
                rule.setFixedHeight(1)
                steps_layout.addWidget(rule)
            row = StepRow(step.label, steps_card)
            self.rows.append(row)
            steps_layout.addWidget(row)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(6)
        self.progress_label = QLabel("", self)
        self.progress_label.setProperty("role", "muted")
        self.elapsed_label = QLabel("", self)
        self.elapsed_label.setProperty("role", "muted")
        progress_text = QHBoxLayout()
        progress_text.addWidget(self.progress_label, 1)
        progress_text.addWidget(self.elapsed_label)

        self.failure_panel = self._build_failure_panel()

        self.open_logs_button = QPushButton(icon("folder"), "Open log folder", self)
        self.open_logs_button.clicked.connect(self.open_log_folder)
        self.quit_button = QPushButton("Quit", self)
        self.quit_button.clicked.connect(self.quit_requested)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setProperty("variant", "primary")
        self.retry_button.setDefault(True)
        self.retry_button.clicked.connect(self.retry_requested)
        self.buttons = QWidget(self)
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(8)
        buttons.addWidget(self.open_logs_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.retry_button)

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 24)
        layout.setSpacing(16)
        layout.addWidget(header)
        layout.addSpacing(8)
        layout.addWidget(steps_card)
        layout.addWidget(self.progress_bar)
        layout.addLayout(progress_text)
        layout.addWidget(self.failure_panel)
        layout.addWidget(self.buttons)

        self._ticker = QTimer(self)
        self._ticker.setInterval(self.TICK_MS)
        self._ticker.timeout.connect(self._tick)

        progress.step_changed.connect(self._show_step)
        progress.failed.connect(self._show_failure)
        progress.completed.connect(self._show_completed)
        progress.restarted.connect(self._show_restart)
        self._show_restart()

    def _build_failure_panel(self) -> QFrame:
        panel = QFrame(self)
        panel.setObjectName("failurePanel")
        self.failure_title = QLabel("", panel)
        self.failure_title.setProperty("role", "failureTitle")
        self.failure_title.setWordWrap(True)
        self.cause_label = QLabel("", panel)
        self.cause_label.setObjectName("failureCause")
        self.cause_label.setWordWrap(True)
        self.cause_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cause_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # A cause can be a page of SQL or a traceback line: scroll rather than grow.
        cause_scroll = QScrollArea(panel)
        cause_scroll.setObjectName("failureCauseScroll")
        cause_scroll.setWidget(self.cause_label)
        cause_scroll.setWidgetResizable(True)
        cause_scroll.setFrameShape(QFrame.Shape.NoFrame)
        cause_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cause_scroll = cause_scroll
        remedy_heading = QLabel("What to do", panel)
        remedy_heading.setProperty("role", "sectionLabel")
        self.remedy_label = QLabel("", panel)
        self.remedy_label.setObjectName("failureRemedy")
        self.remedy_label.setWordWrap(True)
        self.remedy_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.remedy_heading = remedy_heading
        layout = self._panel_layout = QVBoxLayout(panel)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.failure_title)
        layout.addWidget(cause_scroll)
        layout.addSpacing(4)
        layout.addWidget(remedy_heading)
        layout.addWidget(self.remedy_label)
        return panel

    # ------------------------------------------------------------------ state

    @property
    def progress(self) -> StartupProgress:
        """The attempt shown."""
        return self._progress

    def set_status(self, text: str) -> None:
        """Replace the line under the app name, e.g. "Shutting down…"."""
        self.subtitle.setText(text)

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while the shell is acting on one (retry, quit)."""
        for button in (self.retry_button, self.quit_button):
            button.setEnabled(not busy)

    def allow_close(self) -> None:
        """Let the next close really close the window."""
        self._may_close = True

    def open_log_folder(self) -> None:
        """Open the folder the failure names, else the log folder, in the file manager."""
        folder = log_folder_for(self._progress.failure, self._log_dir)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ------------------------------------------------------------------ slots

    def _show_restart(self) -> None:
        for row in self.rows:
            row.set_state(RowState.PENDING)
            row.set_detail("")
            row.set_duration("")
        self.subtitle.setText("Starting on this computer…")
        self.failure_panel.hide()
        self.buttons.hide()
        self.set_busy(False)
        self.progress_bar.setProperty("failed", False)
        self._repolish(self.progress_bar)
        self._tick()
        self._ticker.start()
        self.adjustSize()

    def _show_step(self, index: int) -> None:
        step = self._progress.steps[index]
        row = self.rows[index]
        row.set_state(_ROW_STATES[step.state])
        row.set_detail(step.detail)
        self._tick()

    def _show_failure(self, failure: StartupFailure) -> None:
        self._ticker.stop()
        self._tick()
        self.subtitle.setText("SalesOS could not start")
        self.failure_title.setText(failure.title)
        self.cause_label.setText(failure.cause)
        self._fit_cause()
        self.remedy_label.setText(failure.remedy)
        self.remedy_heading.setVisible(bool(failure.remedy))
        self.remedy_label.setVisible(bool(failure.remedy))
        index = self._progress.current_index()
        if index is not None:
            # The row keeps one line; the panel below has the whole cause.
            self.rows[index].set_detail("Failed, see below")
        self.progress_bar.setProperty("failed", True)
        self._repolish(self.progress_bar)
        self.failure_panel.show()
        self.buttons.show()
        self.retry_button.setFocus()
        self.adjustSize()

    def _show_completed(self) -> None:
        self._ticker.stop()
        self._tick()
        self.subtitle.setText("Ready")

    def _tick(self) -> None:
        """Refresh the figures that move with time."""
        progress = self._progress
        now_elapsed = progress.elapsed()
        steps = progress.steps
        for index, row in enumerate(self.rows):
            row.set_duration(_seconds(progress.step_seconds(index)))
        self.progress_bar.setValue(round(progress.fraction() * 1000))
        done = sum(step.state is StepState.DONE for step in steps)
        current = progress.current_index()
        if progress.failure is not None:
            self.progress_label.setText(f"Stopped after {done} of {len(steps)} steps")
        elif progress.succeeded:
            self.progress_label.setText(f"All {len(steps)} steps done")
        elif current is not None:
            self.progress_label.setText(
                f"Step {current + 1} of {len(steps)}: {steps[current].label}"
            )
        else:
            self.progress_label.setText("Preparing…")
        self.elapsed_label.setText(f"{now_elapsed:.1f} s elapsed")

    CAUSE_MAX_HEIGHT = 136

    def _fit_cause(self) -> None:
        """Size the cause box to its text, up to a few lines; longer causes scroll."""
        outer = self._layout.contentsMargins()
        inner = self._panel_layout.contentsMargins()
        width = self.width() - outer.left() - outer.right() - inner.left() - inner.right() - 2
        needed = self.cause_label.heightForWidth(width)
        if needed > self.CAUSE_MAX_HEIGHT:
            scrollbar = self.cause_scroll.verticalScrollBar().sizeHint().width()
            needed = self.cause_label.heightForWidth(width - scrollbar)
        self.cause_scroll.setFixedHeight(min(max(needed, 0), self.CAUSE_MAX_HEIGHT))

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            self._ticker.stop()
            event.accept()
            return
        event.ignore()
        self.quit_requested.emit()

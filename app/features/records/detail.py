"""The panel beside a record list that shows one record: its fields, the company's custom
fields, and whatever hangs off it (filled in by the feature's subclass)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.api.fields import CustomField
from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.records.model import NO_VALUE
from app.features.records.ops import EditableRecord
from app.money import format_money
from app.qt.core import QEvent, QObject, Qt, Signal
from app.qt.gui import QMouseEvent
from app.qt.widgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from app.widgets.elided_label import ElidedLabel
from app.widgets.links import open_link

PANEL_WIDTH = 340
LABEL_WIDTH = 100
"""Room for a field's name ("Do not contact") before it wraps."""
STATUS_LABELS = {"open": "Open", "won": "Won", "lost": "Lost"}
NAME_SEPARATORS = (" \u2014 ", " \u2013 ", " - ", ": ")
"""What separates an account's name from the rest in deal names ("Acme — Renewal"): an
em or en dash, a hyphen or a colon between spaces."""


def make_label(text: str, parent: QWidget, role: str = "", name: str = "") -> QLabel:
    """A label with a stylesheet ``role`` and object name."""
    label = QLabel(text, parent)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


def without_account(name: str, account: str) -> str:
    """A deal's name without a leading "<account> — ", for where the account is already
    said (its card, the account's own panel): "Acme — Renewal" under Acme reads "Renewal".
    A name that is nothing but the account's stays as it is."""
    if account:
        for separator in NAME_SEPARATORS:
            prefix = f"{account}{separator}"
            if len(name) > len(prefix) and name[: len(prefix)].casefold() == prefix.casefold():
                return name[len(prefix) :].strip() or name
    return name


def value_label(text: str, parent: QWidget) -> QLabel:
    """A field's value: wrapped at spaces; one long word (an email, a domain) elided
    with "…" and whole in its tooltip, where wrapping could not break it."""
    label: QLabel
    if any(char.isspace() for char in text):
        label = make_label(text, parent, name="detailValue")
        label.setWordWrap(True)
    else:
        label = ElidedLabel(text, parent)
        label.setObjectName("detailValue")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def custom_value_text(definition: CustomField, value: Any) -> str:
    """How a custom field's value reads: "Yes"/"No", choices joined by commas, "—" for none."""
    if value is None or value == "" or value == []:
        return NO_VALUE
    if definition.field_type == "boolean" or isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


class RecordDetail(QFrame):
    """One record beside the list: name, Edit and Delete, its fields, then relations.

    Subclasses give :meth:`field_rows` (label, text) for the record's own fields and
    :meth:`footer_rows` (shown after the custom fields, e.g. "Updated"), and add
    sections below with :meth:`section` and :meth:`add_widget`.

    Args:
        object_name: The panel's object name (the stylesheet's hook).
        parent: The parent widget.

    Signals:
        edit_wanted(object): The user wants to edit the record shown.
        delete_wanted(object): The user wants to move the record shown to the trash.
    """

    edit_wanted = Signal(object)
    delete_wanted = Signal(object)
    related_wanted = Signal(str, str)

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setProperty("role", "detailPanel")
        self.setFixedWidth(PANEL_WIDTH)
        self.record: Any = None
        self._custom: list[CustomField] = []
        self.name_label = make_label("", self, "headline", "detailName")
        self.name_label.setWordWrap(True)
        self.close_button = QPushButton("Close", self)
        self.close_button.setProperty("variant", "small")
        self.close_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        self.edit_button = QPushButton("Edit", self)
        self.edit_button.setObjectName("detailEditButton")
        self.edit_button.setProperty("variant", "small")
        self.edit_button.clicked.connect(lambda: self._want(self.edit_wanted))
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("detailDeleteButton")
        self.delete_button.setProperty("variant", "smallDanger")
        self.delete_button.setToolTip("Move to the trash (you can undo it)")
        self.delete_button.clicked.connect(lambda: self._want(self.delete_wanted))
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        self.action_row = actions
        """The row of Edit and Delete (a feature may add its own actions)."""

        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("detailScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.viewport().setAutoFillBackground(False)
        self.field_labels: dict[str, QLabel] = {}
        self.opportunity_rows: list[tuple[QLabel, QLabel]] = []
        self._clear()
        self._scroll.setWidget(self._inner)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 8, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self._scroll, 1)

    def _want(self, signal: Any) -> None:
        if self.record is not None:
            signal.emit(self.record)

    # ------------------------------------------------------------------ what subclasses give

    def title_of(self, record: Any) -> str:
        """The headline (the record's name)."""
        return str(getattr(record, "name", ""))

    def field_rows(self, record: Any) -> list[tuple[str, str]]:
        """The record's own fields as (label, text)."""
        return []

    def links(self, record: Any) -> dict[str, str]:
        """The fields whose value acts when clicked, by label: their address
        (``mailto:``, ``tel:``, ``https:``). None by default."""
        return {}

    def related_fields(self, record: Any) -> dict[str, tuple[str, str]]:
        """The fields that name another record, by label: its kind and id (clicking the
        value opens it). None by default."""
        return {}

    def make_related(self, label: QLabel, kind: str, record_id: str) -> None:
        """Clicking ``label`` opens the record ``record_id`` of ``kind`` (where it lives:
        its page, the board) through :attr:`related_wanted`."""
        label.setProperty("related", f"{kind}:{record_id}")
        label.setObjectName(label.objectName() or "detailRelated")
        label.setCursor(Qt.CursorShape.PointingHandCursor)
        # the pointing hand says it opens; the tooltip keeps what it holds (a whole name)
        label.installEventFilter(self)

    def _make_link(self, label: QLabel, url: str) -> None:
        label.setProperty("link", url)
        label.setProperty("role", "link")
        label.setCursor(Qt.CursorShape.PointingHandCursor)
        label.setToolTip(f"Open {url}")
        label.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QLabel)
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and not watched.hasSelectedText()
        ):
            url = watched.property("link")
            if isinstance(url, str) and url:
                open_link(url)
                return True
            related = watched.property("related")
            if isinstance(related, str) and ":" in related:
                kind, _, record_id = related.partition(":")
                self.related_wanted.emit(kind, record_id)
                return True
        return super().eventFilter(watched, event)

    def footer_rows(self, record: Any) -> list[tuple[str, str]]:
        """Rows after the custom fields (when it changed, ...)."""
        return []

    # ------------------------------------------------------------------ building

    def _clear(self) -> None:
        """Start an empty body (the scroll area deletes the old one)."""
        self._inner = QWidget()
        self._inner.setObjectName("detailBody")
        self._body = QVBoxLayout(self._inner)
        self._body.setContentsMargins(0, 0, 8, 0)
        self._body.setSpacing(6)
        self._fields_box: QWidget | None = None
        self.status_label = make_label("", self._inner, "muted", "detailStatus")
        self.status_label.setWordWrap(True)
        self._sections: QWidget | None = None
        self._section_body = self._body
        self.field_labels = {}
        self.opportunity_rows = []

    def show_record(self, record: EditableRecord, status: str = "") -> None:
        """Show ``record``'s fields and, under them, ``status`` (e.g. "Loading…")."""
        self.record = record
        self._clear()
        self.name_label.setText(self.title_of(record))
        self._fields_box = self._fields(record)
        self._body.addWidget(self._fields_box)
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))
        self._body.addWidget(self.status_label)
        self._body.addStretch(1)
        self._scroll.setWidget(self._inner)
        self.show()

    def set_custom_fields(self, definitions: Sequence[CustomField]) -> None:
        """Show these custom fields (the record shown gets them at once)."""
        self._custom = list(definitions)
        if self.record is None or self._fields_box is None:
            return
        old = self._fields_box
        index = self._body.indexOf(old)
        self._fields_box = self._fields(self.record)
        self._body.insertWidget(max(index, 0), self._fields_box)
        self._body.removeWidget(old)
        old.deleteLater()

    def _fields(self, record: Any) -> QWidget:
        box = QWidget(self._inner)
        box.setObjectName("detailFields")
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        values: dict[str, Any] = getattr(record, "custom_fields", {}) or {}
        rows = [
            *self.field_rows(record),
            *((d.label, custom_value_text(d, values.get(d.key))) for d in self._custom),
            *self.footer_rows(record),
        ]
        self.field_labels = {}
        links = self.links(record)
        related = self.related_fields(record)
        for row, (name, value) in enumerate(rows):
            label = make_label(name, box, "muted", "detailLabel")
            label.setWordWrap(True)
            label.setMaximumWidth(LABEL_WIDTH + 16)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            shown = value_label(value, box)
            if name in links and value != NO_VALUE:
                self._make_link(shown, links[name])
            elif name in related:
                self.make_related(shown, *related[name])
            grid.addWidget(shown, row, 1, Qt.AlignmentFlag.AlignTop)
            self.field_labels[name] = shown
        grid.setColumnMinimumWidth(0, LABEL_WIDTH)
        grid.setColumnStretch(1, 1)
        return box

    def values(self) -> dict[str, str]:
        """Each field's text (whole, even where it is elided), by its label (for tests)."""
        return {
            name: label.full_text() if isinstance(label, ElidedLabel) else label.text()
            for name, label in self.field_labels.items()
        }

    def set_value(self, name: str, text: str) -> None:
        """Show ``text`` as the value of the field labelled ``name`` (if it has one)."""
        label = self.field_labels.get(name)
        if isinstance(label, ElidedLabel):
            label.set_full_text(text)
        elif label is not None:
            label.setText(text)

    def begin_sections(self) -> None:
        """Start the sections under the fields afresh: those of an earlier load (what
        hangs off the record, read again) go, in the same pass, so the panel neither
        flickers nor jumps. What :meth:`section`, :meth:`add_widget`, :meth:`add_note`
        and :meth:`add_opportunity` add goes in them."""
        old = self._sections
        if old is not None:
            self._body.removeWidget(old)
            old.hide()
            old.deleteLater()
        sections = self._sections = QWidget(self._inner)
        sections.setObjectName("detailSections")
        self._section_body = QVBoxLayout(sections)
        self._section_body.setContentsMargins(0, 0, 0, 0)
        self._section_body.setSpacing(self._body.spacing())
        self._body.insertWidget(self._body.indexOf(self.status_label) + 1, sections)
        self.opportunity_rows = []

    def end_sections(self) -> None:
        """The sections are complete (they sit above the body's closing stretch)."""

    def section(self, title: str) -> QLabel:
        """Add a section heading."""
        self._section_body.addSpacing(10)
        label = make_label(title, self.inner, "sectionLabel")
        self._section_body.addWidget(label)
        return label

    def add_widget(self, widget: QWidget) -> None:
        """Add ``widget`` to the sections."""
        self._section_body.addWidget(widget)

    def add_note(self, text: str) -> QLabel:
        """Add a muted line."""
        label = make_label(text, self.inner, "muted")
        label.setWordWrap(True)
        self._section_body.addWidget(label)
        return label

    @property
    def inner(self) -> QWidget:
        """The parent of what sections add (the sections' widget once begun)."""
        return self._sections if self._sections is not None else self._inner

    def show_failure(self, message: UserMessage) -> None:
        """Say why what hangs off the record could not be loaded."""
        self.status_label.setText(" ".join(p for p in (message.title, message.text) if p))
        self.status_label.show()

    def add_opportunity(self, opportunity: Opportunity, account: str = "") -> None:
        """Add a row: the deal's name, status and close date, its amount on the right.

        Args:
            opportunity: The deal.
            account: The name of the account the panel is about, if the deal is
                theirs: the deal's name is shown without it ("Acme — Renewal" reads
                "Renewal"; the tooltip has the whole name).
        """
        row = QHBoxLayout()
        row.setSpacing(8)
        status = STATUS_LABELS.get(opportunity.status, opportunity.status.capitalize())
        close = opportunity.close_date.isoformat() if opportunity.close_date else NO_VALUE
        closes = "closes" if opportunity.status == "open" else "closed"
        title = without_account(opportunity.name, account)
        name = make_label(f"{title}\n{status} · {closes} {close}", self.inner)
        name.setObjectName("detailOpportunity")
        name.setToolTip(opportunity.name)
        name.setWordWrap(True)
        name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        amount = make_label(
            format_money(opportunity.amount, opportunity.currency), self.inner, name="detailAmount"
        )
        amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.make_related(name, "opportunity", opportunity.id)
        row.addWidget(name, 1)
        row.addWidget(amount, 0, Qt.AlignmentFlag.AlignTop)
        self._section_body.addLayout(row)
        self.opportunity_rows.append((name, amount))

    def amounts(self) -> dict[str, str]:
        """Each opportunity's amount as shown, by the opportunity's whole name (for tests)."""
        return {name.toolTip(): amount.text() for name, amount in self.opportunity_rows}

"""Inputs of record forms that all read and write a plain value, and a banner with a button.

Every input here has ``value()``, ``set_value(value)``, ``problem()`` (what is wrong
with what was typed, ``""`` when nothing is) and an ``edited`` signal, so a form can
fill itself from a record, tell what the user changed and send it, whatever the
kind of field. An empty input reads ``None`` (an empty list for several choices).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from app.qt.core import QDate, QStringListModel, Qt, QTimer, Signal
from app.qt.gui import QHideEvent
from app.qt.widgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)
from app.widgets.form import calm_calendar, fade_after, repolish

NO_DATE = QDate(1900, 1, 1)
"""The date an :class:`OptionalDateInput` holds while it has none."""

SEARCH_DELAY_MS = 250
"""How long typing in a :class:`SearchPicker` must pause before it asks for choices."""


class ValueInput(Protocol):
    """What a form needs of an input."""

    def value(self) -> Any: ...

    def set_value(self, value: Any) -> None: ...

    def problem(self) -> str: ...


class TextInput(QLineEdit):
    """One line of text; reads ``None`` when blank, surrounding spaces dropped.

    Args:
        placeholder: Grey text shown while it is empty.
        parent: The parent widget.

    Signals:
        edited(): The user changed the text.
    """

    edited = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.textEdited.connect(lambda _text: self.edited.emit())

    def value(self) -> str | None:
        """The text, or ``None`` when blank."""
        return self.text().strip() or None

    def set_value(self, value: Any) -> None:
        """Show ``value`` (``None`` empties it)."""
        self.setText("" if value is None else str(value))
        self.setCursorPosition(0)

    def problem(self) -> str:
        """Nothing is wrong with text here (the server has the last word)."""
        return ""


class WholeNumberInput(TextInput):
    """A whole number such as a head count; ``1,200`` reads 1200.

    What is not a whole number reads as the text typed, and :meth:`problem` says so.
    """

    def value(self) -> Any:
        """The number, ``None`` when blank, or the text when it is not a whole number."""
        text = (self.text().strip()).replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            return self.text().strip()

    def problem(self) -> str:
        """ "Enter a whole number" when the text is not one."""
        value = self.value()
        return "" if value is None or isinstance(value, int) else "Enter a whole number."


class DecimalInput(TextInput):
    """A number, read exactly: a whole number as an ``int``, others as a decimal string."""

    def value(self) -> Any:
        """``12`` for "12", ``"12.50"`` for "12.50", ``None`` when blank, the text when
        it is not a number."""
        text = self.text().strip().replace(",", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return self.text().strip()
        if not number.is_finite():
            return self.text().strip()
        if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
            return int(number)
        return format(number, "f")

    def problem(self) -> str:
        """ "Enter a number" when the text is not one."""
        value = self.value()
        if value is None or isinstance(value, int):
            return ""
        try:
            Decimal(str(value))
        except InvalidOperation:
            return "Enter a number such as 12.5."
        return "" if Decimal(str(value)).is_finite() else "Enter a number such as 12.5."


class OptionalDateInput(QWidget):
    """A date that may be left out: a tick box, then the date once ticked.

    Reads an ISO date (``"2026-12-31"``) or ``None``.

    Args:
        parent: The parent widget.

    Signals:
        edited(): The user changed the date or ticked the box.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(self)
        self.check.setToolTip("Set a date")
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("optionalDate")
        self.date_edit.setCalendarPopup(True)
        calm_calendar(self.date_edit)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        # The minimum date stands for "none" and reads "No date" (never a real value here).
        self.date_edit.setMinimumDate(NO_DATE)
        self.date_edit.setSpecialValueText("No date")
        self.date_edit.setDate(NO_DATE)
        self.date_edit.setEnabled(False)
        self.check.toggled.connect(self._toggled)
        self.date_edit.dateChanged.connect(lambda _date: self._date_changed())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.check)
        layout.addWidget(self.date_edit, 1)
        self.setFocusProxy(self.date_edit)

    def _toggled(self, on: bool) -> None:
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate.currentDate() if on else NO_DATE)
        self.date_edit.blockSignals(False)
        self.date_edit.setEnabled(on)
        self.edited.emit()

    def _date_changed(self) -> None:
        if self.check.isChecked():
            self.edited.emit()

    def value(self) -> str | None:
        """The date as ``YYYY-MM-DD``, or ``None`` when the box is not ticked."""
        if not self.check.isChecked():
            return None
        return str(self.date_edit.date().toString("yyyy-MM-dd"))

    def set_value(self, value: Any) -> None:
        """Show an ISO date (ticked), or nothing (``None`` or a value that is not a date)."""
        parsed: date | None = None
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                parsed = None
        elif isinstance(value, date):
            parsed = value
        self.check.blockSignals(True)
        self.check.setChecked(parsed is not None)
        self.check.blockSignals(False)
        self.date_edit.setEnabled(parsed is not None)
        self.date_edit.blockSignals(True)
        if parsed is None:
            self.date_edit.setDate(NO_DATE)
        else:
            self.date_edit.setDate(QDate(parsed.year, parsed.month, parsed.day))
        self.date_edit.blockSignals(False)

    def problem(self) -> str:
        """A date edit cannot hold a wrong date."""
        return ""


NO_CHOICE = "—"
"""What a choice input shows for "none"."""


class ChoiceInput(QComboBox):
    """One of a list of choices, or none.

    Args:
        choices: What can be chosen.
        none_text: The first entry, meaning "none" (``None`` for no such entry).
        editable: Whether other text may be typed (completed from ``choices``).
        parent: The parent widget.

    Signals:
        edited(): The user picked or typed something.
    """

    edited = Signal()

    def __init__(
        self,
        choices: Sequence[str],
        none_text: str | None = NO_CHOICE,
        *,
        editable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # Long choices (America/Argentina/ComodRivadavia) must not widen the form.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self._has_none = none_text is not None
        if none_text is not None:
            self.addItem(none_text, None)
        for choice in choices:
            self.addItem(choice, choice)
        self.setEditable(editable)
        if editable:
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(list(choices), self)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            self.setCompleter(completer)
            line = self.lineEdit()
            if line is not None:
                line.setPlaceholderText(none_text or "")
                line.textEdited.connect(lambda _text: self.edited.emit())
        self.activated.connect(lambda _index: self.edited.emit())

    def value(self) -> str | None:
        """The choice, or ``None`` for none."""
        if self.isEditable():
            text = self.currentText().strip()
            return None if not text or text == NO_CHOICE else text
        data = self.currentData()
        return None if data is None else str(data)

    def set_value(self, value: Any) -> None:
        """Choose ``value``; one that is not among the choices is added (kept, not lost)."""
        if value is None or value == "":
            self.setCurrentIndex(0 if self._has_none else -1)
            if self.isEditable():
                self.setEditText("")
            return
        index = self.findData(str(value))
        if index < 0:
            self.addItem(str(value), str(value))
            index = self.count() - 1
        self.setCurrentIndex(index)

    def problem(self) -> str:
        """The server checks the choice."""
        return ""


class KeyedChoiceInput(QComboBox):
    """One of a list of choices named for people but kept by key (a user by id).

    Args:
        parent: The parent widget.

    Signals:
        edited(): The user picked something.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self.activated.connect(lambda _index: self.edited.emit())

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Offer ``(label, key)`` pairs; the choice made stays chosen if still offered
        (or is kept, under its old label, if not)."""
        current, label = self.currentData(), self.currentText()
        self.blockSignals(True)
        self.clear()
        for text, key in choices:
            self.addItem(text, key)
        if current is not None:
            self._choose(str(current), label)
        self.blockSignals(False)

    def _choose(self, key: str, label: str) -> None:
        index = self.findData(key)
        if index < 0:
            self.addItem(label or key, key)
            index = self.count() - 1
        self.setCurrentIndex(index)

    def value(self) -> str | None:
        """The chosen key, or ``None``."""
        data = self.currentData()
        return None if data is None else str(data)

    def set_value(self, value: Any, label: str = "") -> None:
        """Choose ``value`` (a key); one not offered is added under ``label``."""
        if value is None or value == "":
            self.setCurrentIndex(-1)
            return
        self._choose(str(value), label)

    def problem(self) -> str:
        """The server checks the choice."""
        return ""


class MultiChoiceInput(QListWidget):
    """Several of a list of choices, ticked in a short list.

    Args:
        choices: What can be chosen.
        parent: The parent widget.

    Signals:
        edited(): The user ticked or unticked a choice.
    """

    edited = Signal()

    VISIBLE_ROWS = 4
    """How many choices show before the list scrolls."""

    def __init__(self, choices: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("multiChoice")
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setUniformItemSizes(True)
        for choice in choices:
            self._add(choice)
        row = max(self.sizeHintForRow(0), 22)
        self.setFixedHeight(row * min(max(len(choices), 1), self.VISIBLE_ROWS) + 8)
        self.itemChanged.connect(lambda _item: self.edited.emit())

    def _add(self, choice: str) -> QListWidgetItem:
        item = QListWidgetItem(choice, self)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        return item

    def value(self) -> list[str]:
        """The ticked choices, in the list's order."""
        return [
            self.item(row).text()
            for row in range(self.count())
            if self.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, value: Any) -> None:
        """Tick the choices in ``value`` (a list); unknown ones are added, not lost."""
        wanted = [str(v) for v in value] if isinstance(value, list) else []
        self.blockSignals(True)
        known = {self.item(row).text() for row in range(self.count())}
        for choice in wanted:
            if choice not in known:
                self._add(choice)
        for row in range(self.count()):
            item = self.item(row)
            checked = item.text() in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def problem(self) -> str:
        """Any ticks are fine here."""
        return ""


class CheckInput(QCheckBox):
    """Yes or no.

    Args:
        text: The text beside the box.
        parent: The parent widget.

    Signals:
        edited(): The user ticked or unticked it.
    """

    edited = Signal()

    def __init__(self, text: str = "Yes", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.clicked.connect(lambda _checked: self.edited.emit())

    def value(self) -> bool:
        """Whether it is ticked."""
        return self.isChecked()

    def set_value(self, value: Any) -> None:
        """Tick it for a true value."""
        self.setChecked(bool(value))

    def problem(self) -> str:
        """Either answer is fine."""
        return ""


class SearchPicker(QLineEdit):
    """Pick one item of a long list by typing part of its name.

    Typing asks for matches through :attr:`search_wanted` (after a pause); the owner
    answers with :meth:`set_choices`, and the completer offers them. The value is the
    picked item's id; text that names no picked item reads as :attr:`UNMATCHED`.

    Args:
        placeholder: Grey text shown while it is empty.
        parent: The parent widget.

    Signals:
        search_wanted(str): Find items whose name contains this text.
        name_wanted(str): Look up the name of this item id (answer with
            :meth:`name_known`).
        edited(): The user typed or picked.
    """

    search_wanted = Signal(str)
    name_wanted = Signal(str)
    edited = Signal()

    UNMATCHED = object()
    """What :meth:`value` reads while the text names nothing that was picked."""
    LOADING = "…"
    """The name shown while the name of a picked item is being looked up."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self._id: str | None = None
        self._label = ""
        self._choices: dict[str, str] = {}
        self._names = QStringListModel(self)
        self._completer = QCompleter(self._names, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        # Not setCompleter(): the line edit would complete from the old choices on
        # every key; the choices are offered once the server has answered instead.
        self._completer.setWidget(self)
        self._completer.activated.connect(self._picked)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search)
        self.textEdited.connect(self._typed)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()  # a closed form asks for nothing
        super().hideEvent(event)

    def _typed(self, text: str) -> None:
        self.edited.emit()
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()

    def _search(self) -> None:
        text = self.text().strip()
        if text and text != self._label:
            self.search_wanted.emit(text)

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Offer ``(name, id)`` pairs for the text typed (shows the completer)."""
        self._choices = {name: item_id for name, item_id in choices}
        self._names.setStringList([name for name, _ in choices])
        if self.hasFocus() and choices:
            self._completer.setCompletionPrefix(self.text().strip())
            self._completer.complete()

    def choices(self) -> list[str]:
        """The names offered now."""
        return list(self._names.stringList())

    def pick(self, name: str) -> None:
        """Pick the offered item called ``name`` (what choosing it in the popup does)."""
        self._picked(name)

    def _picked(self, name: str) -> None:
        item_id = self._choices.get(name)
        if item_id is None:
            return
        self._id, self._label = item_id, name
        self.setText(name)
        self.edited.emit()

    def set_current(self, name: str, item_id: str | None) -> None:
        """Show ``item_id`` under ``name`` (``None`` for nothing picked)."""
        self._id = item_id
        self._label = name if item_id is not None else ""
        self.setText(self._label)
        self.setCursorPosition(0)

    def value(self) -> Any:
        """The picked item's id, ``None`` when empty, :attr:`UNMATCHED` for other text."""
        text = self.text().strip()
        if self._id is not None and text == self._label:
            return self._id
        if not text:
            return None
        return self.UNMATCHED

    def set_value(self, value: Any) -> None:
        """Pick the item ``value`` (an id); its name is asked for by :attr:`name_wanted`."""
        if value is None:
            self.set_current("", None)
        elif value != self._id or self.value() != value:
            self.set_current(self.LOADING, str(value))
            self.name_wanted.emit(str(value))

    def name_known(self, item_id: str, name: str) -> None:
        """The name of ``item_id`` (the answer to :attr:`name_wanted`), if still shown."""
        if self._id == item_id and self.text() == self._label:
            self.set_current(name, item_id)

    def problem(self) -> str:
        """What to say when the text names nothing that was picked."""
        if self.value() is self.UNMATCHED:
            return "Pick one of the suggestions, or leave it empty."
        return ""


class ActionBanner(QFrame):
    """A line that tells the outcome of an action, with an optional button (Undo, Reload).

    Hidden while empty. Its ``tone`` property (``error``, ``info``, ``success``)
    lets the stylesheet colour it. One message at a time (a new one replaces it); a
    success or a note goes after a few seconds, a little later when it has a button
    (Undo), and an error stays until it is replaced or cleared
    (:func:`~app.widgets.form.fade_after`).

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionBanner")
        self.fade_timer = QTimer(self)
        self.fade_timer.setSingleShot(True)
        self.fade_timer.timeout.connect(self.hide)  # the text stays readable as the last outcome
        self.setProperty("tone", "info")
        self.label = QLabel("", self)
        self.label.setObjectName("actionBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("", self)
        self.button.setObjectName("actionBannerButton")
        self.button.setProperty("variant", "small")
        self.button.hide()
        self.button.clicked.connect(self._act)
        self._action: Callable[[], None] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.setSpacing(12)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def text(self) -> str:
        """The text shown."""
        return self.label.text()

    def show_message(
        self,
        text: str,
        tone: str = "info",
        action: str = "",
        on_action: Callable[[], None] | None = None,
    ) -> None:
        """Show ``text`` in ``tone``, with a button ``action`` if given; "" hides it."""
        self.label.setText(text)
        self.setProperty("tone", tone)
        repolish(self)
        repolish(self.label)
        self._action = on_action if action else None
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.button.setEnabled(True)
        self.setVisible(bool(text))
        self.fade_timer.stop()
        delay = fade_after(tone, bool(action))
        if text and delay:
            self.fade_timer.start(delay)

    def clear_message(self) -> None:
        """Hide the banner."""
        self.show_message("")

    def _act(self) -> None:
        action = self._action
        if action is not None:
            self.button.setEnabled(False)  # once: the action says what happened next
            action()

"""What the import wizard knows without asking: the fields, the mapping rules, progress.

No widgets and no I/O. The fields, required field and de-duplication key of
each importable kind mirror the server's (``backend/crm/imports.py``); the
server checks the mapping again, so a difference only changes which side
words the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.api.imports import ImportRowError
from app.qt.core import QModelIndex, QPersistentModelIndex, Qt
from app.widgets.row_table import RowTableModel

DONT_IMPORT = ""
"""The mapping value of a column left out."""

DONT_IMPORT_LABEL = "Don't import"


@dataclass(frozen=True)
class ImportTarget:
    """An importable kind of record.

    Attributes:
        kind: The server's word, ``"contact"`` or ``"account"``.
        noun: One record, as people say it ("contact").
        plural: Several ("contacts").
        required: The field a column must go to.
        dedupe: The field that tells an existing record (contact email, account domain).
        labels: Each field's name as people read it, in the order the wizard offers them.
    """

    kind: str
    noun: str
    plural: str
    required: str
    dedupe: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        """``"last_name"`` → "Last name"; ``"cf.lead_source"`` → "Lead source (custom field)"."""
        if name in self.labels:
            return self.labels[name]
        if name.startswith("cf."):
            words = name[3:].replace("_", " ").strip() or name
            return f"{words[0].upper()}{words[1:]} (custom field)"
        words = name.replace("_", " ")
        return words[:1].upper() + words[1:]


TARGETS: dict[str, ImportTarget] = {
    "contact": ImportTarget(
        "contact",
        "contact",
        "contacts",
        required="last_name",
        dedupe="email",
        labels={
            "first_name": "First name",
            "last_name": "Last name",
            "email": "Email",
            "phone": "Phone",
            "mobile": "Mobile",
            "title": "Job title",
            "time_zone": "Time zone",
            "do_not_contact": "Do not contact",
            "account_domain": "Account (by its domain)",
            "account_name": "Account (by its name)",
        },
    ),
    "account": ImportTarget(
        "account",
        "account",
        "accounts",
        required="name",
        dedupe="domain",
        labels={
            "name": "Name",
            "domain": "Domain",
            "industry": "Industry",
            "size": "Employees",
            "street": "Street",
            "city": "City",
            "region": "Region or state",
            "postal_code": "Postal code",
            "country": "Country",
        },
    ),
}
"""The kinds of record a CSV file can bring in, by the server's word."""


def target_of(kind: str) -> ImportTarget:
    """The import target of ``kind`` (``"contact"``, ``"contacts"``, ``"account"``…).

    Raises:
        ValueError: Not an importable kind.
    """
    word = kind.lower().removesuffix("s")
    if word not in TARGETS:
        raise ValueError(f"{kind!r} cannot be imported; use contact or account")
    return TARGETS[word]


@dataclass(frozen=True)
class DuplicateChoice:
    """One way to treat a row whose key matches an existing record."""

    mode: str
    title: str
    explanation: str


def duplicate_choices(target: ImportTarget) -> tuple[DuplicateChoice, ...]:
    """Skip, update or create, each explained in one line for ``target``."""
    key = target.label(target.dedupe).lower()
    noun = target.noun
    return (
        DuplicateChoice(
            "skip",
            "Skip the row",
            f"Keep the existing {noun} as it is; the row is counted as skipped.",
        ),
        DuplicateChoice(
            "update",
            f"Update the existing {noun}",
            f"Fill the {noun} with the row's values (empty cells change nothing).",
        ),
        DuplicateChoice(
            "create",
            f"Create another {noun}",
            f"Import the row anyway: two {target.plural} will share the {key}.",
        ),
    )


@dataclass(frozen=True)
class MappingCheck:
    """What is wrong with a mapping before it is sent.

    Attributes:
        columns: A problem per CSV column.
        general: Problems of the whole mapping (the required field not mapped).
    """

    columns: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the mapping can be sent."""
        return not self.columns and not self.general


def check_mapping(mapping: Mapping[str, str], target: ImportTarget) -> MappingCheck:
    """The problems the server would find: two columns into one field, the required
    field left out."""
    by_field: dict[str, list[str]] = {}
    for column, name in mapping.items():
        if name:
            by_field.setdefault(name, []).append(column)
    columns: dict[str, str] = {}
    for name, sources in by_field.items():
        if len(sources) > 1:
            for column in sources:
                others = ", ".join(f"“{c}”" for c in sources if c != column)
                columns[column] = f"{others} also goes to {target.label(name)}; choose one."
    general = []
    if target.required not in by_field:
        general.append(
            f"Choose the column that holds the {target.label(target.required).lower()}: "
            f"every {target.noun} needs one."
        )
    return MappingCheck(columns, general)


def words_for_fields(text: str, target: ImportTarget) -> str:
    """A server sentence with field names as people read them
    ("map a column to last_name (required)" → "map a column to “Last name” (required)")."""

    def label(match: re.Match[str]) -> str:
        return f"“{target.label(match.group(0))}”"

    known = sorted(target.labels, key=len, reverse=True)
    if not known:
        return text
    pattern = r"(?<![\w.])(?:" + "|".join(map(re.escape, known)) + r")(?![\w])"
    return re.sub(pattern, label, text)


def human_size(size: int) -> str:
    """``2048`` → "2.0 KB": bytes, KB, MB or GB, as file managers show them."""
    if size < 1024:
        return count_text(size, "byte")
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:,.1f} {unit}"


def count_text(count: int, noun: str) -> str:
    """``(1, "row")`` → "1 row"; ``(1200, "row")`` → "1,200 rows"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


class ProgressMeter:
    """Rows a second and the time left, from the counts an import reports over time."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None
        self._last: tuple[float, int] | None = None

    def observe(self, processed: int, now: float) -> None:
        """The import had handled ``processed`` rows at ``now`` (seconds, monotonic)."""
        if self._first is None:
            self._first = (now, processed)
        self._last = (now, processed)

    @property
    def rate(self) -> float | None:
        """Rows a second since the first observation (``None`` until it can be told)."""
        if self._first is None or self._last is None:
            return None
        seconds = self._last[0] - self._first[0]
        rows = self._last[1] - self._first[1]
        if seconds <= 0 or rows <= 0:
            return None
        return rows / seconds

    def seconds_left(self, total: int) -> float | None:
        """How long the rest of ``total`` rows will take at :attr:`rate`."""
        rate = self.rate
        if rate is None or self._last is None:
            return None
        return max(0.0, (total - self._last[1]) / rate)


def progress_text(processed: int, total: int, meter: ProgressMeter) -> str:
    """ "1,200 of 5,000 rows · 850 rows a second · about 5 s left"."""
    parts = [f"{processed:,} of {count_text(total, 'row')}"]
    rate = meter.rate
    if rate is not None:
        parts.append(f"{rate:,.0f} rows a second")
        left = meter.seconds_left(total)
        if left is not None and processed < total:
            parts.append(f"about {duration_text(left)} left")
    return " · ".join(parts)


def duration_text(seconds: float) -> str:
    """``4.2`` → "5 s"; ``130`` → "3 min"; rounded up, never "0 s"."""
    whole = max(1, int(seconds + 0.999))
    if whole < 90:
        return f"{whole} s"
    return f"{(whole + 59) // 60} min"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_PROBLEMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^field required$", re.I), lambda m: "This cell is empty, and it is required"),
    (
        re.compile(r"^string should match pattern .*$", re.I),
        lambda m: "Has characters that do not belong here",
    ),
    (
        re.compile(r"^string should have at most (\d+) characters?$", re.I),
        lambda m: f"Longer than the {m.group(1)} characters allowed",
    ),
    (re.compile(r"^input should be a valid integer.*$", re.I), lambda m: "Is not a whole number"),
    (re.compile(r"^input should be a valid boolean.*$", re.I), lambda m: "Is not yes or no"),
    (
        re.compile(r"^value is not a valid email address: (.*)$", re.I),
        lambda m: f"Is not an email address ({_lower_first(m.group(1)).rstrip('.')})",
    ),
)
"""The server's validation wording, as a sales rep would say it."""


def problem_text(message: str) -> str:
    """A row's problem as a sentence ("Field required" → "This cell is empty, …")."""
    text = message.strip()
    for pattern, reword in _PROBLEMS:
        match = pattern.match(text)
        if match:
            text = reword(match)
            break
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def refused_value_text(value: str | None) -> str:
    """A refused cell as the table shows it, on one line: quoted (“not-an-email”),
    "(empty)" for an empty one, "" when it is not known."""
    if value is None:
        return ""
    if not value.strip():
        return "(empty)"
    return "“" + " ↵ ".join(value.splitlines()) + "”"


class RowErrorsModel(RowTableModel[ImportRowError]):
    """The problems of the rows that were not imported: line, column, the value the
    file had there (when the row is known), what is wrong."""

    ROW, COLUMN, VALUE, PROBLEM = range(4)
    HEADERS = ("Row", "Column", "Value", "Problem")

    def set_errors(self, errors: list[ImportRowError]) -> None:
        """Show ``errors``, in the order given."""
        self.beginResetModel()
        self._rows = list(errors)
        self.endResetModel()

    def has_values(self) -> bool:
        """Whether any problem listed comes with its row (else the Value column is idle)."""
        return any(error.raw is not None for error in self._rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        error = self.row_at(index)
        if error is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == self.ROW:
                return f"{error.row_number:,}"
            if column == self.COLUMN:
                return error.field or "—"
            if column == self.VALUE:
                value = error.value
                if role == Qt.ItemDataRole.ToolTipRole and value is not None and value.strip():
                    return value  # whole, line breaks and all
                return refused_value_text(value)
            if column == self.PROBLEM:
                return problem_text(error.message)
        return None

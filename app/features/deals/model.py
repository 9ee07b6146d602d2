"""Deals (opportunities) as a server-paged table, with their accounts' and stages' names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from app.api.pipelines import Pipeline, Stage
from app.api.records import Opportunity
from app.features.records.account_names import NAME_PENDING, AccountNamesModel
from app.features.records.model import DATE, NO_VALUE, NUMBER, TEXT, short_date
from app.money import format_money
from app.qt.core import QObject, Qt


def stages_of(pipelines: Iterable[Pipeline]) -> dict[str, tuple[Pipeline, Stage]]:
    """Every stage of ``pipelines`` by id, with its pipeline."""
    return {stage.id: (pipeline, stage) for pipeline in pipelines for stage in pipeline.stages}


def close_text(when: date | None) -> str:
    """``2026-12-31``; "—" for none."""
    return when.isoformat() if when is not None else NO_VALUE


class DealsTableModel(AccountNamesModel[Opportunity]):
    """One row per deal: name, account, stage, amount, close date, owner, updated.

    The filter box matches the deal's name. The server sorts by name, amount, close date
    and last change; the account's and the stage's names are not the deal's own (the
    account's fill in per page, the stage's come from the pipelines the board reads).
    Amounts are shown in their own currency, as the board shows them, right-aligned.
    In a narrow list (a small window, the detail panel open) the last change, the close
    date, the stage, the account and the owner give way in that order: the name and the
    amount always show, the panel has the rest.
    """

    NAME, ACCOUNT, STAGE, AMOUNT, CLOSE, OWNER, UPDATED = range(7)
    HEADERS = ("Name", "Account", "Stage", "Amount", "Close date", "Owner", "Updated")
    SORT_KEYS = ("name", None, None, "amount", "close_date", None, "updated_at")
    NUMBER_COLUMNS = (AMOUNT,)
    SPARE_COLUMNS = (UPDATED, CLOSE, STAGE, ACCOUNT, OWNER)
    OWNER_COLUMN = OWNER
    ACCOUNT_COLUMN = ACCOUNT
    DEFAULT_SORT = "-updated_at"
    FILTER_FIELD = "name"
    FILTER_LABEL = "deal name"
    FILTERS: tuple[tuple[str, str, str], ...] = (
        ("name", "Name", TEXT),
        ("amount", "Amount", NUMBER),
        ("currency", "Currency", TEXT),
        ("close_date", "Close date", DATE),
        ("probability_override", "Probability set on the deal", NUMBER),
        ("created_at", "Created", DATE),
        ("updated_at", "Updated", DATE),
    )
    NOUN = "deal"
    EMPTY_TEXT = "No deals yet"
    NO_MATCH_TEXT = "No deals match"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stages: dict[str, tuple[Pipeline, Stage]] = {}

    def set_pipelines(self, pipelines: Iterable[Pipeline]) -> None:
        """Name the stages after ``pipelines``' (the board's)."""
        self._stages = stages_of(pipelines)
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, self.STAGE),
                self.index(self.rowCount() - 1, self.STAGE),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
            )

    @property
    def stages(self) -> Mapping[str, tuple[Pipeline, Stage]]:
        """The stages known, by id, with their pipelines."""
        return self._stages

    def stage_text(self, record: Opportunity) -> str:
        """The deal's stage by name ("…" until the pipelines are known)."""
        found = self._stages.get(record.stage_id)
        if found is None:
            return NAME_PENDING if record.stage_id else NO_VALUE
        return found[1].name

    def cell(self, record: Opportunity, column: int) -> str:
        if column == self.NAME:
            return record.name
        if column == self.ACCOUNT:
            return self.account_text(record.account_id)
        if column == self.STAGE:
            return self.stage_text(record)
        if column == self.AMOUNT:
            return format_money(record.amount, record.currency)
        if column == self.CLOSE:
            return close_text(record.close_date)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

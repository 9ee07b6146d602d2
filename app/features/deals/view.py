"""The deals list: every deal the user may see, paged and sorted by the server, one of
them in a detail panel beside the list; created and edited in the deal editor the
board uses (:class:`~app.features.opportunities.view.OpportunityDialog`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.api.live import Change
from app.api.pipelines import Pipeline
from app.api.records import Opportunity
from app.errors import UserMessage
from app.features.deals.model import DealsTableModel, close_text
from app.features.deals.ops import DealRecordOps
from app.features.live.model import LiveChanges
from app.features.opportunities.ops import OpportunityEditorOps
from app.features.opportunities.view import OpportunityDialog
from app.features.records.account_lookup import AccountNameLookup
from app.features.records.conditions import FilterField
from app.features.records.detail import STATUS_LABELS, RecordDetail
from app.features.records.editing import EditableRecordPage
from app.features.records.form import FormEntry, entry
from app.features.records.model import CHOICE, NO_VALUE, short_date
from app.features.records.notices import message_text
from app.features.records.ops import RecordLoader
from app.money import format_money
from app.ops import FailureHandler
from app.qt.gui import QHideEvent
from app.qt.widgets import QDialog, QWidget
from app.widgets.record_form import KeyedChoiceInput, OptionalDateInput, WholeNumberInput

LoadPipelines = Callable[[Callable[[list[Pipeline]], None], FailureHandler], Any]
"""Reads the company's pipelines (the board's call)."""


class DealDetail(RecordDetail):
    """One deal's fields and custom fields beside the list; its account opens on click.

    Args:
        model: The list's model (it knows the stages' and accounts' names).
        owner_name: Names an owner by user id.
        parent: The parent widget.
    """

    def __init__(
        self,
        model: DealsTableModel,
        owner_name: Callable[[str | None], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("dealDetailPanel", parent)
        self._model = model
        self._owner_name = owner_name
        self.account_names: dict[str, str] = {}
        """Names of the accounts seen, by id."""

    @property
    def deal(self) -> Opportunity | None:
        """The deal shown."""
        record = self.record
        return record if isinstance(record, Opportunity) else None

    def account_text(self, record: Opportunity) -> str:
        """The deal's account by name ("Loading…" until it is known)."""
        if record.account_id is None:
            return NO_VALUE
        known = self.account_names.get(record.account_id) or self._model.account_name(
            record.account_id
        )
        return known or "Loading…"

    def field_rows(self, record: Opportunity) -> list[tuple[str, str]]:
        found = self._model.stages.get(record.stage_id)
        stage = NO_VALUE
        if found is not None:
            pipeline, step = found
            several = len({p.id for p, _s in self._model.stages.values()}) > 1
            stage = f"{pipeline.name} · {step.name}" if several else step.name
        return [
            ("Account", self.account_text(record)),
            ("Stage", stage),
            ("Status", STATUS_LABELS.get(record.status, record.status.capitalize())),
            ("Amount", format_money(record.amount, record.currency)),
            ("Probability", f"{record.probability}%"),
            ("Weighted", format_money(record.weighted_amount, record.currency)),
            ("Close date", close_text(record.close_date)),
            ("Owner", self._owner_name(record.owner_id)),
        ]

    def related_fields(self, record: Opportunity) -> dict[str, tuple[str, str]]:
        return {"Account": ("account", record.account_id)} if record.account_id else {}

    def footer_rows(self, record: Opportunity) -> list[tuple[str, str]]:
        return [("Updated", short_date(record.updated_at))]

    def names_arrived(self, names: dict[str, str]) -> None:
        """Account names arrived: the deal shown names its account if it is among them."""
        self.account_names.update(names)
        deal = self.deal
        if deal is not None and deal.account_id in names:
            self.set_value("Account", names[deal.account_id])


class DealsListPage(EditableRecordPage[Opportunity]):
    """The deals as a list (the Pipeline page's List view); several selected bring the
    bulk bar (assign, set a field, delete with Undo, export).

    Args:
        deals: The deal calls.
        editor: The deal editor's calls.
        load_pipelines: Reads the pipelines (the stages' names, the editor's stages).
        autoload: Load the first page when the page is first shown.
        parent: The parent widget.
    """

    detail: DealDetail

    def __init__(
        self,
        deals: DealRecordOps,
        editor: OpportunityEditorOps,
        load_pipelines: LoadPipelines,
        *,
        autoload: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        model = DealsTableModel()
        loader: RecordLoader[Opportunity] = deals.loader(model)
        detail = DealDetail(model, lambda owner: self.owners.name(owner))
        super().__init__(
            "deal",
            deals,
            detail,
            "Pipeline",
            "Every deal you can see; select several to change them at once.",
            model,
            loader,
            widths=(200, 156, 112, 120, 104, 136, 104),
            stretch=DealsTableModel.NAME,
            autoload=autoload,
            new_label="New deal",
            parent=parent,
        )
        self.setObjectName("dealsListPage")
        model.setParent(self)
        loader.setParent(self)
        self._rows = model
        self._editor = editor
        self._load_pipelines = load_pipelines
        self.pipelines: list[Pipeline] = []
        self.deal_dialog: OpportunityDialog | None = None
        """The deal editor opened from the list, while it is open."""
        self.account_names = AccountNameLookup(
            model, deals.account_names, self.banner, "deals", self
        )
        """Fills the Account column, a page at a time."""
        self.account_names.arrived.connect(detail.names_arrived)
        self.owners.changed.connect(self._reshow)
        self.live_rows.record_updated.connect(lambda record: self._tell_editor(record.id, record))
        self.live_rows.record_deleted.connect(lambda record_id: self._tell_editor(record_id, None))

    # ------------------------------------------------------------------ pipelines

    def first_shown(self) -> None:
        super().first_shown()
        if not self.pipelines:
            self.load_pipelines()

    def load_pipelines(self, then: Callable[[], None] | None = None) -> None:
        """Read the pipelines (then call ``then()``, if given)."""

        def failed(message: UserMessage) -> None:
            text = f"The pipelines' stages could not be loaded. {message_text(message)}"
            self.banner.show_message(text, "error")

        def arrived(pipelines: list[Pipeline]) -> None:
            self.show_pipelines(pipelines)
            if then is not None:
                then()

        self._load_pipelines(arrived, failed)

    def show_pipelines(self, pipelines: Sequence[Pipeline]) -> None:
        """Name the stages after ``pipelines`` (the board's, whenever it reads them)."""
        self.pipelines = list(pipelines)
        self._rows.set_pipelines(self.pipelines)
        self._reshow()

    def _reshow(self) -> None:
        shown = self.shown_record()
        if shown is not None:
            self.detail.show_record(shown)

    # ------------------------------------------------------------------ the detail

    def open_record(self, record: Opportunity) -> None:
        self.detail.show_record(record)
        if record.account_id is not None and self.detail.account_text(record) == "Loading…":
            self.account_names.load([record.account_id])  # opened before its row named it

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date (see the base class), its account names too."""
        super().follow(live)
        self.account_names.follow(live)

    def account_changed(self, change: Change) -> None:
        """An account changed somewhere: read its name again soon if a row shows it."""
        self.account_names.account_changed(change)

    # ------------------------------------------------------------------ bulk "Set a field"

    def form_entries(self, parent: QWidget) -> list[FormEntry]:
        """The fields "Set a field…" may give many deals at once (the editor is the
        deal's form)."""
        stages = KeyedChoiceInput(parent)
        several = len(self.pipelines) > 1
        stages.set_choices(
            [
                (f"{pipeline.name} · {stage.name}" if several else stage.name, stage.id)
                for pipeline in self.pipelines
                for stage in pipeline.stages
            ]
        )
        return [
            entry("stage_id", "Stage", stages, parent, required="Choose a stage."),
            entry("close_date", "Close date", OptionalDateInput(parent), parent),
            entry(
                "probability_override",
                "Probability (%)",
                WholeNumberInput("Empty: the stage's", parent),
                parent,
            ),
        ]

    def filter_fields(self) -> list[FilterField]:
        """The list's fields, the stage and the status, the owner and custom fields."""
        several = len(self.pipelines) > 1
        stages = tuple(
            (f"{pipeline.name} · {stage.name}" if several else stage.name, stage.id)
            for pipeline in self.pipelines
            for stage in pipeline.stages
        )
        status = tuple((label, key) for key, label in STATUS_LABELS.items())
        fields = super().filter_fields()
        return [
            fields[0],
            FilterField("stage_id", "Stage", CHOICE, stages),
            FilterField("status", "Status", CHOICE, status),
            *fields[1:],
        ]

    def value_names(self) -> dict[str, str]:
        names = super().value_names()
        names.update({stage_id: stage.name for stage_id, (_p, stage) in self._rows.stages.items()})
        names.update({key: label for key, label in STATUS_LABELS.items()})
        return names

    def merge_value_text(self, field: str, value: Any) -> str:
        if field == "stage_id" and isinstance(value, str) and value in self._rows.stages:
            return self._rows.stages[value][1].name
        return super().merge_value_text(field, value)

    # ------------------------------------------------------------------ the deal editor

    # Both answer with the deal's own editor, not the generic record form the base
    # class types them with (a deal has stages, an amount in a currency, a contact).
    def open_new_dialog(self) -> OpportunityDialog | None:  # type: ignore[override]
        """Open the deal editor on a new deal, in the default pipeline's first stage."""
        if not self.pipelines:
            self.load_pipelines(self._new_if_known)
            return None
        return self._open_editor(self.pipelines[0], None)

    def _new_if_known(self) -> None:
        if self.pipelines:
            self._open_editor(self.pipelines[0], None)

    def open_edit_dialog(self, record: Opportunity) -> OpportunityDialog | None:  # type: ignore[override]
        """Open the deal editor on ``record``, with its own pipeline's stages."""
        pipeline = next((p for p in self.pipelines if p.id == record.pipeline_id), None)
        if pipeline is None:
            if not self.pipelines:
                self.load_pipelines(lambda: self._edit_if_known(record))
                return None
            self.banner.show_message("That deal's pipeline could not be found.", "error")
            return None
        return self._open_editor(pipeline, record)

    def _edit_if_known(self, record: Opportunity) -> None:
        if any(p.id == record.pipeline_id for p in self.pipelines):
            self.open_edit_dialog(record)
        else:
            self.banner.show_message("That deal's pipeline could not be found.", "error")

    def _open_editor(self, pipeline: Pipeline, record: Opportunity | None) -> OpportunityDialog:
        if self.deal_dialog is not None:
            self.deal_dialog.discard()
        dialog = OpportunityDialog(self._editor, pipeline, record, owners=self.owners, parent=self)
        creating = record is None

        def saved(deal: Opportunity) -> None:
            what = "Created" if creating else "Saved the changes to"
            self._show_saved(deal, f"{what} “{deal.name}”.")

        dialog.saved.connect(saved)
        dialog.finished.connect(lambda _r: self._editor_closed(dialog))
        self.deal_dialog = dialog
        dialog.open()
        return dialog

    def _editor_closed(self, dialog: QDialog) -> None:
        if self.deal_dialog is dialog:
            self.deal_dialog = None
        dialog.deleteLater()

    def _tell_editor(self, deal_id: str, record: Opportunity | None) -> None:
        """A deal changed elsewhere: the editor open on it says so (as on the board)."""
        if self.deal_dialog is not None:
            self.deal_dialog.notice_change(deal_id, record)

    def hideEvent(self, event: QHideEvent) -> None:
        # The window closes (signing out): the editor must not keep asking the server.
        if self.deal_dialog is not None:
            self.deal_dialog.discard()
        super().hideEvent(event)

"""The opportunity editor: a dialog to create a deal or change one.

The dialog stays open while the server is asked. Problems it can see itself
(an amount with too many decimals) show under their field at once; the
server's objections (422) show under the fields they name; a change someone
else made meanwhile (412) is said plainly, with a way to reload.
"""

from __future__ import annotations

from typing import Any

from app.api.pipelines import Pipeline, Stage
from app.api.records import Account, Contact, Opportunity
from app.errors import UserMessage
from app.features.opportunities.draft import Draft, put_back, values_of
from app.features.opportunities.fields import AmountEdit, CloseDateEdit
from app.features.opportunities.model import (
    CURRENCIES,
    MAX_NAME,
    MAX_REASON,
    InputProblem,
    OpportunityForm,
    parse_probability,
)
from app.features.opportunities.note import ChangedNote
from app.features.opportunities.ops import OpportunityContext, OpportunityEditorOps
from app.features.opportunities.parts import (
    GONE_TEXT,
    RELOADED_TEXT,
    STALE_TEXT,
    account_labels,
    currency_label,
    fill_contacts,
    pair,
    sentence,
)
from app.features.records.owners import OwnerDirectory
from app.qt.core import QStringListModel, Qt, QTimer, Signal
from app.qt.widgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.dialogs import FormDialog
from app.widgets.form import FormField, MessageBanner, fit_height
from app.widgets.record_form import KeyedChoiceInput

SEARCH_DELAY_MS = 250
"""How long typing in the account field must pause before the server is asked."""


class OpportunityDialog(FormDialog):
    """Create an opportunity, or edit one (its latest version is loaded first).

    Opens with the cursor in the name; closing it with unsaved changes asks first.
    After "someone else changed it", Reload brings their version and keeps what the
    user changed (:mod:`~app.features.opportunities.draft`).

    Args:
        editor: The editor's calls.
        pipeline: The pipeline whose stages the deal can be in.
        record: The deal to edit (as the board shows it); ``None`` for a new one.
        stage_id: The stage a new deal starts in (default: the first).
        owners: The colleagues a deal may be given to (no Owner field without).
        parent: The parent widget.

    Signals:
        saved(object): The :class:`Opportunity` as the server saved it.
    """

    saved = Signal(object)

    def __init__(
        self,
        editor: OpportunityEditorOps,
        pipeline: Pipeline,
        record: Opportunity | None = None,
        *,
        stage_id: str | None = None,
        owners: OwnerDirectory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("opportunityDialog")
        self._owners = owners
        self.draft = Draft()
        self._contacts: list[Contact] = []
        self._editor = editor
        self._pipeline = pipeline
        self.record = record
        self.account: Account | None = None
        self.account_results: list[Account] = []
        self._account_labels: dict[str, Account] = {}
        self.loading = False
        self.saving = False
        self._newer_version = 0
        self._gone = False
        adding = record is None
        self.setWindowTitle("New opportunity" if record is None else f"Edit {record.name}")
        self.setModal(True)
        self.setMinimumWidth(640)  # room for a contact's name and title in the picker

        title = QLabel("New opportunity" if adding else "Edit opportunity", self)
        title.setProperty("role", "headline")

        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(MAX_NAME)
        self.name_edit.setPlaceholderText("e.g. Acme — 200 seats")
        self.account_edit = QLineEdit(self)
        self.account_edit.setPlaceholderText("Type to find an account")
        self.account_edit.setClearButtonEnabled(True)
        self._account_names = QStringListModel(self)
        self.completer = QCompleter(self._account_names, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.account_edit.setCompleter(self.completer)
        self.completer.activated.connect(self._account_picked)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search_accounts)
        self.account_edit.textEdited.connect(self._account_typed)

        self.contact_combo = QComboBox(self)
        self.contact_combo.addItem("No primary contact", None)
        self.contact_combo.setEnabled(False)

        self.currency_combo = QComboBox(self)
        for code in CURRENCIES:
            self.currency_combo.addItem(currency_label(code), code)
        self.amount_edit = AmountEdit("USD", self)
        self.currency_combo.currentIndexChanged.connect(self._currency_changed)

        self.stage_combo = QComboBox(self)
        for stage in pipeline.stages:
            self.stage_combo.addItem(f"{stage.name} · {stage.probability}%", stage.id)
        self.stage_combo.currentIndexChanged.connect(self._stage_changed)
        self.probability_edit = QLineEdit(self)
        self.probability_edit.setMaxLength(4)

        self.close_edit = CloseDateEdit(self)
        self.clear_date_button = QPushButton("Clear", self)
        self.clear_date_button.setToolTip("Remove the close date")
        self.clear_date_button.clicked.connect(lambda: self.close_edit.set_value(None))
        close_row = QWidget(self)
        close_layout = QHBoxLayout(close_row)
        close_layout.setContentsMargins(0, 0, 0, 0)
        close_layout.setSpacing(6)
        close_layout.addWidget(self.close_edit, 1)
        close_layout.addWidget(self.clear_date_button)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setMaxLength(MAX_REASON)
        self.owner_combo = KeyedChoiceInput(self)
        self.owner_combo.setObjectName("opportunityOwner")

        self.name_field = FormField("Name", self.name_edit, parent=self)
        self.account_field = FormField("Account", self.account_edit, parent=self)
        self.contact_field = FormField(
            "Primary contact", self.contact_combo, "Pick the account first.", parent=self
        )
        self.amount_field = FormField("Amount", self.amount_edit, parent=self)
        self.currency_field = FormField("Currency", self.currency_combo, parent=self)
        self.stage_field = FormField("Stage", self.stage_combo, parent=self)
        self.probability_field = FormField(
            "Probability (%)", self.probability_edit, "Leave empty to use the stage's.", parent=self
        )
        self.close_field = FormField("Close date", close_row, parent=self)
        self.reason_field = FormField("Why it was lost", self.reason_edit, parent=self)
        self.owner_field = FormField("Owner", self.owner_combo, parent=self)
        self.owner_field.setVisible(owners is not None)
        self.fields: dict[str, FormField] = {
            "name": self.name_field,
            "account_id": self.account_field,
            "primary_contact_id": self.contact_field,
            "amount": self.amount_field,
            "currency": self.currency_field,
            "stage_id": self.stage_field,
            "probability_override": self.probability_field,
            "close_date": self.close_field,
            "closed_reason": self.reason_field,
            "owner_id": self.owner_field,
        }

        self.note = ChangedNote(self)
        self.note.reload_requested.connect(self.reload)

        self.banner = MessageBanner(self)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("dialogProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.hide()
        self.reload_button = QPushButton("Reload", self)
        self.reload_button.clicked.connect(self.reload)
        self.reload_button.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)  # Enter saves; it never throws work away
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(self._save_text(), self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(self.note)
        layout.addWidget(self.name_field)
        layout.addLayout(pair(self.account_field, self.contact_field))
        layout.addLayout(pair(self.amount_field, self.currency_field))
        layout.addLayout(pair(self.stage_field, self.probability_field))
        layout.addLayout(pair(self.close_field, self.owner_field))
        layout.addWidget(self.reason_field)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

        for name, field in self.fields.items():
            editor_widget = field.editor
            if isinstance(editor_widget, QLineEdit):
                editor_widget.textEdited.connect(lambda _t, f=field: f.set_error(""))
            del name
        self.amount_edit.editingFinished.connect(self._check_amount)

        if owners is not None:
            owners.changed.connect(self._offer_owners)
            self._offer_owners()
            owners.load()
        if record is None:
            first = pipeline.stages[0].id if pipeline.stages else None
            self._select_stage(stage_id or first)
            self._stage_changed()
            if owners is not None:
                self.owner_combo.set_value(owners.me, owners.name(owners.me))
            self.draft.settle(self)
        else:
            self._fill(record)
            self.draft.settle(self)
            self.reload()

    # ------------------------------------------------------------------ the draft

    def field_values(self) -> dict[str, Any]:
        """Each input's value as typed (what a reload keeps of the user's changes)."""
        return values_of(self)

    def put_value(self, key: str, value: Any) -> None:
        """Put back a value the user typed (after a reload)."""
        put_back(self, key, value)

    def has_unsaved_changes(self) -> bool:
        """Whether the user changed a field since the deal was loaded (or opened new)."""
        return not self.saving and bool(self.draft.changed(self))

    def first_field(self) -> QWidget | None:
        return self.name_edit

    def _offer_owners(self) -> None:
        owners = self._owners
        if owners is None:
            return
        self.owner_combo.set_choices([(user.name, user.id) for user in owners.assignable()])
        current = self.owner_combo.value()
        if current is not None:  # a colleague's deal keeps its owner, shown by name
            index = self.owner_combo.findData(current)
            self.owner_combo.setItemText(index, owners.name(current))

    # ------------------------------------------------------------------ filling

    def _refit(self) -> None:
        """Fit the height to the fields once the layout has taken in what was shown
        or hidden (it does so on the next turn of the event loop)."""
        if self.isVisible():
            QTimer.singleShot(0, self, lambda: fit_height(self))

    def _save_text(self) -> str:
        if self.saving:
            return "Creating…" if self.record is None else "Saving…"
        return "Create opportunity" if self.record is None else "Save changes"

    def select_stage(self, stage_id: str | None) -> None:
        """Put ``stage_id`` in the Stage field (its hints follow)."""
        self._select_stage(stage_id)
        self._stage_changed()

    def _select_stage(self, stage_id: str | None) -> None:
        row = self.stage_combo.findData(stage_id)
        self.stage_combo.setCurrentIndex(max(row, 0))

    def _fill(self, record: Opportunity) -> None:
        self.name_edit.setText(record.name)
        code = record.currency.upper()
        if self.currency_combo.findData(code) < 0:
            self.currency_combo.addItem(currency_label(code), code)
        self.currency_combo.setCurrentIndex(self.currency_combo.findData(code))
        self.amount_edit.set_currency(code)
        self.amount_edit.set_amount(record.amount)
        self._select_stage(record.stage_id)
        self.probability_edit.setText(
            "" if record.probability_override is None else str(record.probability_override)
        )
        self.close_edit.set_value(record.close_date)
        self.reason_edit.setText(record.closed_reason or "")
        if self._owners is not None:
            self.owner_combo.set_value(record.owner_id, self._owners.name(record.owner_id))
        self._stage_changed()

    def notice_change(self, opportunity_id: str, record: Opportunity | None) -> None:
        """An opportunity was changed elsewhere (``record``, its new version) or
        deleted (``None``). If it is the one edited here, say so above the form,
        without touching what the user typed. A version the form already has (e.g.
        this window's own save coming back) is no news; while a load or a save is
        under way, its answer tells instead.
        """
        if self.record is None or opportunity_id != self.record.id:
            return
        if record is None:
            self._gone = True
        elif record.version > self.record.version:
            self._newer_version = max(self._newer_version, record.version)
        else:
            return
        if not self.loading and not self.saving:
            self._show_note()

    @property
    def changed_elsewhere(self) -> bool:
        """Whether the note that someone else changed or deleted the deal is shown."""
        return not self.note.isHidden()

    def _show_note(self) -> None:
        current = self.record.version if self.record is not None else 0
        if self._gone:
            self.note.show_gone()
        elif self._newer_version > current:
            self.note.show_changed()
        else:
            self.note.hide()
        self._refit()

    def reload(self) -> None:
        """Load the opportunity's latest version (editing only); the form shows it, with
        the fields the user changed still as the user typed them."""
        if self.record is None:
            return
        self.draft.keep(self, self.account, self._contacts)
        self._set_loading(True)
        self.note.hide()
        self.reload_button.hide()
        self.banner.show_message("Loading the latest version…", "info")
        self._editor.load(self.record.id, self._loaded, self._load_failed)

    def _loaded(self, context: OpportunityContext) -> None:
        self._set_loading(False)
        self.banner.clear_message()
        for field in self.fields.values():
            field.set_error("")
        self.record = context.record
        self._fill(context.record)
        self._set_account(context.account, context.contacts)
        self.contact_combo.setCurrentIndex(
            max(self.contact_combo.findData(context.record.primary_contact_id), 0)
        )
        kept_account, kept = self.draft.account, self.draft.take_kept()
        self.draft.settle(self)  # their version; what the user typed counts as changes
        if kept_account is not None:
            self._set_account(*kept_account)
        for key, value in kept.items():
            self.put_value(key, value)
        restored = list(kept)
        self._gone = False
        self._show_note()  # a change may have come while this version was on its way
        if restored:
            self.banner.show_message(RELOADED_TEXT, "info")
            first = next((k for k in restored if k in self.fields), "")
            target = self.fields[first].editor if first else self.account_edit
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.name_edit.setFocus()

    def _load_failed(self, message: UserMessage) -> None:
        self._set_loading(False)
        self.save_button.setEnabled(False)
        text = GONE_TEXT if message.code == "not_found" else sentence(message)
        self.banner.show_message(text, "error")
        self.reload_button.setVisible(message.code != "not_found")

    def _set_loading(self, loading: bool) -> None:
        self.loading = loading
        for field in self.fields.values():
            field.editor.setEnabled(not loading)
        self.clear_date_button.setEnabled(not loading)
        self.contact_combo.setEnabled(not loading and self.account is not None)
        self.save_button.setEnabled(not loading and not self.saving)
        self.progress.setVisible(loading or self.saving)

    # ------------------------------------------------------------------ account and contact

    def _account_typed(self, text: str) -> None:
        self.banner.clear_message()
        if self.account is not None and text.strip() != self.account.name:
            self._set_account(None, [])
        if text.strip():
            self._search_timer.start()

    def search_accounts(self) -> None:
        """Ask the server for accounts whose name contains what is typed."""
        self._search_timer.stop()
        text = self.account_edit.text().strip()
        if not text:
            return

        def found(accounts: list[Account]) -> None:
            if self.account_edit.text().strip() != text:
                return  # typing went on; a newer search follows
            self.account_results = accounts
            self._account_labels = account_labels(accounts)
            self._account_names.setStringList(list(self._account_labels))
            if not accounts:
                self.account_field.set_hint(f"No account's name contains “{text}”.")
            else:
                self.account_field.set_hint("")
                if self.account_edit.hasFocus():
                    self.completer.complete()

        self._editor.find_accounts(text, found, lambda m: self.account_field.set_error(sentence(m)))

    def _account_picked(self, label: str) -> None:
        match = self._account_labels.get(label)
        if match is not None:
            self.choose_account(match)

    def choose_account(self, account: Account) -> None:
        """Make ``account`` the deal's account and load its contacts."""
        self.account_field.set_error("")
        self.account_edit.setText(account.name)
        self._set_account(account, [])
        self.contact_combo.setEnabled(False)
        self.contact_field.set_hint("Loading contacts…")

        def arrived(contacts: list[Contact]) -> None:
            if self.account is not None and self.account.id == account.id:
                self._set_account(account, contacts)

        self._editor.load_contacts(
            account.id, arrived, lambda m: self.contact_field.set_error(sentence(m))
        )

    def _set_account(self, account: Account | None, contacts: list[Contact]) -> None:
        self.account = account
        self._contacts = list(contacts)
        if account is not None:
            self.account_edit.setText(account.name)
        fill_contacts(self.contact_combo, contacts)
        self.contact_combo.setEnabled(account is not None and not self.loading)
        if account is None:
            self.contact_field.set_hint("Pick the account first.")
        elif not contacts:
            self.contact_field.set_hint("This account has no contacts yet.")
        else:
            self.contact_field.set_hint("")

    # ------------------------------------------------------------------ amount, stage

    def _currency_changed(self) -> None:
        self.amount_edit.set_currency(str(self.currency_combo.currentData()))
        self._check_amount()

    def _check_amount(self) -> None:
        try:
            self.amount_edit.amount()
        except InputProblem as problem:
            self.amount_field.set_error(str(problem))
        else:
            self.amount_field.set_error("")

    def selected_stage(self) -> Stage | None:
        """The stage chosen in the form."""
        return self._pipeline.stage(str(self.stage_combo.currentData()))

    def _stage_changed(self) -> None:
        stage = self.selected_stage()
        if stage is None:
            return
        self.probability_edit.setPlaceholderText(f"{stage.probability} (the stage's)")
        hints = {
            "won": "Closes the deal as won.",
            "lost": "Closes the deal as lost.",
        }
        self.stage_field.set_hint(hints.get(stage.outcome, "An open deal."))
        self.reason_field.label.setText(
            "Why it was won" if stage.outcome == "won" else "Why it was lost"
        )
        self.reason_field.setVisible(stage.closes)
        self._refit()

    # ------------------------------------------------------------------ saving

    def read_form(self) -> OpportunityForm | None:
        """The form's values, or ``None`` after showing what is wrong under the fields."""
        for field in self.fields.values():
            field.set_error("")
        self.banner.clear_message()
        problems: dict[str, str] = {}
        name = self.name_edit.text().strip()
        if not name:
            problems["name"] = "Give the deal a name."
        if self.account is None and self.account_edit.text().strip():
            typed = self.account_edit.text().strip().lower()
            match = [a for a in self.account_results if a.name.lower() == typed]
            if len(match) == 1:
                self.account = match[0]
            else:
                problems["account_id"] = "Pick an account from the list (type to search)."
        amount = probability = None
        try:
            amount = self.amount_edit.amount()
        except InputProblem as exc:
            problems["amount"] = str(exc)
        else:
            if not self.amount_edit.hasFocus():
                self.amount_edit.set_amount(amount)  # read back as money
        try:
            probability = parse_probability(self.probability_edit.text())
        except InputProblem as exc:
            problems["probability_override"] = str(exc)
        stage = self.selected_stage()
        if stage is None:
            problems["stage_id"] = "Pick a stage."
        for key, text in problems.items():
            self.fields[key].set_error(text)
        if problems or stage is None:
            first = next(iter(problems), "")
            if first:
                self.fields[first].editor.setFocus()
            return None
        reason = self.reason_edit.text().strip() if stage.closes else ""
        return OpportunityForm(
            name=name,
            account_id=self.account.id if self.account is not None else None,
            primary_contact_id=self.contact_combo.currentData() if self.account else None,
            amount=amount,
            currency=str(self.currency_combo.currentData()),
            stage_id=stage.id,
            probability_override=probability,
            close_date=self.close_edit.value(),
            closed_reason=reason or None,
            owner_id=self.owner_combo.value() if self._owners is not None else None,
        )

    def submit(self) -> None:
        """Check the form and save it; the dialog closes once the server agreed."""
        if self.loading or self.saving:
            return
        form = self.read_form()
        if form is None:
            return
        if self.record is None:
            self._set_saving(True)
            self._editor.create(form.as_fields(), self._saved, self.show_failure)
            return
        changes = form.changes_from(self.record)
        if not changes:
            self.accept()
            return
        self._set_saving(True)
        self._editor.update(self.record, changes, self._saved, self.show_failure)

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        self.save_button.setEnabled(not saving and not self.loading)
        self.save_button.setText(self._save_text())
        self.cancel_button.setEnabled(not saving)
        self.progress.setVisible(saving or self.loading)

    def _saved(self, record: Opportunity) -> None:
        self._set_saving(False)
        self.record = record
        self.saved.emit(record)
        self.accept()

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objections beside their fields, the rest in the banner."""
        self._set_saving(False)
        if message.code in ("stale_write", "not_found"):
            self.note.hide()  # the banner says it, with what to do
        if message.code == "stale_write":
            self.banner.show_message(STALE_TEXT, "error")
            self.reload_button.show()
        elif message.code == "not_found" and self.record is not None:
            self.banner.show_message(GONE_TEXT, "error")
            self.save_button.setEnabled(False)
        else:
            unplaced = []
            focused = False
            for name, problem in message.fields.items():
                field = self.fields.get(name)
                if field is not None and field.isVisibleTo(self):
                    field.set_error(problem)
                    if not focused:
                        field.editor.setFocus()
                        focused = True
                else:
                    unplaced.append(f"{name.replace('_', ' ').capitalize()}: {problem}")
            if not message.fields or unplaced:
                self.banner.show_message("\n".join([sentence(message), *unplaced]), "error")
        self._refit()

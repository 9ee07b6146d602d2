"""What the user typed in the opportunity editor, kept through a reload: after "someone
else changed it", Reload brings their version and the fields the user changed keep
what the user typed (and count as changes against the new version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from app.api.records import Account, Contact
from app.qt.widgets import QComboBox, QLineEdit
from app.widgets.record_form import KeyedChoiceInput


class EditorFields(Protocol):
    """What a draft reads and writes of the editor (its inputs, as plain values)."""

    def field_values(self) -> dict[str, Any]: ...

    def put_value(self, key: str, value: Any) -> None: ...


@dataclass
class Draft:
    """The editor's values as last loaded (``baseline``) and what the user changed.

    Attributes:
        baseline: Each input's value as the record was loaded (or as a new form opened).
        kept: Values typed before a reload, by key, to put back once it is in.
        account: The account chosen before the reload (with its contacts), if changed.
    """

    baseline: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)
    account: tuple[Account | None, list[Contact]] | None = None

    def settle(self, editor: EditorFields) -> None:
        """The form shows a record as loaded: what it shows now is unchanged."""
        self.baseline = editor.field_values()

    def changed(self, editor: EditorFields) -> list[str]:
        """The keys of the inputs the user changed since :meth:`settle`, in form order."""
        now = editor.field_values()
        return [key for key, value in now.items() if self.baseline.get(key) != value]

    def keep(self, editor: EditorFields, account: Account | None, contacts: list[Contact]) -> None:
        """Remember what the user changed, before a reload replaces the form."""
        now = editor.field_values()
        self.kept = {key: now[key] for key in self.changed(editor)}
        self.account = (account, contacts) if "account" in self.kept else None

    def take_kept(self) -> dict[str, Any]:
        """The remembered values to put back (the account aside: :attr:`account`), in form
        order; they are forgotten here."""
        kept = {key: value for key, value in self.kept.items() if key != "account"}
        self.kept = {}
        return kept


class OpportunityInputs(Protocol):
    """The editor's inputs a draft reads and writes."""

    @property
    def account(self) -> Account | None: ...
    @property
    def name_edit(self) -> QLineEdit: ...
    @property
    def account_edit(self) -> QLineEdit: ...
    @property
    def contact_combo(self) -> QComboBox: ...
    @property
    def amount_edit(self) -> QLineEdit: ...
    @property
    def currency_combo(self) -> QComboBox: ...
    @property
    def stage_combo(self) -> QComboBox: ...
    @property
    def probability_edit(self) -> QLineEdit: ...
    @property
    def close_edit(self) -> Any: ...
    @property
    def reason_edit(self) -> QLineEdit: ...
    @property
    def owner_combo(self) -> KeyedChoiceInput: ...

    def select_stage(self, stage_id: str | None) -> None: ...


def values_of(inputs: OpportunityInputs) -> dict[str, Any]:
    """Each input's value as typed, by the field it is (``account`` is the chosen one's id)."""
    return {
        "name": inputs.name_edit.text(),
        "account": inputs.account.id if inputs.account is not None else None,
        "account_text": inputs.account_edit.text(),
        "primary_contact_id": inputs.contact_combo.currentData(),
        "amount": inputs.amount_edit.text(),
        "currency": inputs.currency_combo.currentData(),
        "stage_id": inputs.stage_combo.currentData(),
        "probability_override": inputs.probability_edit.text(),
        "close_date": inputs.close_edit.value(),
        "closed_reason": inputs.reason_edit.text(),
        "owner_id": inputs.owner_combo.value(),
    }


def put_back(inputs: OpportunityInputs, key: str, value: Any) -> None:
    """Put a value the user typed back in its input (after a reload)."""
    texts: dict[str, QLineEdit] = {
        "name": inputs.name_edit,
        "account_text": inputs.account_edit,
        "amount": inputs.amount_edit,
        "probability_override": inputs.probability_edit,
        "closed_reason": inputs.reason_edit,
    }
    combos: dict[str, QComboBox] = {
        "primary_contact_id": inputs.contact_combo,
        "currency": inputs.currency_combo,
    }
    if key in texts:
        texts[key].setText(value)
    elif key in combos:
        combo = combos[key]
        combo.setCurrentIndex(max(combo.findData(value), 0))
    elif key == "stage_id":
        inputs.select_stage(value)
    elif key == "close_date":
        inputs.close_edit.set_value(value)
    elif key == "owner_id":
        inputs.owner_combo.set_value(value)

"""The opportunity editor against the real solo backend: exact amounts both ways, the
checks made before asking, the server's objections beside their fields, and a
change made meanwhile by someone else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.pipelines import Pipeline, PipelinesApi
from app.api.records import Opportunity
from app.features.opportunities.ops import OpportunityEditorOps
from app.features.opportunities.view import RELOADED_TEXT, STALE_TEXT, OpportunityDialog
from app.features.pipeline.model import StageCardsModel
from app.ops import Operations
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.pipeline.board_support import (
    open_board,
    opportunity,
    run,
    signed_in,
)
from tests.app.support import SIGN_IN_TIMEOUT_MS, SoloServer

HUGE = "9876543210987654.32"
"""The largest kind of amount the server keeps (numeric(18, 2)): 16 digits, then cents."""
HUGE_SHOWN = "$9,876,543,210,987,654.32"


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    """A company with an account that has two contacts."""
    tenant = sign_up(solo_server)
    acme = tenant.create("accounts", name="Acme Corp")
    tenant.create(
        "contacts", first_name="Ada", last_name="Lovelace", title="CTO", account_id=acme["id"]
    )
    tenant.create("contacts", first_name="Grace", last_name="Hopper", account_id=acme["id"])
    return tenant


@pytest.fixture
def client(tenant: Tenant, ops: Operations, qtbot: QtBot) -> Iterator[GatewayClient]:
    with signed_in(tenant, ops, qtbot) as client:
        yield client


@pytest.fixture
def editor(client: GatewayClient, ops: Operations) -> OpportunityEditorOps:
    return OpportunityEditorOps(client, ops)


@pytest.fixture
def pipeline(client: GatewayClient, ops: Operations, qtbot: QtBot) -> Pipeline:
    return run(ops, qtbot, PipelinesApi(client).pipelines())[0]


def new_dialog(editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot) -> OpportunityDialog:
    dialog = OpportunityDialog(editor, pipeline)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def edit_dialog(
    editor: OpportunityEditorOps, pipeline: Pipeline, record: dict[str, Any], qtbot: QtBot
) -> OpportunityDialog:
    dialog = OpportunityDialog(editor, pipeline, Opportunity.model_validate(record))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
    return dialog


def save(dialog: OpportunityDialog, qtbot: QtBot) -> list[Opportunity]:
    """Press Save and wait for the answer; what was saved (empty if refused)."""
    saved: list[Opportunity] = []
    dialog.saved.connect(saved.append)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=SIGN_IN_TIMEOUT_MS)
    return saved


def pick_account(dialog: OpportunityDialog, qtbot: QtBot, typed: str, name: str) -> None:
    """Type part of an account's name, wait for the server's matches, pick one."""
    dialog.account_edit.setText(typed)
    dialog.search_accounts()
    qtbot.waitUntil(
        lambda: any(a.name == name for a in dialog.account_results), timeout=SIGN_IN_TIMEOUT_MS
    )
    dialog.choose_account(next(a for a in dialog.account_results if a.name == name))
    qtbot.waitUntil(lambda: dialog.contact_combo.isEnabled(), timeout=SIGN_IN_TIMEOUT_MS)


def deal_count(tenant: Tenant) -> int:
    response = tenant.server.call(
        "GET", "/api/v1/opportunities", tenant.token, params={"limit": 200}
    )
    return len(response.json()["items"])


class TestAmounts:
    def test_a_large_amount_round_trips_exactly_and_reads_as_money(
        self,
        editor: OpportunityEditorOps,
        pipeline: Pipeline,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        tenant: Tenant,
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Huge deal")
        dialog.amount_edit.setText(HUGE)
        saved = save(dialog, qtbot)
        assert len(saved) == 1
        assert saved[0].amount == Decimal(HUGE)
        assert opportunity(tenant, saved[0].id)["amount"] == HUGE  # the server's own string

        page = open_board(client, ops, qtbot)
        found = page.find_card(saved[0].id)
        assert found is not None
        column, _card = found
        index = column.model.index(column.model.row_of(saved[0].id) or 0)
        assert index.data(StageCardsModel.AmountRole) == HUGE_SHOWN  # never "$undefined"

        again = page.open_editor(saved[0].id)
        assert isinstance(again, OpportunityDialog)
        qtbot.waitUntil(lambda: not again.loading, timeout=SIGN_IN_TIMEOUT_MS)
        assert again.amount_edit.text() == HUGE_SHOWN
        assert again.amount_edit.amount() == Decimal(HUGE)
        unchanged: list[int] = []
        again.finished.connect(unchanged.append)
        again.save_button.click()  # nothing changed: closes without asking the server
        assert unchanged
        assert opportunity(tenant, saved[0].id)["version"] == saved[0].version

    def test_an_amount_the_server_cannot_keep_is_refused_before_asking(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        before = deal_count(tenant)
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Too big")
        dialog.amount_edit.setText("123456789012345678.91")
        dialog.save_button.click()
        assert dialog.amount_field.error() == (
            "This amount is too large: at most 16 digits before the decimal mark."
        )
        assert not dialog.saving

        dialog.amount_edit.setText("12.345")
        dialog.save_button.click()
        assert dialog.amount_field.error() == (
            "USD amounts have at most 2 digits after the decimal mark."
        )

        dialog.currency_combo.setCurrentIndex(dialog.currency_combo.findData("JPY"))
        dialog.amount_edit.setText("1234.5")
        dialog.save_button.click()
        assert dialog.amount_field.error() == "JPY amounts have no decimals."
        assert deal_count(tenant) == before

    def test_yen_have_no_cents_and_euros_read_as_euros(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Tokyo office")
        dialog.currency_combo.setCurrentIndex(dialog.currency_combo.findData("JPY"))
        dialog.amount_edit.setText("1,234,567")
        saved = save(dialog, qtbot)
        assert opportunity(tenant, saved[0].id)["amount"] == "1234567.00"
        assert opportunity(tenant, saved[0].id)["currency"] == "JPY"

        again = edit_dialog(editor, pipeline, opportunity(tenant, saved[0].id), qtbot)
        assert again.amount_edit.text() == "¥1,234,567"
        again.currency_combo.setCurrentIndex(again.currency_combo.findData("EUR"))
        assert again.amount_edit.text() == "€1,234,567.00"


class TestServerAnswers:
    def test_a_422_from_the_server_shows_beside_the_field(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        doomed = tenant.create("accounts", name="Doomed Ltd")
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Deal with a vanishing account")
        pick_account(dialog, qtbot, "Doomed", "Doomed Ltd")
        # The account is deleted while the form is open: the server refuses the reference.
        response = tenant.server.call("DELETE", f"/api/v1/accounts/{doomed['id']}", tenant.token)
        assert response.status_code == 204, response.text

        assert save(dialog, qtbot) == []
        assert dialog.account_field.error() == "This is not an account you can see."
        assert dialog.name_field.error() == ""
        assert not dialog.banner.isVisible()
        assert dialog.isVisible()
        assert dialog.save_button.isEnabled()

    def test_a_change_made_meanwhile_is_refused_and_can_be_reloaded(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        record = tenant.create("opportunities", name="Contested", amount="500.00")
        dialog = edit_dialog(editor, pipeline, record, qtbot)
        response = tenant.server.call(
            "PATCH",
            f"/api/v1/opportunities/{record['id']}",
            tenant.token,
            json={"name": "Contested (renamed by a colleague)"},
        )
        assert response.status_code == 200, response.text

        dialog.amount_edit.setText("750")
        assert save(dialog, qtbot) == []
        assert dialog.banner.text() == STALE_TEXT
        assert dialog.reload_button.isVisible()
        assert opportunity(tenant, record["id"])["amount"] == "500.00"

        dialog.reload_button.click()
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
        # Their change shows; the amount the user typed is kept, and the cursor is in it.
        assert dialog.name_edit.text() == "Contested (renamed by a colleague)"
        assert dialog.amount_edit.amount() == Decimal("750")
        assert dialog.banner.text() == RELOADED_TEXT
        assert dialog.focusWidget() is dialog.amount_edit
        assert len(save(dialog, qtbot)) == 1
        saved = opportunity(tenant, record["id"])
        assert (saved["name"], saved["amount"]) == ("Contested (renamed by a colleague)", "750.00")

    def test_saving_shows_progress_and_disables_save(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Quick one")
        closed: list[int] = []
        dialog.finished.connect(closed.append)
        dialog.save_button.click()
        assert not dialog.save_button.isEnabled()
        assert dialog.save_button.text() == "Creating…"
        assert dialog.progress.isVisible()
        qtbot.waitUntil(lambda: bool(closed), timeout=SIGN_IN_TIMEOUT_MS)


class TestFields:
    def test_account_contact_stage_probability_date_and_lost_reason_are_saved(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.name_edit.setText("Acme rollout")
        pick_account(dialog, qtbot, "acme", "Acme Corp")
        labels = [dialog.contact_combo.itemText(i) for i in range(dialog.contact_combo.count())]
        assert labels == ["No primary contact", "Grace Hopper", "Ada Lovelace · CTO"]
        dialog.contact_combo.setCurrentIndex(2)

        proposal = pipeline.stages[3]
        dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(proposal.id))
        assert dialog.probability_edit.placeholderText() == "60 (the stage's)"
        assert dialog.reason_field.isHidden()
        lost = next(stage for stage in pipeline.stages if stage.outcome == "lost")
        dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(lost.id))
        assert dialog.reason_field.isVisible()
        assert dialog.reason_field.label.text() == "Why it was lost"
        assert dialog.stage_field.hint_label.text() == "Closes the deal as lost."
        dialog.reason_edit.setText("No budget this year")
        dialog.probability_edit.setText("35%")
        dialog.close_edit.set_value(date(2030, 6, 30))

        saved = save(dialog, qtbot)
        record = opportunity(tenant, saved[0].id)
        assert record["primary_contact_id"] == dialog.contact_combo.itemData(2)
        assert (record["status"], record["closed_reason"]) == ("lost", "No budget this year")
        assert (record["probability_override"], record["close_date"]) == (35, "2030-06-30")

        again = edit_dialog(editor, pipeline, record, qtbot)
        assert again.account_edit.text() == "Acme Corp"
        assert again.contact_combo.currentText() == "Ada Lovelace · CTO"
        assert again.probability_edit.text() == "35"
        assert again.close_edit.value() == date(2030, 6, 30)
        again.close_edit.set_value(None)
        again.probability_edit.setText("")
        assert len(save(again, qtbot)) == 1
        record = opportunity(tenant, saved[0].id)
        assert (record["probability_override"], record["close_date"]) == (None, None)

    def test_picking_a_found_account_from_the_list_chooses_it(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.account_edit.setText("cme")
        dialog.search_accounts()
        qtbot.waitUntil(lambda: bool(dialog.account_results), timeout=SIGN_IN_TIMEOUT_MS)
        assert dialog.completer.model().index(0, 0).data() == "Acme Corp"
        dialog.completer.activated.emit("Acme Corp")  # what a click in the list sends
        assert dialog.account is not None
        assert dialog.account.name == "Acme Corp"
        qtbot.waitUntil(lambda: dialog.contact_combo.count() == 3, timeout=SIGN_IN_TIMEOUT_MS)

        dialog.account_edit.setText("nothing like it")
        dialog.account_edit.textEdited.emit("nothing like it")  # typing over it forgets it
        assert dialog.account is None
        dialog.search_accounts()
        qtbot.waitUntil(
            lambda: dialog.account_field.hint_label.text().startswith("No account"),
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        dialog.name_edit.setText("Orphan")
        dialog.save_button.click()
        assert dialog.account_field.error() == "Pick an account from the list (type to search)."

    def test_a_name_is_needed(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot
    ) -> None:
        dialog = new_dialog(editor, pipeline, qtbot)
        dialog.save_button.click()
        assert dialog.name_field.error() == "Give the deal a name."
        assert not dialog.saving


class TestChangedElsewhere:
    def test_a_newer_version_is_noted_without_touching_the_form(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        record = tenant.create("opportunities", name="Watched", amount="100.00")
        dialog = edit_dialog(editor, pipeline, record, qtbot)
        dialog.name_edit.setText("Typed here")

        # The version the form has (e.g. this window's own save coming back) is no news,
        # nor is another deal's change.
        same = Opportunity.model_validate(opportunity(tenant, record["id"]))
        dialog.notice_change(record["id"], same)
        dialog.notice_change("00000000-0000-0000-0000-000000000000", None)
        assert not dialog.changed_elsewhere

        response = tenant.server.call(
            "PATCH", f"/api/v1/opportunities/{record['id']}", tenant.token, json={"amount": "900"}
        )
        assert response.status_code == 200, response.text
        newer = Opportunity.model_validate(response.json())
        dialog.notice_change(record["id"], newer)

        assert dialog.changed_elsewhere
        assert dialog.note.label.text().startswith("<b>Changed by someone else</b>")
        assert dialog.name_edit.text() == "Typed here"
        assert dialog.amount_edit.text() == "$100.00"
        assert dialog.save_button.isEnabled()  # a note, not a lock
        # As the note says, saving now is refused; the banner takes over from the note.
        assert save(dialog, qtbot) == []
        assert dialog.banner.text() == STALE_TEXT
        assert not dialog.changed_elsewhere
        assert opportunity(tenant, record["id"])["amount"] == "900.00"

    def test_a_deletion_is_noted(
        self, editor: OpportunityEditorOps, pipeline: Pipeline, qtbot: QtBot, tenant: Tenant
    ) -> None:
        record = tenant.create("opportunities", name="Doomed deal")
        dialog = edit_dialog(editor, pipeline, record, qtbot)
        dialog.notice_change(record["id"], None)
        assert dialog.changed_elsewhere
        assert dialog.note.label.text().startswith("<b>Deleted by someone else</b>")
        assert dialog.note.reload_button.isHidden()

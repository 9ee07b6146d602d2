"""The Pipeline board against the real solo backend: columns and totals, paging,
moving a deal by dropping its card, and what a refused move does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.features.opportunities.view import OpportunityDialog
from app.features.pipeline.model import StageCardsModel
from app.features.pipeline.view import LostReasonDialog, PipelinePage
from app.ops import Operations
from app.qt.core import QModelIndex, Qt
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.pipeline.board_support import (
    board,
    company,
    drop,
    open_board,
    opportunity,
    signed_in,
    stages,
    wait_board,
    wait_moves,
)
from tests.app.support import SIGN_IN_TIMEOUT_MS, SoloServer

PAGED = 60  # more than a column's first page of 50
HUGE = "9876543210987654.32"  # the largest kind of amount the server keeps


@pytest.fixture
def deals(solo_server: SoloServer) -> tuple[Tenant, list[dict[str, Any]], dict[str, str]]:
    return company(solo_server)


@pytest.fixture
def client(
    deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]], ops: Operations, qtbot: QtBot
) -> Iterator[GatewayClient]:
    with signed_in(deals[0], ops, qtbot) as client:
        yield client


@pytest.fixture
def page(client: GatewayClient, ops: Operations, qtbot: QtBot) -> PipelinePage:
    return open_board(client, ops, qtbot)


def summary_of(page: PipelinePage, stage_id: str) -> tuple[int, dict[str, Decimal]]:
    column = page.columns[stage_id]
    return column.summary.count, column.summary.totals


class TestBoard:
    def test_columns_show_the_servers_counts_and_totals_per_currency(
        self, page: PipelinePage, deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]]
    ) -> None:
        tenant, steps, _ = deals
        assert page.pipeline_combo.isHidden()  # one pipeline: nothing to choose
        assert [c.name_label.text() for c in page.columns.values()] == [s["name"] for s in steps]
        for column in board(tenant)["columns"]:
            shown = page.columns[column["stage"]["id"]]
            assert shown.summary.count == column["count"]
            assert shown.summary.totals == {k: Decimal(v) for k, v in column["totals"].items()}
            assert shown.summary.weighted == {k: Decimal(v) for k, v in column["weighted"].items()}

        prospecting = page.columns[steps[0]["id"]]
        assert prospecting.count_label.text() == "2 deals"
        assert prospecting.totals_text() == ["€2.5K €250 weighted", "$10K $1K weighted"]
        assert prospecting.total_labels[0].toolTip() == "€2,500.50 total · €250.05 weighted"
        qualification = page.columns[steps[1]["id"]]
        assert qualification.count_label.text() == "1 deal"
        assert qualification.totals_text() == ["$1.2K $247 weighted"]
        empty = page.columns[steps[2]["id"]]
        assert empty.count_label.text() == "0 deals"
        assert empty.totals_text() == ["No amounts"]
        assert empty.body.currentWidget() is empty.empty_label

    def test_totals_beyond_one_amounts_digits_are_exact(
        self, solo_server: SoloServer, ops: Operations, qtbot: QtBot
    ) -> None:
        tenant = sign_up(solo_server)
        first = stages(tenant)[0]["id"]
        for name in ("Huge one", "Huge two"):  # each as large as one amount may be
            tenant.create("opportunities", name=name, amount=HUGE, stage_id=first)
        with signed_in(tenant, ops, qtbot) as client:
            column = open_board(client, ops, qtbot).columns[first]
            assert column.summary.known
            assert column.count_label.text() == "2 deals"
            assert column.summary.totals == {"USD": Decimal(HUGE) * 2}  # 19 digits, exact
            assert (
                column.total_labels[0].toolTip().startswith("$19,753,086,421,975,308.64 total · ")
            )

    def test_cards_show_name_account_exact_amount_close_date_and_owner(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        _, steps, ids = deals
        model = page.columns[steps[0]["id"]].model
        assert [card.name for card in model.cards()] == ["Globex pilot", "Acme seats"]  # by date
        late, soon = model.index(0), model.index(1)
        assert late.data(StageCardsModel.AccountRole) == "Globex"
        assert late.data(StageCardsModel.AmountRole) == "€2,500.50"
        assert late.data(StageCardsModel.OverdueRole) is True
        assert late.data(StageCardsModel.CloseRole).startswith("Overdue · ")
        assert soon.data(StageCardsModel.AmountRole) == "$10,000.00"
        assert soon.data(StageCardsModel.OverdueRole) is False
        assert soon.data(StageCardsModel.CloseRole).startswith("Closes ")
        qtbot.waitUntil(  # the owner's initials, once the colleagues' names arrived
            lambda: soon.data(StageCardsModel.OwnerRole) == "OO", timeout=SIGN_IN_TIMEOUT_MS
        )
        no_date = page.columns[steps[1]["id"]].model.index(0)
        assert no_date.data(StageCardsModel.CloseRole) == "No close date"
        assert ids["acme"] == soon.data(StageCardsModel.CardRole).id

    def test_every_card_is_named_and_a_deleted_account_says_so(
        self, solo_server: SoloServer, ops: Operations, qtbot: QtBot
    ) -> None:
        tenant = sign_up(solo_server)
        first = stages(tenant)[0]["id"]
        accounts = [tenant.create("accounts", name=f"Client {n:02d}") for n in range(15)]
        for account in accounts:  # more accounts than single lookups ever named
            tenant.create(
                "opportunities",
                name=f"Deal {account['name']}",
                account_id=account["id"],
                stage_id=first,
            )
        gone = accounts[0]
        response = tenant.server.call("DELETE", f"/api/v1/accounts/{gone['id']}", tenant.token)
        assert response.status_code == 204, response.text
        with signed_in(tenant, ops, qtbot) as client:
            model = open_board(client, ops, qtbot).columns[first].model
            named = {
                model.card_at(r).name: model.index(r).data(StageCardsModel.AccountRole)
                for r in range(model.rowCount())
            }
        assert named.pop("Deal Client 00") == "Account not found"
        assert named == {f"Deal Client {n:02d}": f"Client {n:02d}" for n in range(1, 15)}

    def test_opening_a_card_shows_it_in_the_editor(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        _, steps, ids = deals
        column = page.columns[steps[0]["id"]]
        row = column.model.row_of(ids["acme"])
        assert row is not None
        # Enter opens the current card, as a double-click does (both are "activated").
        column.list.setFocus()
        column.list.setCurrentIndex(column.model.index(row))
        qtbot.keyClick(column.list, Qt.Key.Key_Return)
        dialog = page.dialog
        assert isinstance(dialog, OpportunityDialog)
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
        assert dialog.name_edit.text() == "Acme seats"
        assert dialog.amount_edit.text() == "$10,000.00"
        assert dialog.account_edit.text() == "Acme Corp"
        dialog.reject()


@pytest.fixture(scope="module")
def crowded(solo_server: SoloServer) -> Tenant:
    """A company with 60 deals in Proposal."""
    tenant = sign_up(solo_server)
    proposal = stages(tenant)[3]["id"]
    account = tenant.create("accounts", name="Busy Co")
    for number in range(PAGED):
        tenant.create(
            "opportunities",
            name=f"Lead {number:02d}",
            account_id=account["id"],
            amount="100.00",
            stage_id=proposal,
            close_date=(date.today() + timedelta(days=number)).isoformat(),
        )
    return tenant


class TestPipelines:
    def test_a_company_with_several_pipelines_chooses_between_them(
        self,
        solo_server: SoloServer,
        ops: Operations,
        qtbot: QtBot,
    ) -> None:
        tenant = sign_up(solo_server)
        assert len(stages(tenant)) == 7  # the default pipeline exists from here on
        response = tenant.server.call(
            "POST",
            "/api/v1/pipelines",
            tenant.token,
            json={
                "name": "Renewals",
                "stages": [
                    {"name": "Due", "probability": 50},
                    {"name": "Renewed", "probability": 100, "outcome": "won"},
                    {"name": "Churned", "probability": 0, "outcome": "lost"},
                ],
            },
        )
        assert response.status_code == 201, response.text
        due = response.json()["stages"][0]["id"]
        tenant.create("opportunities", name="Acme renewal", amount="900.00", stage_id=due)

        with signed_in(tenant, ops, qtbot) as client:
            page = open_board(client, ops, qtbot)
            combo = page.pipeline_combo
            assert combo.isVisible()
            assert [combo.itemText(i) for i in range(combo.count())] == ["Sales", "Renewals"]
            assert len(page.columns) == 7

            combo.setCurrentIndex(1)
            combo.activated.emit(1)  # what picking it in the list sends
            qtbot.waitUntil(lambda: len(page.columns) == 3, timeout=SIGN_IN_TIMEOUT_MS)
            wait_board(page, qtbot)
            names = [c.name_label.text() for c in page.columns.values()]
            assert names == ["Due", "Renewed", "Churned"]
            assert page.columns[due].model.card_at(0).name == "Acme renewal"
            assert page.columns[due].totals_text() == ["$900 $450 weighted"]

            # A deal of the other pipeline (e.g. a search hit) opens with its own stages.
            elsewhere = tenant.create("opportunities", name="Sales deal")
            assert page.open_editor(elsewhere["id"]) is None  # read first
            qtbot.waitUntil(
                lambda: isinstance(page.dialog, OpportunityDialog), timeout=SIGN_IN_TIMEOUT_MS
            )
            dialog = page.dialog
            assert isinstance(dialog, OpportunityDialog)
            qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
            assert dialog.name_edit.text() == "Sales deal"
            assert dialog.stage_combo.count() == 7
            assert dialog.stage_combo.currentText() == "Prospecting · 10%"
            dialog.reject()


class TestEditingFromTheBoard:
    def test_a_saved_change_shows_on_its_card_and_in_the_totals(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        _, steps, ids = deals
        dialog = page.open_editor(ids["acme"])
        assert isinstance(dialog, OpportunityDialog)
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
        dialog.amount_edit.setText("12345.67")
        dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(steps[1]["id"]))
        dialog.save_button.click()

        qualification = page.columns[steps[1]["id"]]
        qtbot.waitUntil(
            lambda: qualification.model.row_of(ids["acme"]) is not None,
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        card = qualification.model.index(qualification.model.row_of(ids["acme"]) or 0)
        assert card.data(StageCardsModel.AmountRole) == "$12,345.67"
        assert page.columns[steps[0]["id"]].model.row_of(ids["acme"]) is None
        qtbot.waitUntil(
            lambda: qualification.totals_text() == ["$13.6K $2.7K weighted"],
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert qualification.count_label.text() == "2 deals"
        assert page.banner.text() == "Saved “Acme seats”."

    def test_new_opportunity_goes_on_the_board(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        _, steps, _ = deals
        page.new_button.click()
        dialog = page.dialog
        assert isinstance(dialog, OpportunityDialog)
        stage = dialog.selected_stage()
        assert stage is not None
        assert stage.id == steps[0]["id"]  # the first stage
        dialog.name_edit.setText("Fresh lead")
        dialog.amount_edit.setText("1000")
        dialog.save_button.click()

        prospecting = page.columns[steps[0]["id"]]
        qtbot.waitUntil(lambda: prospecting.model.rowCount() == 3, timeout=SIGN_IN_TIMEOUT_MS)
        assert prospecting.model.card_at(0).name == "Fresh lead"
        qtbot.waitUntil(
            lambda: prospecting.count_label.text() == "3 deals", timeout=SIGN_IN_TIMEOUT_MS
        )
        assert prospecting.totals_text() == ["€2.5K €250 weighted", "$11K $1.1K weighted"]


class TestPaging:
    def test_a_column_loads_50_cards_and_the_rest_when_scrolled(
        self, crowded: Tenant, ops: Operations, qtbot: QtBot
    ) -> None:
        with signed_in(crowded, ops, qtbot) as client:
            page = open_board(client, ops, qtbot)
            column = page.columns[stages(crowded)[3]["id"]]
            assert column.model.rowCount() == 50
            assert column.count_label.text() == f"{PAGED} deals"  # the server's count, not 50
            assert column.totals_text() == ["$6K $3.6K weighted"]
            assert column.shown_label.text() == f"50 of {PAGED} shown"
            assert column.more_button.isVisible()

            # Scrolling to the end of the column asks for the next page (as "Load more" does).
            bar = column.list.verticalScrollBar()
            bar.setValue(bar.maximum())
            qtbot.waitUntil(lambda: column.model.rowCount() == PAGED, timeout=SIGN_IN_TIMEOUT_MS)
            names = [card.name for card in column.model.cards()]
            assert names == [f"Lead {n:02d}" for n in range(PAGED)]
            assert not column.model.canFetchMore(QModelIndex())
            assert column.more_button.isHidden()
            assert column.shown_label.text() == ""

    def test_load_more_asks_for_the_next_page(
        self, crowded: Tenant, ops: Operations, qtbot: QtBot
    ) -> None:
        with signed_in(crowded, ops, qtbot) as client:
            page = open_board(client, ops, qtbot)
            column = page.columns[stages(crowded)[3]["id"]]
            column.more_button.click()
            assert column.more_button.text() == "Loading…"
            qtbot.waitUntil(lambda: column.model.rowCount() == PAGED, timeout=SIGN_IN_TIMEOUT_MS)
            assert column.more_button.isHidden()


class TestMoving:
    def test_a_dropped_card_moves_at_once_and_on_the_server(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        tenant, steps, ids = deals
        prospecting, discovery = page.columns[steps[0]["id"]], page.columns[steps[2]["id"]]

        drop(page, ids["acme"], steps[2]["id"])

        # At once, before the server answers: the card is there, the totals moved.
        assert discovery.model.row_of(ids["acme"]) == 0
        assert discovery.model.is_pending(ids["acme"])
        assert prospecting.model.row_of(ids["acme"]) is None
        assert prospecting.count_label.text() == "1 deal"
        assert prospecting.totals_text() == ["€2.5K €250 weighted"]
        assert discovery.count_label.text() == "1 deal"
        assert discovery.totals_text() == ["$10K $4K weighted"]  # Discovery counts 40%

        wait_moves(page, qtbot)
        assert opportunity(tenant, ids["acme"])["stage_id"] == steps[2]["id"]
        assert not discovery.model.is_pending(ids["acme"])
        server = board(tenant)
        qtbot.waitUntil(
            lambda: all(
                summary_of(page, c["stage"]["id"])
                == (c["count"], {k: Decimal(v) for k, v in c["totals"].items()})
                for c in server["columns"]
            ),
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert discovery.totals_text() == ["$10K $4K weighted"]
        assert not page.banner.isVisible()

        # The card now carries the server's new version: it can move on at once.
        drop(page, ids["acme"], steps[3]["id"])
        wait_moves(page, qtbot)
        assert opportunity(tenant, ids["acme"])["stage_id"] == steps[3]["id"]
        assert not page.banner.isVisible()
        qtbot.waitUntil(
            lambda: page.columns[steps[3]["id"]].totals_text() == ["$10K $6K weighted"],
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert discovery.count_label.text() == "0 deals"

    def test_a_move_refused_as_stale_goes_back_and_says_why(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        tenant, steps, ids = deals
        prospecting, discovery = page.columns[steps[0]["id"]], page.columns[steps[2]["id"]]
        before = prospecting.totals_text()
        row = prospecting.model.row_of(ids["acme"])
        # Someone else changes the deal after the board was loaded.
        response = tenant.server.call(
            "PATCH", f"/api/v1/opportunities/{ids['acme']}", tenant.token, json={"amount": "20000"}
        )
        assert response.status_code == 200, response.text

        drop(page, ids["acme"], steps[2]["id"])
        assert discovery.model.row_of(ids["acme"]) == 0  # moved at once …
        wait_moves(page, qtbot)

        assert prospecting.model.row_of(ids["acme"]) == row  # … and back where it was
        assert discovery.model.row_of(ids["acme"]) is None
        assert prospecting.totals_text() == before
        assert prospecting.count_label.text() == "2 deals"
        assert discovery.count_label.text() == "0 deals"
        assert page.banner.isVisible()
        assert page.banner.text().startswith(
            "“Acme seats” was not moved to Discovery: someone else changed it"
        )
        assert "It is back in Prospecting." in page.banner.text()
        assert opportunity(tenant, ids["acme"])["stage_id"] == steps[0]["id"]

        assert page.reload_button.isVisible()
        page.reload_button.click()
        wait_board(page, qtbot)
        assert page.columns[steps[0]["id"]].totals_text() == [
            "€2.5K €250 weighted",
            "$20K $2K weighted",
        ]

    def test_moving_a_deleted_deal_goes_back_and_says_it_is_gone(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        tenant, steps, ids = deals
        qualification = page.columns[steps[1]["id"]]
        response = tenant.server.call(
            "DELETE", f"/api/v1/opportunities/{ids['initech']}", tenant.token
        )
        assert response.status_code == 204, response.text

        drop(page, ids["initech"], steps[4]["id"])
        wait_moves(page, qtbot)

        assert qualification.model.row_of(ids["initech"]) == 0
        assert qualification.totals_text() == ["$1.2K $247 weighted"]
        assert page.columns[steps[4]["id"]].count_label.text() == "0 deals"
        assert "no longer exists" in page.banner.text()

    def test_dropping_on_the_lost_stage_asks_why_and_closes_the_deal(
        self,
        page: PipelinePage,
        qtbot: QtBot,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        tenant, steps, ids = deals
        lost = steps[6]
        assert lost["outcome"] == "lost"

        drop(page, ids["globex"], lost["id"])
        dialog = page.dialog
        assert isinstance(dialog, LostReasonDialog)
        assert page.columns[lost["id"]].model.row_of(ids["globex"]) is None  # not before asked
        dialog.reason_edit.setText("Chose a competitor")
        dialog.confirm_button.click()
        assert page.columns[lost["id"]].model.row_of(ids["globex"]) == 0
        wait_moves(page, qtbot)

        record = opportunity(tenant, ids["globex"])
        assert (record["status"], record["closed_reason"]) == ("lost", "Chose a competitor")
        assert page.columns[lost["id"]].model.card_at(0).status == "lost"

    def test_dropping_a_card_back_on_its_own_column_changes_nothing(
        self,
        page: PipelinePage,
        deals: tuple[Tenant, list[dict[str, Any]], dict[str, str]],
    ) -> None:
        _, steps, ids = deals
        drop(page, ids["acme"], steps[0]["id"])
        assert page.moves_pending == 0
        assert page.columns[steps[0]["id"]].model.row_of(ids["acme"]) == 1

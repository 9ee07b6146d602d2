"""The Pipeline board follows what others do, through the real live stream of the solo
backend: a colleague's move, change, deletion or new deal shows on the open board in
place (no reload), this window's own moves coming back change nothing, a card being
dragged is left alone, and an open editor says its deal changed instead of
overwriting what the user typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.live import Change
from app.features.live.model import LiveChanges
from app.features.opportunities.view import OpportunityDialog
from app.features.pipeline.column import CARD_HEIGHT, StageColumn
from app.features.pipeline.model import StageCardsModel
from app.features.pipeline.view import PipelinePage
from app.ops import Operations
from app.qt.core import QPoint
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.pipeline.board_support import (
    Colleague,
    board,
    colleague_of,
    company,
    drop,
    following_board,
    opportunity,
    signed_in,
    stages,
    wait_moves,
)
from tests.app.support import SIGN_IN_TIMEOUT_MS, SoloServer

Deals = tuple[Tenant, list[dict[str, Any]], dict[str, str]]


@pytest.fixture
def deals(solo_server: SoloServer) -> Deals:
    return company(solo_server)


@pytest.fixture
def colleague(deals: Deals) -> Colleague:
    return colleague_of(deals[0])


@pytest.fixture
def client(deals: Deals, ops: Operations, qtbot: QtBot) -> Iterator[GatewayClient]:
    with signed_in(deals[0], ops, qtbot) as client:
        yield client


@pytest.fixture
def followed(
    client: GatewayClient, ops: Operations, qtbot: QtBot
) -> Iterator[tuple[PipelinePage, LiveChanges]]:
    with following_board(client, ops, qtbot) as followed:
        yield followed


@pytest.fixture
def page(followed: tuple[PipelinePage, LiveChanges]) -> PipelinePage:
    return followed[0]


class BoardWatch:
    """Counts what a full reload would do: columns built anew, cards reset, the
    board's load called."""

    def __init__(self, page: PipelinePage) -> None:
        self.page = page
        self.columns = dict(page.columns)
        self.resets = 0
        self.refreshes = 0
        for column in page.columns.values():
            column.model.modelReset.connect(self._reset)
        original = page.refresh

        def counted() -> None:
            self.refreshes += 1
            original()

        page.refresh = counted  # type: ignore[method-assign]

    def _reset(self) -> None:
        self.resets += 1

    def assert_nothing_reloaded(self) -> None:
        assert self.resets == 0
        assert self.refreshes == 0
        assert all(self.page.columns[s] is c for s, c in self.columns.items())


def fresh(column: StageColumn, opportunity_id: str) -> str:
    """The tag a card wears for having changed elsewhere ("" for none)."""
    row = column.model.row_of(opportunity_id)
    assert row is not None
    return str(column.model.index(row).data(StageCardsModel.FreshRole))


def wait_heard(page: PipelinePage, qtbot: QtBot, opportunity_id: str) -> None:
    """Wait until the board applied news of ``opportunity_id`` from the stream."""
    heard: set[str] = set()
    page.follower.applied.connect(heard.update)
    qtbot.waitUntil(lambda: opportunity_id in heard, timeout=SIGN_IN_TIMEOUT_MS)


class TestColleaguesChanges:
    def test_a_deal_moved_elsewhere_moves_to_its_new_column_with_the_new_totals(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        tenant, steps, ids = deals
        prospecting, discovery = page.columns[steps[0]["id"]], page.columns[steps[2]["id"]]
        assert discovery.count_label.text() == "0 deals"
        watch = BoardWatch(page)

        colleague.change(ids["acme"], stage_id=steps[2]["id"])

        qtbot.waitUntil(
            lambda: discovery.model.row_of(ids["acme"]) is not None, timeout=SIGN_IN_TIMEOUT_MS
        )
        assert prospecting.model.row_of(ids["acme"]) is None
        assert fresh(discovery, ids["acme"]) == "Moved here"  # for the rep to notice
        assert discovery.model.card_at(0).version == opportunity(tenant, ids["acme"])["version"]
        qtbot.waitUntil(
            lambda: discovery.count_label.text() == "1 deal", timeout=SIGN_IN_TIMEOUT_MS
        )
        assert discovery.totals_text() == ["$10K $4K weighted"]  # Discovery counts 40%
        assert prospecting.count_label.text() == "1 deal"
        assert prospecting.totals_text() == ["€2.5K €250 weighted"]
        server = {c["stage"]["id"]: c for c in board(tenant)["columns"]}
        for stage_id, column in page.columns.items():
            assert column.summary.count == server[stage_id]["count"]
            assert column.summary.totals == {
                k: Decimal(v) for k, v in server[stage_id]["totals"].items()
            }
        watch.assert_nothing_reloaded()
        assert not page.banner.isVisible()

    def test_a_deal_changed_elsewhere_is_updated_in_place(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, steps, ids = deals
        prospecting = page.columns[steps[0]["id"]]
        row = prospecting.model.row_of(ids["acme"])
        watch = BoardWatch(page)

        colleague.change(ids["acme"], name="Acme seats (200)", amount="30000.00")

        qtbot.waitUntil(
            lambda: prospecting.model.card_at(row or 0).name == "Acme seats (200)",
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert prospecting.model.row_of(ids["acme"]) == row  # where it was
        index = prospecting.model.index(row or 0)
        assert index.data(StageCardsModel.AmountRole) == "$30,000.00"
        assert fresh(prospecting, ids["acme"]) == "Updated"
        qtbot.waitUntil(
            lambda: prospecting.totals_text() == ["€2.5K €250 weighted", "$30K $3K weighted"],
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert prospecting.count_label.text() == "2 deals"
        watch.assert_nothing_reloaded()

    def test_a_deal_deleted_elsewhere_leaves_the_board(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, steps, ids = deals
        qualification = page.columns[steps[1]["id"]]
        assert qualification.model.row_of(ids["initech"]) == 0
        watch = BoardWatch(page)

        colleague.call("DELETE", f"/api/v1/opportunities/{ids['initech']}")

        qtbot.waitUntil(
            lambda: qualification.model.row_of(ids["initech"]) is None,
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        qtbot.waitUntil(
            lambda: qualification.count_label.text() == "0 deals", timeout=SIGN_IN_TIMEOUT_MS
        )
        assert qualification.totals_text() == ["No amounts"]
        assert qualification.body.currentWidget() is qualification.empty_label
        watch.assert_nothing_reloaded()

    def test_a_deal_created_elsewhere_appears_in_its_column_with_its_account(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, steps, _ = deals
        discovery = page.columns[steps[2]["id"]]
        watch = BoardWatch(page)
        account = colleague.call("POST", "/api/v1/accounts", json={"name": "Umbrella Corp"})

        created = colleague.call(
            "POST",
            "/api/v1/opportunities",
            json={
                "name": "Umbrella pilot",
                "account_id": account["id"],
                "amount": "5000.00",
                "stage_id": steps[2]["id"],
            },
        )

        qtbot.waitUntil(
            lambda: discovery.model.row_of(created["id"]) == 0, timeout=SIGN_IN_TIMEOUT_MS
        )
        assert fresh(discovery, created["id"]) == "New"
        card = discovery.model.index(0)
        qtbot.waitUntil(
            lambda: card.data(StageCardsModel.AccountRole) == "Umbrella Corp",
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        assert card.data(StageCardsModel.AmountRole) == "$5,000.00"
        qtbot.waitUntil(
            lambda: discovery.totals_text() == ["$5K $2K weighted"], timeout=SIGN_IN_TIMEOUT_MS
        )
        assert discovery.count_label.text() == "1 deal"
        watch.assert_nothing_reloaded()

    def test_an_account_renamed_elsewhere_is_renamed_on_its_cards(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        tenant, steps, ids = deals
        account_id = opportunity(tenant, ids["acme"])["account_id"]
        prospecting = page.columns[steps[0]["id"]]
        card = prospecting.model.index(prospecting.model.row_of(ids["acme"]) or 0)
        assert card.data(StageCardsModel.AccountRole) == "Acme Corp"

        colleague.call("PATCH", f"/api/v1/accounts/{account_id}", json={"name": "Acme Holdings"})

        qtbot.waitUntil(
            lambda: card.data(StageCardsModel.AccountRole) == "Acme Holdings",
            timeout=SIGN_IN_TIMEOUT_MS,
        )

    def test_changes_of_another_pipeline_leave_the_board_alone(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        renewals = colleague.call(
            "POST",
            "/api/v1/pipelines",
            json={
                "name": "Renewals",
                "stages": [
                    {"name": "Due", "probability": 50},
                    {"name": "Renewed", "probability": 100, "outcome": "won"},
                    {"name": "Churned", "probability": 0, "outcome": "lost"},
                ],
            },
        )
        watch = BoardWatch(page)
        before = {s: c.model.cards() for s, c in page.columns.items()}

        other = colleague.call(
            "POST",
            "/api/v1/opportunities",
            json={"name": "Renewal", "amount": "1.00", "stage_id": renewals["stages"][0]["id"]},
        )

        wait_heard(page, qtbot, other["id"])
        assert {s: c.model.cards() for s, c in page.columns.items()} == before
        watch.assert_nothing_reloaded()


class TestOwnChanges:
    def test_a_move_made_here_coming_back_is_not_read_again(
        self,
        page: PipelinePage,
        client: GatewayClient,
        qtbot: QtBot,
        deals: Deals,
        colleague: Colleague,
    ) -> None:
        tenant, steps, ids = deals
        discovery = page.columns[steps[2]["id"]]
        echoes: list[Change] = []
        read: set[str] = set()
        page.follower.ignored.connect(echoes.append)
        page.follower.applied.connect(read.update)
        watch = BoardWatch(page)

        drop(page, ids["acme"], steps[2]["id"])
        wait_moves(page, qtbot)
        qtbot.waitUntil(
            lambda: any(c.id == ids["acme"] for c in echoes), timeout=SIGN_IN_TIMEOUT_MS
        )
        # A colleague's change made after the move: once it has been read and shown,
        # anything read for the move's own echo would have been read by then too.
        colleague.change(ids["globex"], name="Globex pilot (phase 2)")
        qtbot.waitUntil(lambda: ids["globex"] in read, timeout=SIGN_IN_TIMEOUT_MS)

        assert ids["acme"] not in read  # this window's own move: nothing read for it
        assert all(client.made(c.origin) for c in echoes)  # each of them ours
        assert discovery.model.row_of(ids["acme"]) == 0
        assert fresh(discovery, ids["acme"]) == ""  # not news to the one who moved it
        assert discovery.model.card_at(0).version == opportunity(tenant, ids["acme"])["version"]
        qtbot.waitUntil(
            lambda: discovery.totals_text() == ["$10K $4K weighted"], timeout=SIGN_IN_TIMEOUT_MS
        )
        assert not page.banner.isVisible()
        watch.assert_nothing_reloaded()

    def test_a_card_being_dragged_is_left_alone_until_it_is_let_go(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, steps, ids = deals
        prospecting, proposal = page.columns[steps[0]["id"]], page.columns[steps[3]["id"]]
        prospecting.list.lift(ids["acme"])  # what starting a drag does

        colleague.change(ids["acme"], stage_id=steps[3]["id"])

        qtbot.waitUntil(lambda: ids["acme"] in page.follower.held, timeout=SIGN_IN_TIMEOUT_MS)
        assert prospecting.model.row_of(ids["acme"]) is not None  # still under the pointer
        assert proposal.model.row_of(ids["acme"]) is None

        prospecting.list.land()  # let go outside the board
        qtbot.waitUntil(
            lambda: proposal.model.row_of(ids["acme"]) is not None, timeout=SIGN_IN_TIMEOUT_MS
        )
        assert prospecting.model.row_of(ids["acme"]) is None
        assert not page.follower.held


class TestEditorOpenMeanwhile:
    def test_the_editor_says_the_deal_changed_and_keeps_what_was_typed(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, steps, ids = deals
        dialog = page.open_editor(ids["acme"])
        assert isinstance(dialog, OpportunityDialog)
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
        dialog.name_edit.setText("Acme seats — my notes")
        assert not dialog.changed_elsewhere

        colleague.change(ids["acme"], amount="42000.00")

        qtbot.waitUntil(lambda: dialog.changed_elsewhere, timeout=SIGN_IN_TIMEOUT_MS)
        assert dialog.note.label.text().startswith("<b>Changed by someone else</b>")
        assert dialog.note.reload_button.isVisible()
        assert dialog.name_edit.text() == "Acme seats — my notes"  # not overwritten
        assert dialog.amount_edit.text() == "$10,000.00"
        assert dialog.isVisible()
        prospecting = page.columns[steps[0]["id"]]
        assert fresh(prospecting, ids["acme"]) == "Updated"  # the board behind it moved on

        dialog.note.reload_button.click()
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)
        assert dialog.amount_edit.text() == "$42,000.00"  # their change shows
        assert dialog.name_edit.text() == "Acme seats — my notes"  # and ours stays
        assert not dialog.changed_elsewhere
        dialog.discard()

    def test_the_editor_says_the_deal_was_deleted(
        self, page: PipelinePage, qtbot: QtBot, deals: Deals, colleague: Colleague
    ) -> None:
        _, _, ids = deals
        dialog = page.open_editor(ids["globex"])
        assert isinstance(dialog, OpportunityDialog)
        qtbot.waitUntil(lambda: not dialog.loading, timeout=SIGN_IN_TIMEOUT_MS)

        colleague.call("DELETE", f"/api/v1/opportunities/{ids['globex']}")

        qtbot.waitUntil(lambda: dialog.changed_elsewhere, timeout=SIGN_IN_TIMEOUT_MS)
        assert dialog.note.label.text().startswith("<b>Deleted by someone else</b>")
        assert dialog.note.reload_button.isHidden()
        assert page.find_card(ids["globex"]) is None
        dialog.reject()


@pytest.fixture(scope="module")
def crowded(solo_server: SoloServer) -> tuple[Tenant, list[dict[str, Any]]]:
    """A company with 40 deals in Proposal, closing one a day from tomorrow."""
    tenant = sign_up(solo_server)
    steps = stages(tenant)
    for number in range(40):
        tenant.create(
            "opportunities",
            name=f"Lead {number:02d}",
            amount="100.00",
            stage_id=steps[3]["id"],
            close_date=(date.today() + timedelta(days=number + 1)).isoformat(),
        )
    return tenant, steps


def top_card(column: StageColumn) -> str:
    """The name of the card at the top of a column's visible part."""
    index = column.list.indexAt(QPoint(column.list.viewport().width() // 2, 1))
    return str(index.data())


class TestScrollPositions:
    def test_a_card_arriving_above_the_view_does_not_shift_it_nor_does_a_resync(
        self,
        crowded: tuple[Tenant, list[dict[str, Any]]],
        ops: Operations,
        qtbot: QtBot,
    ) -> None:
        tenant, steps = crowded
        colleague = colleague_of(tenant)
        with (
            signed_in(tenant, ops, qtbot) as client,
            following_board(client, ops, qtbot) as (page, live),
        ):
            proposal = page.columns[steps[3]["id"]]
            bar = proposal.list.verticalScrollBar()
            bar.setValue(CARD_HEIGHT * 10)  # Lead 10 at the top
            assert top_card(proposal) == "Lead 10"
            watch = BoardWatch(page)

            # Closing today, it sorts first: above what the rep is looking at.
            first = colleague.call(
                "POST",
                "/api/v1/opportunities",
                json={
                    "name": "Urgent one",
                    "stage_id": steps[3]["id"],
                    "close_date": date.today().isoformat(),
                },
            )
            qtbot.waitUntil(
                lambda: proposal.model.row_of(first["id"]) == 0, timeout=SIGN_IN_TIMEOUT_MS
            )
            assert top_card(proposal) == "Lead 10"
            watch.assert_nothing_reloaded()

            # The server dropped changes for this stream: the board reloads in place.
            live.stop()
            colleague.change(first["id"], name="Urgent one (renamed)")
            live.resync.emit()
            qtbot.waitUntil(
                lambda: proposal.model.card_at(0).name == "Urgent one (renamed)",
                timeout=SIGN_IN_TIMEOUT_MS,
            )
            assert watch.resets == len(page.columns)  # each column reloaded in place …
            assert all(page.columns[s] is c for s, c in watch.columns.items())  # … not rebuilt
            assert watch.refreshes == 0
            assert top_card(proposal) == "Lead 10"
            assert proposal.count_label.text() == "41 deals"

"""The board's state in plain Python, without Qt: columns page their cards, moves show at
once and a refused one gives back the server's exact figures, figures asked for
before a move are not taken, and a deal's new version lands where the server would
list it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.api.pipelines import Pipeline, Stage
from app.api.records import Opportunity
from app.features.pipeline.board import (
    MOVED_HERE,
    NEW,
    UPDATED,
    BoardDirectory,
    BoardState,
    CardsListener,
    ColumnCards,
    Move,
    StageSummary,
    card_order,
    close_text,
    initials,
    weighted,
    with_moves,
)

TODAY = date(2026, 12, 1)
PROSPECTING = Stage(id="s1", name="Prospecting", position=0, probability=10)
DISCOVERY = Stage(id="s2", name="Discovery", position=1, probability=40)
LOST_STAGE = Stage(id="s3", name="Closed Lost", position=2, probability=0, outcome="lost")
SALES = Pipeline(id="p1", name="Sales", stages=[PROSPECTING, DISCOVERY, LOST_STAGE])


def deal(
    number: int,
    stage: Stage = PROSPECTING,
    *,
    amount: str | None = "100.00",
    currency: str = "USD",
    days: int | None = 10,
    version: int = 1,
    pipeline: str = "p1",
) -> Opportunity:
    return Opportunity(
        id=f"00000000-0000-0000-0000-{number:012d}",
        name=f"Deal {number}",
        amount=Decimal(amount) if amount is not None else None,
        currency=currency,
        pipeline_id=pipeline,
        stage_id=stage.id,
        close_date=TODAY + timedelta(days=days) if days is not None else None,
        version=version,
    )


def summary(stage: Stage, *cards: Opportunity) -> StageSummary:
    """A column's figures as the server would count ``cards``."""
    figures = StageSummary(stage)
    for card in cards:
        figures.add(card)
    return figures


class Recorder(CardsListener):
    """Writes down what a column says to whoever shows it."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def inserting(self, first: int, last: int) -> None:
        self.calls.append(("inserting", first, last))

    def inserted(self) -> None:
        self.calls.append(("inserted",))

    def removing(self, first: int, last: int) -> None:
        self.calls.append(("removing", first, last))

    def removed(self) -> None:
        self.calls.append(("removed",))

    def resetting(self) -> None:
        self.calls.append(("resetting",))

    def reset(self) -> None:
        self.calls.append(("reset",))

    def row_changed(self, row: int) -> None:
        self.calls.append(("row_changed", row))


@pytest.fixture
def board() -> BoardState:
    """Prospecting holds deals 1 and 2 (USD, EUR); Discovery deal 3; Lost is empty."""
    state = BoardState()
    one, two, three = deal(1), deal(2, currency="EUR", days=20), deal(3, DISCOVERY)
    state.show(
        SALES,
        [summary(PROSPECTING, one, two), summary(DISCOVERY, three), summary(LOST_STAGE)],
    )
    state.columns["s1"].set_first_page([one, two], None)
    state.columns["s2"].set_first_page([three], None)
    state.columns["s3"].set_first_page([], None)
    return state


class TestFigures:
    def test_weighted_amounts_round_half_up_to_the_cent(self) -> None:
        assert weighted(Decimal("10.05"), 50) == Decimal("5.03")
        assert weighted(None, 50) == Decimal(0)

    def test_a_move_counts_out_of_one_column_and_into_the_other(self) -> None:
        card = deal(1, amount="1000.00")
        source, target = summary(PROSPECTING, card, deal(2)), summary(DISCOVERY)
        move = Move(card, PROSPECTING, DISCOVERY)
        assert with_moves(source, [move]).totals == {"USD": Decimal("100.00")}
        assert with_moves(source, [move]).count == 1
        shown = with_moves(target, [move])
        assert (shown.count, shown.totals, shown.weighted) == (
            1,
            {"USD": Decimal("1000.00")},
            {"USD": Decimal("400.00")},
        )

    def test_a_currency_moved_out_entirely_leaves_the_header(self) -> None:
        card = deal(1, currency="EUR")
        source = summary(PROSPECTING, card, deal(2))
        assert with_moves(source, [Move(card, PROSPECTING, DISCOVERY)]).currencies() == ["USD"]

    def test_unknown_figures_are_not_guessed_at(self) -> None:
        unknown = StageSummary(DISCOVERY, known=False)
        assert with_moves(unknown, [Move(deal(1), PROSPECTING, DISCOVERY)]).count == 0


class TestMoves:
    def test_a_move_shows_at_once_and_waits_for_the_server(self, board: BoardState) -> None:
        move = board.start_move(deal(1).id, "s2")

        assert move is not None
        assert move.row == 0
        assert [c.id for c in board.columns["s2"].cards()] == [deal(1).id, deal(3).id]
        assert board.columns["s2"].is_pending(deal(1).id)
        assert board.columns["s1"].row_of(deal(1).id) is None
        shown = board.summaries()
        assert (shown["s1"].count, shown["s2"].count) == (1, 2)
        assert shown["s2"].weighted == {"USD": Decimal("80.00")}  # 40 % of both
        assert board.pending == {deal(1).id: move}

    def test_a_refused_move_gives_back_the_servers_exact_figures(self, board: BoardState) -> None:
        before = board.summaries()
        move = board.start_move(deal(2).id, "s2")
        assert move is not None
        assert move.row == 1

        board.move_refused(move)

        assert [c.id for c in board.columns["s1"].cards()] == [deal(1).id, deal(2).id]
        assert board.columns["s2"].row_of(deal(2).id) is None
        assert board.summaries() == before
        assert not board.pending

    def test_a_saved_move_shows_the_servers_version(self, board: BoardState) -> None:
        move = board.start_move(deal(1).id, "s2")
        assert move is not None
        updated = deal(1, DISCOVERY, version=2)

        assert board.move_saved(move, updated)

        assert board.columns["s2"].card_at(0) == updated
        assert not board.columns["s2"].is_pending(updated.id)
        assert board.figures_wanted  # the server's figures do not count it yet

    @pytest.mark.parametrize(
        ("number", "stage_id"), [(1, "s1"), (9, "s2"), (1, "nowhere")], ids=str
    )
    def test_a_card_that_cannot_move_there_stays(
        self, board: BoardState, number: int, stage_id: str
    ) -> None:
        assert board.start_move(deal(number).id, stage_id) is None
        assert board.columns["s1"].row_of(deal(1).id) == 0

    def test_a_card_whose_move_waits_cannot_move_again(self, board: BoardState) -> None:
        assert board.start_move(deal(1).id, "s2") is not None
        assert board.start_move(deal(1).id, "s3") is None


class TestFiguresAskedForDuringAMove:
    def test_figures_asked_before_a_move_are_not_taken(self, board: BoardState) -> None:
        ask = board.ask_figures()
        move = board.start_move(deal(1).id, "s2")
        assert move is not None
        board.move_saved(move, deal(1, DISCOVERY, version=2))

        assert not board.figures_arrived(ask, [summary(PROSPECTING), summary(DISCOVERY)])
        assert board.figures_wanted
        assert board.summaries()["s2"].count == 2  # the move still shows

    def test_figures_asked_after_the_moves_are_taken(self, board: BoardState) -> None:
        move = board.start_move(deal(1).id, "s2")
        assert move is not None
        board.move_saved(move, deal(1, DISCOVERY, version=2))
        ask = board.ask_figures()
        server = [summary(PROSPECTING, deal(2)), summary(DISCOVERY, deal(1), deal(3))]

        assert board.figures_arrived(ask, server)

        assert not board.figures_wanted
        assert board.summaries()["s2"].count == 2  # counted once, by the server

    def test_figures_of_an_older_board_are_dropped(self, board: BoardState) -> None:
        ask = board.ask_figures()
        board.new_generation()
        assert not board.figures_arrived(ask, [])
        assert not board.figures_wanted


class TestChangesMadeElsewhere:
    def test_a_deal_moved_elsewhere_goes_where_it_sorts_and_is_tagged(
        self, board: BoardState
    ) -> None:
        moved = deal(1, DISCOVERY, days=30, version=2)
        shown = board.show_change(moved.id, moved)
        assert [c.id for c in board.columns["s2"].cards()] == [deal(3).id, moved.id]
        assert board.columns["s1"].row_of(moved.id) is None
        assert shown.totals_moved
        assert shown.fresh == (board.columns["s2"], MOVED_HERE)
        assert shown.to_name == (moved,)

    def test_a_deal_changed_in_its_column_keeps_its_place(self, board: BoardState) -> None:
        changed = deal(1, amount="5000.00", days=99, version=2)
        shown = board.show_change(changed.id, changed)
        assert board.columns["s1"].card_at(0) == changed  # where it was, though it sorts last
        assert shown.fresh == (board.columns["s1"], UPDATED)

    def test_a_version_shown_already_changes_nothing(self, board: BoardState) -> None:
        same = deal(1, DISCOVERY, version=1)
        assert board.show_change(same.id, same).totals_moved is False
        assert board.columns["s1"].row_of(same.id) == 0

    def test_a_deal_deleted_elsewhere_leaves_its_column(self, board: BoardState) -> None:
        shown = board.show_change(deal(3).id, None)
        assert board.columns["s2"].cards() == []
        assert shown.totals_moved

    def test_a_new_deal_appears_in_its_column(self, board: BoardState) -> None:
        new = deal(7, LOST_STAGE)
        shown = board.show_change(new.id, new)
        assert board.columns["s3"].cards() == [new]
        assert shown.fresh == (board.columns["s3"], NEW)

    def test_a_deal_of_another_pipeline_is_not_shown(self, board: BoardState) -> None:
        other = deal(1, pipeline="p2", version=2)
        assert board.show_change(other.id, other).totals_moved  # it left this board
        assert board.columns["s1"].row_of(other.id) is None
        elsewhere = deal(8, pipeline="p2")
        assert not board.show_change(elsewhere.id, elsewhere).totals_moved

    def test_a_deal_in_an_unknown_stage_asks_for_a_reload(self, board: BoardState) -> None:
        odd = deal(1, Stage(id="s9", name="New stage"), version=2)
        assert board.show_change(odd.id, odd).reload

    def test_a_deal_sorting_into_a_page_not_loaded_waits_for_it(self) -> None:
        state = BoardState()
        state.show(SALES, [summary(PROSPECTING)])
        state.columns["s1"].set_first_page([deal(1, days=1)], next_cursor="more")
        late = deal(5, days=300)
        shown = state.show_change(late.id, late)
        assert state.columns["s1"].row_of(late.id) is None
        assert shown.fresh is None
        assert shown.totals_moved


class TestColumnCards:
    def test_pages_add_up_without_duplicates_and_say_so(self) -> None:
        column = ColumnCards(PROSPECTING)
        heard = Recorder()
        column.listener = heard
        column.set_first_page([deal(1)], "next")
        assert column.want_more() == "next"
        assert column.want_more() is None  # on its way already
        column.append_page([deal(1), deal(2)], None)

        assert [c.id for c in column.cards()] == [deal(1).id, deal(2).id]
        assert not column.has_more()
        assert heard.calls == [("resetting",), ("reset",), ("inserting", 1, 1), ("inserted",)]

    def test_a_card_sorts_by_close_date_those_without_last(self) -> None:
        column = ColumnCards(PROSPECTING)
        column.set_first_page([deal(1, days=1), deal(2, days=None)], None)
        assert column.sorted_row(deal(3, days=5)) == 1
        assert column.sorted_row(deal(4, days=None)) == 2  # after, by id
        assert card_order(deal(1, days=None)) > card_order(deal(9, days=900))

    def test_tags_clear_only_with_their_own_mark(self) -> None:
        column = ColumnCards(PROSPECTING)
        column.set_first_page([deal(1)], None)
        first = column.mark_fresh(deal(1).id, UPDATED)
        second = column.mark_fresh(deal(1).id, MOVED_HERE)
        column.clear_fresh(deal(1).id, first)
        assert column.fresh_label(deal(1).id) == MOVED_HERE
        column.clear_fresh(deal(1).id, second)
        assert column.fresh_label(deal(1).id) == ""


class TestWording:
    def test_close_dates_read_as_people_say_them(self) -> None:
        assert close_text(deal(1, days=-1), TODAY) == ("Overdue · 2026-11-30", True)
        assert close_text(deal(1, days=3), TODAY) == ("Closes 2026-12-04", False)
        assert close_text(deal(1, days=None), TODAY) == ("No close date", False)
        won = deal(1, days=-5).model_copy(update={"status": "won"})
        assert close_text(won, TODAY) == ("Won · 2026-11-26", False)

    def test_initials_and_names(self) -> None:
        assert initials("Olive Owner") == "OO"
        assert initials("Jean-Luc Picard") == "JP"
        assert initials("Cher") == "C"
        assert initials("") == ""
        directory = BoardDirectory()
        directory.add_accounts({"a1": "Acme"})
        cards = [deal(1).model_copy(update={"account_id": aid}) for aid in ("a1", "a2", "a2")]
        assert directory.missing_accounts(cards) == ["a2"]

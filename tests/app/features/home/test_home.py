"""The Home screen, the first after sign-in (issue 11): the user's deals closing this
month, their stale deals and the records changed lately; a click opens one. Against the
real solo backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pytestqt.qtbot import QtBot

from app.features.deals.area import DealsPage
from app.features.home.ops import HomeData, HomeOps, month_of
from app.features.home.view import HomePage
from app.ops import Operations
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.pipeline.board_support import run, signed_in, stages, wait_board
from tests.app.features.records.support import TIMEOUT_MS
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in


def deals(solo_server: SoloServer) -> tuple[Tenant, dict[str, str]]:
    tenant = sign_up(solo_server)
    rep = tenant.add_user("rep", name="Riley Rep")
    steps = stages(tenant)
    won = next(s for s in steps if s.get("outcome") == "won")
    acme = tenant.create("accounts", name="Acme Corp")
    first, last = month_of(date.today())
    next_month = (last + timedelta(days=5)).isoformat()

    def deal(name: str, close: str, **more: object) -> str:
        body = {"name": name, "account_id": acme["id"], "amount": "1000.00", "currency": "USD"}
        body |= {"stage_id": steps[0]["id"], "close_date": close, **more}
        return str(tenant.create("opportunities", **body)["id"])

    made = {
        "mine": deal("Seats", last.isoformat()),
        "first": deal("Pilot", first.isoformat()),
        "later": deal("Next month", next_month),
        "theirs": deal("Theirs", last.isoformat(), owner_id=rep["id"]),
        "won": deal("Won already", first.isoformat(), stage_id=won["id"]),
    }
    return tenant, made


class TestHome:
    def test_it_is_the_first_screen_and_lists_the_users_deals_closing_this_month(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        tenant, made = deals(solo_server)
        tenant.create("contacts", first_name="Ada", last_name="Lovelace")
        sign_in(team_shell, qtbot, tenant.email, STRONG_PASSWORD)
        window = team_shell.main_window
        assert window is not None
        home = window.pages.currentWidget()
        assert isinstance(home, HomePage)
        qtbot.waitUntil(
            lambda: not home.loading and home.closing.list.count() > 0, timeout=TIMEOUT_MS
        )
        assert home.closing.texts() == ["Pilot · Acme Corp", "Seats · Acme Corp"]  # soonest first
        assert home.closing.heading.text() == "Closing this month (2)"
        assert home.stale.list.isHidden()  # nothing is 30 days old in a new company
        assert not home.stale.empty_label.isHidden()
        recent = home.recent.texts()
        assert recent[0] == "Ada Lovelace"  # the newest change first
        assert "Won already" in recent

        home.closing.list.itemClicked.emit(home.closing.list.item(1))  # Seats
        area = window.pages.currentWidget()
        assert isinstance(area, DealsPage)  # the board is what it shows first
        board = area.board
        qtbot.waitUntil(lambda: board.dialog is not None, timeout=TIMEOUT_MS)
        assert board.dialog is not None
        assert board.dialog.record is not None
        assert board.dialog.record.id == made["mine"]
        board.dialog.discard()
        wait_board(board, qtbot)  # its names looked up: nothing left to ask after the test

    def test_open_deals_unchanged_for_a_month_are_stale(
        self, qtbot: QtBot, ops: Operations, solo_server: SoloServer
    ) -> None:
        tenant, made = deals(solo_server)
        with signed_in(tenant, ops, qtbot) as client:
            later = datetime.now(UTC) + timedelta(days=31)
            data: HomeData = run(ops, qtbot, HomeOps(client, ops).read(now=later))
        assert {d.id for d in data.stale} == {made["mine"], made["first"], made["later"]}
        assert data.account_names == {data.stale[0].account_id: "Acme Corp"}

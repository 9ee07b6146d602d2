"""The Pipeline page's List view against the real solo backend: deals with their owners',
accounts' and stages' names, sorted by the server, many at once (assign, set a field,
delete with Undo, export), "My deals", the detail beside the list, and the switch
between the board and the list."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import app.widgets.files as files
from app.features.deals.area import BOARD, LIST, DealsPage
from app.features.deals.model import DealsTableModel
from app.features.deals.view import DealsListPage
from app.features.opportunities.view import OpportunityDialog
from app.qt.core import QItemSelectionModel, Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.features.pipeline.board_support import wait_board
from tests.app.features.records.support import TIMEOUT_MS, click, server_record
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in

M = DealsTableModel


def stages_of(tenant: Tenant) -> dict[str, str]:
    """The default pipeline's stage ids by name."""
    response = tenant.server.call("GET", "/api/v1/pipelines", tenant.token)
    assert response.status_code == 200, response.text
    pipeline = response.json()["items"][0]
    return {stage["name"]: stage["id"] for stage in pipeline["stages"]}


@pytest.fixture
def company(solo_server: SoloServer) -> tuple[Tenant, dict[str, Any]]:
    """A company with a rep, an account and four deals (the admin's but one, the rep's)."""
    tenant = sign_up(solo_server)
    rep = tenant.add_user("rep", name="Riley Rep")
    acme = tenant.create("accounts", name="Acme Robotics")
    stages = stages_of(tenant)
    first, second = list(stages)[:2]
    made = {
        "Alpha": tenant.create(
            "opportunities", name="Alpha", amount="1200.00", account_id=acme["id"],
            stage_id=stages[first], close_date="2027-01-15",
        ),
        "Bravo": tenant.create(
            "opportunities", name="Bravo", amount="50000.00", account_id=acme["id"],
            stage_id=stages[second], owner_id=rep["id"],
        ),
        "Charlie": tenant.create("opportunities", name="Charlie", amount="300.50"),
        "Delta": tenant.create("opportunities", name="Delta", amount="7500.00"),
    }  # fmt: skip
    return tenant, {"rep": rep, "acme": acme, "stages": stages, "deals": made}


def open_list(shell: DesktopShell, qtbot: QtBot, tenant: Tenant, email: str = "") -> DealsPage:
    """Sign in, show the Pipeline page's List view, wait for its deals and names."""
    sign_in(shell, qtbot, email or tenant.email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.page("Pipeline")
    assert isinstance(page, DealsPage)
    page.show_view(LIST)  # before the page shows: the board is not loaded at all
    shell.main_window.show_page("Pipeline")
    wait_loaded(page.list.model, qtbot)
    deals = page.list
    qtbot.waitUntil(
        lambda: deals.owners.loaded and deals.custom_fields is not None and bool(deals.pipelines),
        timeout=TIMEOUT_MS,
    )
    return page


def rows(page: DealsListPage) -> list[list[str]]:
    model = page.model
    return [
        [str(model.index(row, column).data()) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def names(page: DealsListPage) -> list[str]:
    return [deal.name for deal in page.model.records()]


def select(page: DealsListPage, wanted: list[str]) -> None:
    selection = page.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.clearSelection()
    for row, deal in enumerate(page.model.records()):
        if deal.name in wanted:
            selection.select(page.model.index(row, 0), flags)


def sort_by_name(page: DealsListPage, qtbot: QtBot) -> None:
    page.table.horizontalHeader().setSortIndicator(M.NAME, Qt.SortOrder.AscendingOrder)
    wait_loaded(page.model, qtbot)


class TestTheList:
    def test_deals_show_their_owner_account_stage_and_amount(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        page = open_list(team_shell, qtbot, tenant).list
        sort_by_name(page, qtbot)
        first, second = list(made["stages"])[:2]
        qtbot.waitUntil(lambda: rows(page)[0][M.ACCOUNT] == "Acme Robotics", timeout=TIMEOUT_MS)
        assert page.model.HEADERS == (
            "Name", "Account", "Stage", "Amount", "Close date", "Owner", "Updated"
        )  # fmt: skip
        shown = {row[M.NAME]: row for row in rows(page)}
        assert shown["Alpha"][M.ACCOUNT : M.OWNER + 1] == [
            "Acme Robotics", first, "$1,200.00", "2027-01-15", "Olive Owner"
        ]  # fmt: skip
        assert shown["Bravo"][M.ACCOUNT : M.OWNER + 1] == [
            "Acme Robotics", second, "$50,000.00", "—", "Riley Rep"
        ]  # fmt: skip
        assert shown["Charlie"][M.ACCOUNT] == "—"
        alignment = page.model.index(0, M.AMOUNT).data(Qt.ItemDataRole.TextAlignmentRole)
        assert alignment & Qt.AlignmentFlag.AlignRight
        assert page.count_label.text() == "4 deals"

    def test_spare_columns_give_way_in_a_narrow_window_and_come_back(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _made = company
        page = open_list(team_shell, qtbot, tenant).list
        window = team_shell.main_window
        assert window is not None
        table = page.table

        def hidden() -> list[str]:
            return [h for c, h in enumerate(M.HEADERS) if table.isColumnHidden(c)]

        window.resize(1280, 800)
        qtbot.waitUntil(lambda: hidden() == [], timeout=TIMEOUT_MS)
        window.resize(1024, 768)
        qtbot.waitUntil(lambda: hidden() == ["Close date", "Updated"], timeout=TIMEOUT_MS)
        select(page, ["Alpha"])  # the panel takes room: only the name and amount stay
        qtbot.waitUntil(
            lambda: hidden() == ["Account", "Stage", "Close date", "Owner", "Updated"],
            timeout=TIMEOUT_MS,
        )
        page.detail.close_button.click()
        window.resize(1280, 800)
        qtbot.waitUntil(lambda: hidden() == [], timeout=TIMEOUT_MS)

    def test_sorting_by_amount_asks_the_server(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _made = company
        page = open_list(team_shell, qtbot, tenant).list
        header = page.table.horizontalHeader()
        header.setSortIndicator(M.AMOUNT, Qt.SortOrder.DescendingOrder)
        assert page.model.loading  # asked again, nothing sorted here
        wait_loaded(page.model, qtbot)
        assert page.model.sort_key == "-amount"
        assert names(page) == ["Bravo", "Delta", "Alpha", "Charlie"]
        header.setSortIndicator(M.AMOUNT, Qt.SortOrder.AscendingOrder)
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Charlie", "Alpha", "Delta", "Bravo"]
        assert names(page) == tenant.names("opportunities", sort="amount")

    def test_the_filter_box_matches_the_deal_name(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _made = company
        page = open_list(team_shell, qtbot, tenant).list
        page.search_edit.setText("rav")
        page.apply_filter()
        wait_loaded(page.model, qtbot)
        assert names(page) == ["Bravo"]

    def test_my_deals_shows_only_the_users_own(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _made = company
        page = open_list(team_shell, qtbot, tenant).list
        combo = page.views_bar.combo
        combo.setCurrentIndex(combo.findText("My deals"))
        combo.activated.emit(combo.currentIndex())
        wait_loaded(page.model, qtbot)
        assert sorted(names(page)) == ["Alpha", "Charlie", "Delta"]  # Bravo is Riley's
        assert page.model.fixed_filters == ("owner_id:eq:me",)

    def test_a_deal_changed_elsewhere_changes_in_the_list(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        page = open_list(team_shell, qtbot, tenant).list
        live = team_shell.live
        assert live is not None
        qtbot.waitUntil(lambda: live.connected, timeout=20_000)  # only then change it
        tenant.change("opportunities", made["deals"]["Charlie"]["id"], amount="999.00")
        qtbot.waitUntil(
            lambda: any(row[M.AMOUNT] == "$999.00" for row in rows(page)), timeout=TIMEOUT_MS
        )


class TestManyAtOnce:
    def test_assign_several_to_a_colleague(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        page = open_list(team_shell, qtbot, tenant).list
        bar = page.selection.bar
        select(page, ["Alpha", "Delta"])
        assert bar.isVisible()
        assert bar.label.text() == "2 deals selected"
        action = next(a for a in bar.assign_menu.actions() if a.text() == "Riley Rep")
        action.trigger()
        qtbot.waitUntil(
            lambda: page.banner.text() == "Gave 2 deals to Riley Rep.", timeout=TIMEOUT_MS
        )
        deals, rep = made["deals"], made["rep"]
        for name in ("Alpha", "Delta"):
            assert (
                server_record(tenant, "opportunities", deals[name]["id"])["owner_id"] == rep["id"]
            )
        charlie = server_record(tenant, "opportunities", deals["Charlie"]["id"])
        assert charlie["owner_id"] != rep["id"]
        wait_loaded(page.model, qtbot)
        shown = {row[M.NAME]: row[M.OWNER] for row in rows(page)}
        assert shown == {
            "Alpha": "Riley Rep", "Bravo": "Riley Rep", "Charlie": "Olive Owner",
            "Delta": "Riley Rep",
        }  # fmt: skip

    def test_set_the_stage_of_several(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        page = open_list(team_shell, qtbot, tenant).list
        select(page, ["Charlie", "Delta"])
        dialog = page.selection.open_set_field()
        assert dialog is not None
        third = list(made["stages"])[2]
        item = dialog.choose("stage_id")
        item.input.set_value(made["stages"][third])
        with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
            dialog.save_button.click()
        deals = made["deals"]
        for name in ("Charlie", "Delta"):
            deal = server_record(tenant, "opportunities", deals[name]["id"])
            assert deal["stage_id"] == made["stages"][third]
        wait_loaded(page.model, qtbot)
        stages = {row[M.NAME]: row[M.STAGE] for row in rows(page)}
        assert stages["Charlie"] == stages["Delta"] == third

    def test_delete_asks_and_undo_brings_them_back(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, _made = company
        page = open_list(team_shell, qtbot, tenant).list
        sort_by_name(page, qtbot)
        select(page, ["Alpha", "Bravo"])
        page.selection.bar.delete_button.click()
        click(page.confirm_box, "Delete")
        qtbot.waitUntil(lambda: names(page) == ["Charlie", "Delta"], timeout=TIMEOUT_MS)
        assert page.banner.text() == "Moved 2 deals to the trash."
        assert sorted(tenant.names("opportunities")) == ["Charlie", "Delta"]

        page.banner.button.click()  # Undo
        qtbot.waitUntil(lambda: len(names(page)) == 4, timeout=TIMEOUT_MS)
        assert sorted(tenant.names("opportunities")) == ["Alpha", "Bravo", "Charlie", "Delta"]

    def test_export_the_selection_and_the_view(
        self,
        team_shell: DesktopShell,
        qtbot: QtBot,
        company: tuple[Tenant, dict[str, Any]],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        tenant, _made = company
        targets = iter([tmp_path / "picked.csv", tmp_path / "view.csv"])
        monkeypatch.setattr(
            files.QFileDialog,
            "getSaveFileName",
            lambda *_args: (str(next(targets)), "CSV files (*.csv)"),
        )
        page = open_list(team_shell, qtbot, tenant).list
        sort_by_name(page, qtbot)
        select(page, ["Bravo", "Delta"])
        page.selection.bar.export_button.click()
        qtbot.waitUntil((tmp_path / "picked.csv").exists, timeout=TIMEOUT_MS)
        with (tmp_path / "picked.csv").open(newline="") as handle:
            picked = list(csv.DictReader(handle))
        assert [(row["name"], row["amount"]) for row in picked] == [
            ("Bravo", "50000.00"), ("Delta", "7500.00")
        ]  # fmt: skip

        page.export_action.trigger()
        qtbot.waitUntil((tmp_path / "view.csv").exists, timeout=TIMEOUT_MS)
        with (tmp_path / "view.csv").open(newline="") as handle:
            whole = list(csv.DictReader(handle))
        assert [row["name"] for row in whole] == ["Alpha", "Bravo", "Charlie", "Delta"]


class TestTheDetail:
    def test_a_deal_shows_beside_the_list_and_edits_in_the_deal_editor(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        page = open_list(team_shell, qtbot, tenant).list
        select(page, ["Bravo"])
        detail = page.detail
        assert detail.isVisible()
        assert detail.deal is not None
        qtbot.waitUntil(lambda: detail.values()["Account"] == "Acme Robotics", timeout=TIMEOUT_MS)
        values = detail.values()
        assert values["Stage"] == list(made["stages"])[1]
        assert values["Amount"] == "$50,000.00"
        assert values["Owner"] == "Riley Rep"
        # The account is a link to its page.
        with qtbot.waitSignal(detail.related_wanted, timeout=TIMEOUT_MS) as heard:
            label = detail.field_labels["Account"]
            qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
        assert heard.args == ["account", made["acme"]["id"]]

        detail.edit_button.click()
        dialog = page.deal_dialog
        assert isinstance(dialog, OpportunityDialog)
        assert dialog.record is not None
        assert dialog.record.id == made["deals"]["Bravo"]["id"]
        qtbot.waitUntil(lambda: not dialog.loading, timeout=TIMEOUT_MS)
        dialog.name_edit.setText("Bravo — 200 seats")
        with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
            dialog.submit()
        bravo = server_record(tenant, "opportunities", made["deals"]["Bravo"]["id"])
        assert bravo["name"] == "Bravo — 200 seats"
        qtbot.waitUntil(lambda: "Bravo — 200 seats" in names(page), timeout=TIMEOUT_MS)

    def test_a_found_deal_opens_beside_the_list_while_it_shows(
        self, team_shell: DesktopShell, qtbot: QtBot, company: tuple[Tenant, dict[str, Any]]
    ) -> None:
        tenant, made = company
        area = open_list(team_shell, qtbot, tenant)
        window = team_shell.main_window
        assert window is not None
        window.show_page("Accounts")
        team_shell._open_found("opportunity", made["deals"]["Delta"]["id"])
        assert window.pages.currentWidget() is area
        assert area.view == LIST
        detail = area.list.detail
        qtbot.waitUntil(
            lambda: detail.deal is not None and detail.deal.name == "Delta", timeout=TIMEOUT_MS
        )
        assert area.board.dialog is None  # not the board's editor


class TestTheSwitch:
    def test_board_and_list_each_show_and_the_choice_is_kept(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        tenant = sign_up(solo_server)
        tenant.create("opportunities", name="Only deal", amount="10.00")
        sign_in(team_shell, qtbot, tenant.email, STRONG_PASSWORD)
        window = team_shell.main_window
        assert window is not None
        area = window.show_page("Pipeline")
        assert isinstance(area, DealsPage)
        switch = area.switch
        assert area.view == BOARD
        assert area.board.isVisible()
        assert not area.list.isVisible()
        assert switch.buttons[BOARD].isChecked()
        assert area.board.title_row.indexOf(switch) >= 0  # beside the board's title
        wait_board(area.board, qtbot)

        switch.buttons[BOARD].setFocus()
        qtbot.keyClick(switch.buttons[BOARD], Qt.Key.Key_Right)  # the keyboard reaches it
        assert area.view == LIST
        assert area.list.isVisible()
        assert not area.board.isVisible()
        assert switch.isVisible()
        assert area.list.title_row.indexOf(switch) >= 0
        wait_loaded(area.list.model, qtbot)
        assert names(area.list) == ["Only deal"]

        window.show_page("Accounts")
        window.show_page("Pipeline")
        assert area.view == LIST
        assert area.list.isVisible()

        switch.buttons[BOARD].click()
        assert area.board.isVisible()
        assert not area.list.isVisible()
        wait_board(area.board, qtbot)
        cards = [card.name for c in area.board.columns.values() for card in c.model.cards()]
        assert cards == ["Only deal"]

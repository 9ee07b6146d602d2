"""The board's owner filter (issue 11, "an owner filter on the board"): everyone's deals,
the user's own, or a colleague's; the columns' counts and cards follow. Against the real
solo backend."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ops import Operations
from tests.app.crm_support import sign_up
from tests.app.features.pipeline.board_support import open_board, signed_in, stages, wait_board
from tests.app.support import SoloServer


def shown(page: object) -> dict[str, list[str]]:
    columns = page.columns  # type: ignore[attr-defined]
    return {
        column.stage.name: sorted(card.name for card in column.model.cards())
        for column in columns.values()
        if column.model.cards()
    }


class TestTheBoardsOwnerFilter:
    def test_my_deals_and_a_colleagues_deals(
        self, qtbot: QtBot, ops: Operations, solo_server: SoloServer
    ) -> None:
        tenant = sign_up(solo_server)
        rep = tenant.add_user("rep", name="Riley Rep")
        steps = stages(tenant)
        acme = tenant.create("accounts", name="Acme")

        def deal(name: str, stage: int, **more: object) -> None:
            tenant.create(
                "opportunities", name=name, account_id=acme["id"], stage_id=steps[stage]["id"],
                **more,
            )  # fmt: skip

        deal("Mine A", 0)
        deal("Mine B", 1)
        deal("Riley's", 0, owner_id=rep["id"])
        with signed_in(tenant, ops, qtbot) as client:
            page = open_board(client, ops, qtbot)
            first, second = steps[0]["name"], steps[1]["name"]
            assert shown(page) == {first: ["Mine A", "Riley's"], second: ["Mine B"]}

            page.show_owner("me")
            wait_board(page, qtbot)
            assert shown(page) == {first: ["Mine A"], second: ["Mine B"]}
            assert page.columns[steps[0]["id"]].summary.count == 1

            qtbot.waitUntil(lambda: page.owner_combo.findData(rep["id"]) >= 0, timeout=10_000)
            assert page.owner_combo.itemText(page.owner_combo.findData(rep["id"])) == (
                "Riley Rep's deals"
            )
            page.show_owner(rep["id"])
            wait_board(page, qtbot)
            assert shown(page) == {first: ["Riley's"]}
            assert page.columns[steps[1]["id"]].summary.count == 0

            page.show_owner(None)
            wait_board(page, qtbot)
            assert shown(page) == {first: ["Mine A", "Riley's"], second: ["Mine B"]}

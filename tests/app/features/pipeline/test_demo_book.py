"""The demo book's deals (issue 11, defect 12): named as the card and the editor show
them (not "Tyrell Biotech — Renewal" on one and "Renewal" on the other), and a closed
deal closed in the past. Read over HTTP from the solo backend's demo company."""

from __future__ import annotations

from datetime import date

from tests.app.support import DEMO_ADMIN, SoloServer


def all_of(server: SoloServer, token: str, kind: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        response = server.call("GET", f"/api/v1/{kind}", token, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


class TestTheDemoDeals:
    def test_names_do_not_repeat_the_account_and_closed_ones_are_past(
        self, solo_server: SoloServer
    ) -> None:
        token = solo_server.login(DEMO_ADMIN)["access_token"]
        accounts = {a["id"]: a["name"] for a in all_of(solo_server, token, "accounts")}
        deals = all_of(solo_server, token, "opportunities")
        assert deals
        for deal in deals:
            account = accounts.get(str(deal["account_id"]), "")
            assert not str(deal["name"]).startswith(f"{account} — "), deal["name"]
            if deal["status"] != "open" and deal["close_date"]:
                assert date.fromisoformat(str(deal["close_date"])) <= date.today(), deal

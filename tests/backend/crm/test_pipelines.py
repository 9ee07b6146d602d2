"""Pipelines as admins shape them (stages: names, order, win probabilities) and the board
of one owner's deals."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import crm
from tests.factories.auth import Login, add_user, signup

P = "/api/v1/pipelines"


async def default_pipeline(api: httpx.AsyncClient, who: Login) -> dict[str, Any]:
    r = await api.get(P, headers=who.headers)
    assert r.status_code == 200, r.text
    pipeline: dict[str, Any] = r.json()["items"][0]
    return pipeline


def edits(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: s[k] for k in ("id", "name", "probability", "outcome") if k in s} for s in stages]


class TestEditingStages:
    async def test_rename_reweight_reorder_add_and_remove(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        pipeline = await default_pipeline(api, admin)
        stages = edits(pipeline["stages"])
        by_name = {s["name"]: s for s in stages}
        wanted = [
            {**by_name["Qualification"], "name": "Qualified", "probability": 25},
            by_name["Prospecting"],
            {"name": "Demo", "probability": 50, "outcome": "open"},
            by_name["Negotiation"],
            by_name["Closed Won"],
            by_name["Closed Lost"],
        ]  # Discovery and Proposal (no deals) are left out
        r = await api.put(
            f"{P}/{pipeline['id']}/stages", json={"stages": wanted}, headers=admin.headers
        )
        assert r.status_code == 200, r.text
        got = r.json()["stages"]
        assert [(s["name"], s["probability"], s["position"]) for s in got] == [
            ("Qualified", 25, 0),
            ("Prospecting", 10, 1),
            ("Demo", 50, 2),
            ("Negotiation", 80, 3),
            ("Closed Won", 100, 4),
            ("Closed Lost", 0, 5),
        ]
        assert got[0]["id"] == by_name["Qualification"]["id"]  # the same stage, renamed
        again = await default_pipeline(api, admin)
        assert [s["name"] for s in again["stages"]] == [s["name"] for s in got]

    async def test_a_stage_holding_deals_is_not_removed(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        admin = tenant.admin
        pipeline = await default_pipeline(api, admin)
        stages = edits(pipeline["stages"])
        proposal = next(s for s in stages if s["name"] == "Proposal")
        await crm.opportunity(api, admin, "Big one", stage_id=proposal["id"])
        r = await api.put(
            f"{P}/{pipeline['id']}/stages",
            json={"stages": [s for s in stages if s is not proposal]},
            headers=admin.headers,
        )
        assert r.status_code == 409, r.text
        body = r.json()["error"]
        assert "Proposal holds 1 deal" in body["message"]
        assert [d["field"] for d in body["details"]] == ["body.stages"]
        assert len((await default_pipeline(api, admin))["stages"]) == len(stages)

    async def test_bad_stages_name_the_field_and_reps_may_not(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant, "rep")
        pipeline = await default_pipeline(api, tenant.admin)
        stages = edits(pipeline["stages"])
        path = f"{P}/{pipeline['id']}/stages"
        no_won = [s for s in stages if s["outcome"] != "won"]
        r = await api.put(path, json={"stages": no_won}, headers=tenant.admin.headers)
        assert r.status_code == 422
        assert [d["field"] for d in r.json()["error"]["details"]] == ["body.stages"]
        r = await api.put(path, json={"stages": stages}, headers=rep.headers)
        assert r.status_code == 403


class TestTheBoardOfOneOwner:
    async def test_owner_filter_counts_that_owners_deals(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        manager = await add_user(api, tenant, "manager")
        rep = await add_user(api, tenant, "rep", manager_id=manager.user_id)
        await crm.opportunity(api, rep, "Reps deal", amount="100.00")
        await crm.opportunity(api, manager, "Managers deal", amount="40.00")
        await crm.opportunity(api, tenant.admin, "Admins deal", amount="7.00")
        pipeline = await default_pipeline(api, manager)
        board = f"{P}/{pipeline['id']}/board"

        def first(body: dict[str, Any]) -> tuple[int, dict[str, str]]:
            column = body["columns"][0]
            return column["count"], column["totals"]

        everyone = (await api.get(board, headers=manager.headers)).json()
        assert first(everyone) == (2, {"USD": "140.00"})
        reps = await api.get(board, params={"owner_id": rep.user_id}, headers=manager.headers)
        assert first(reps.json()) == (1, {"USD": "100.00"})
        mine = await api.get(board, params={"owner_id": "me"}, headers=manager.headers)
        assert first(mine.json()) == (1, {"USD": "40.00"})
        # An owner out of the caller's reach counts nothing (never another's figures).
        admins = await api.get(
            board, params={"owner_id": tenant.admin.user_id}, headers=manager.headers
        )
        assert first(admins.json()) == (0, {})
        bad = await api.get(board, params={"owner_id": "someone"}, headers=manager.headers)
        assert bad.status_code == 422

"""Custom field definitions: the rules they follow, and the rules they give values."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import crm
from tests.factories.auth import add_user, signup

CF = crm.CUSTOM_FIELDS


def _fields_of(r: httpx.Response) -> list[str]:
    return [d["field"] for d in r.json()["error"]["details"]]


class TestDefinitions:
    async def test_a_key_exists_once_per_kind_of_record(self, api: httpx.AsyncClient) -> None:
        admin = (await signup(api)).admin
        await crm.custom_field(api, admin, "tier")
        again = await api.post(
            CF,
            json={"object_type": "contact", "key": "tier", "label": "T", "field_type": "text"},
            headers=admin.headers,
        )
        assert again.status_code == 409  # taken: a conflict with what exists
        assert _fields_of(again) == ["body.key"]
        # The same key on another kind is another field.
        other = await crm.custom_field(api, admin, "tier", object_type="account")
        assert other["object_type"] == "account"

    async def test_a_select_field_needs_options_and_keeps_them(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        none = await api.post(
            CF,
            json={"object_type": "contact", "key": "size", "label": "S", "field_type": "select"},
            headers=admin.headers,
        )
        assert none.status_code == 422
        assert _fields_of(none) == ["body.options"]
        field = await crm.custom_field(api, admin, "size", "select", options=["S", "M"])
        emptied = await api.patch(
            f"{CF}/{field['id']}", json={"options": []}, headers=admin.headers
        )
        assert emptied.status_code == 422
        assert _fields_of(emptied) == ["body.options"]
        kept = await api.get(f"{CF}?object_type=contact", headers=admin.headers)
        assert [f["options"] for f in kept.json()["items"]] == [["S", "M"]]

    async def test_only_admins_define_fields(self, api: httpx.AsyncClient) -> None:
        tenant = await signup(api)
        rep = await add_user(api, tenant, "rep")
        r = await api.post(
            CF,
            json={"object_type": "contact", "key": "x", "label": "X", "field_type": "text"},
            headers=rep.headers,
        )
        assert r.status_code == 403
        field = await crm.custom_field(api, tenant.admin, "x")
        assert (await api.delete(f"{CF}/{field['id']}", headers=rep.headers)).status_code == 403

    async def test_removing_a_definition_keeps_the_values_stored(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        field = await crm.custom_field(api, admin, "note")
        person = await crm.contact(api, admin, custom_fields={"note": "keep me"})
        assert (await api.delete(f"{CF}/{field['id']}", headers=admin.headers)).status_code == 204
        assert (await api.delete(f"{CF}/{field['id']}", headers=admin.headers)).status_code == 404
        again = await api.get(f"{crm.CONTACTS}/{person['id']}", headers=admin.headers)
        assert again.json()["custom_fields"] == {"note": "keep me"}


class TestValues:
    @pytest.mark.parametrize(
        ("field_type", "options", "good", "bad"),
        [
            ("text", [], "hello", 42),
            ("number", [], 12.5, "twelve"),
            ("boolean", [], True, "yes"),
            ("date", [], "2027-01-31", "31/01/2027"),
            ("select", ["Gold", "Silver"], "Gold", "Bronze"),
            ("multi_select", ["a", "b"], ["a", "b"], ["a", "z"]),
        ],
    )
    async def test_a_value_must_fit_its_field(
        self, api: httpx.AsyncClient, field_type: str, options: list[str], good: object, bad: object
    ) -> None:
        admin = (await signup(api)).admin
        await crm.custom_field(api, admin, "f", field_type, options=options)
        wrong = await api.post(
            crm.CONTACTS,
            json={"last_name": "L", "custom_fields": {"f": bad}},
            headers=admin.headers,
        )
        assert wrong.status_code == 422
        assert _fields_of(wrong) == ["body.custom_fields.f"]
        right = await crm.contact(api, admin, custom_fields={"f": good})
        assert right["custom_fields"] == {"f": good}
        changed = await api.patch(
            f"{crm.CONTACTS}/{right['id']}",
            json={"custom_fields": {"f": bad}},
            headers=admin.headers,
        )
        assert changed.status_code == 422
        assert _fields_of(changed) == ["body.custom_fields.f"]

    async def test_a_required_field_is_required_on_create_and_cannot_be_cleared(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        await crm.custom_field(api, admin, "region", required=True)
        missing = await api.post(crm.CONTACTS, json={"last_name": "L"}, headers=admin.headers)
        assert missing.status_code == 422
        assert _fields_of(missing) == ["body.custom_fields.region"]
        person = await crm.contact(api, admin, custom_fields={"region": "EMEA"})
        other = await api.patch(
            f"{crm.CONTACTS}/{person['id']}", json={"title": "CTO"}, headers=admin.headers
        )
        assert other.status_code == 200  # changing something else leaves it alone
        cleared = await api.patch(
            f"{crm.CONTACTS}/{person['id']}",
            json={"custom_fields": {"region": None}},
            headers=admin.headers,
        )
        assert cleared.status_code == 422
        assert _fields_of(cleared) == ["body.custom_fields.region"]

    async def test_a_value_for_no_field_is_refused_and_null_clears_one(
        self, api: httpx.AsyncClient
    ) -> None:
        admin = (await signup(api)).admin
        await crm.custom_field(api, admin, "nick")
        unknown = await api.post(
            crm.CONTACTS,
            json={"last_name": "L", "custom_fields": {"shoe_size": 42}},
            headers=admin.headers,
        )
        assert unknown.status_code == 422
        assert _fields_of(unknown) == ["body.custom_fields.shoe_size"]
        person = await crm.contact(api, admin, custom_fields={"nick": "Al"})
        r = await api.patch(
            f"{crm.CONTACTS}/{person['id']}",
            json={"custom_fields": {"nick": None}},
            headers=admin.headers,
        )
        assert r.status_code == 200
        assert r.json()["custom_fields"] == {}

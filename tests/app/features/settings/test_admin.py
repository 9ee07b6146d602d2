"""Settings for admins (issue 11): custom fields made, renamed, reordered and retired;
pipeline stages renamed, re-weighted, reordered; a rep has neither. Against the real
solo backend."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.features.settings.view import SettingsPage
from app.qt.widgets import QSpinBox
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up
from tests.app.features.pipeline.board_support import stages
from tests.app.features.records.support import TIMEOUT_MS, click
from tests.app.support import STRONG_PASSWORD, SoloServer, sign_in


def settings_of(shell: DesktopShell, qtbot: QtBot, email: str) -> SettingsPage:
    sign_in(shell, qtbot, email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.show_page("Settings")
    assert isinstance(page, SettingsPage)
    page.show_section("Company")  # an admin's set-up: custom fields and stages (if shown)
    return page


def server_fields(tenant: Tenant, object_type: str) -> list[dict[str, Any]]:
    response = tenant.server.call(
        "GET", "/api/v1/custom-fields", tenant.token, params={"object_type": object_type}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return sorted(found, key=lambda f: f["position"])


@pytest.fixture
def company(solo_server: SoloServer) -> Tenant:
    return sign_up(solo_server)


class TestCustomFields:
    def test_add_rename_reorder_and_retire(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        page = settings_of(team_shell, qtbot, company.email)
        card = page.fields_card
        assert card is not None
        qtbot.waitUntil(lambda: not card.loading, timeout=TIMEOUT_MS)
        assert card.labels() == []

        for label, kind, options in (
            ("Customer tier", "select", "Gold, Silver"),
            ("Region code", "text", ""),
        ):
            dialog = card.open_add()
            qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT_MS)
            assert dialog.focusWidget() is dialog.label_edit  # the cursor in the first field
            dialog.label_edit.setText(label)
            dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(kind))
            dialog.options_edit.setText(options)
            with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
                dialog.save_button.click()
            qtbot.waitUntil(lambda label=label: label in card.labels(), timeout=TIMEOUT_MS)
        assert [(f["key"], f["options"]) for f in server_fields(company, "account")] == [
            ("customer_tier", ["Gold", "Silver"]),
            ("region_code", []),
        ]

        card.list.setCurrentRow(1)
        card.up_button.click()
        qtbot.waitUntil(
            lambda: card.labels() == ["Region code", "Customer tier"], timeout=TIMEOUT_MS
        )

        card.list.setCurrentRow(0)
        dialog = card.open_rename()
        assert dialog is not None
        assert not dialog.type_combo.isEnabled()  # a field's type is fixed once made
        dialog.label_edit.setText("Sales region")
        with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
            dialog.save_button.click()
        qtbot.waitUntil(lambda: card.labels()[0] == "Sales region", timeout=TIMEOUT_MS)

        card.list.setCurrentRow(1)
        card.retire_button.click()
        click(card.confirm_box, "Retire")
        qtbot.waitUntil(lambda: card.labels() == ["Sales region"], timeout=TIMEOUT_MS)
        assert [f["label"] for f in server_fields(company, "account")] == ["Sales region"]

        card.kind_combo.setCurrentIndex(card.kind_combo.findData("contact"))
        qtbot.waitUntil(lambda: not card.loading, timeout=TIMEOUT_MS)
        assert card.labels() == []

    def test_a_rep_has_no_set_up(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        rep = company.add_user("rep")
        page = settings_of(team_shell, qtbot, rep["email"])
        assert page.fields_card is None
        assert page.stages_card is None


class TestPipelineStages:
    def test_rename_reweight_reorder_and_a_refused_removal(
        self, team_shell: DesktopShell, qtbot: QtBot, company: Tenant
    ) -> None:
        before = stages(company)
        acme = company.create("accounts", name="Acme")
        company.create(
            "opportunities", name="Seats", account_id=acme["id"], stage_id=before[0]["id"]
        )
        page = settings_of(team_shell, qtbot, company.email)
        card = page.stages_card
        assert card is not None
        qtbot.waitUntil(lambda: card.table.rowCount() == len(before), timeout=TIMEOUT_MS)
        assert [d.name for d in card.drafts()] == [s["name"] for s in before]

        card.table.item(1, card.NAME).setText("Qualified")
        spin = card.table.cellWidget(1, card.PROBABILITY)
        assert isinstance(spin, QSpinBox)
        spin.setValue(35)
        card.table.selectRow(1)
        card.up_button.click()  # Qualified first
        card.save_button.click()
        qtbot.waitUntil(lambda: card.banner.isVisible(), timeout=TIMEOUT_MS)
        assert card.banner.text().startswith("Saved the stages")
        after = stages(company)
        assert [(s["name"], s["probability"]) for s in after[:2]] == [
            ("Qualified", 35),
            (before[0]["name"], before[0]["probability"]),
        ]
        assert after[0]["id"] == before[1]["id"]  # the same stage, renamed and moved

        row = next(r for r, d in enumerate(card.drafts()) if d.id == before[0]["id"])
        card.table.selectRow(row)
        card.remove_button.click()  # it holds a deal
        card.save_button.click()
        qtbot.waitUntil(lambda: card.save_button.isEnabled(), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: card.banner.property("tone") == "error", timeout=TIMEOUT_MS)
        assert "holds deals" in card.banner.text()
        assert len(stages(company)) == len(before)

"""Outcome banners go by themselves: "Created…" and "Saved…" fade after a few seconds and
never pile up; an error stays until it is dealt with (issue 11, defect 6)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

import app.widgets.form as form
from app.features.accounts.view import AccountsPage
from app.shell import DesktopShell
from tests.app.crm_support import sign_up
from tests.app.features.records.support import TIMEOUT_MS, open_dialog, open_page, save, type_into
from tests.app.support import SoloServer


class TestOutcomeBanners:
    def test_created_fades_and_a_second_replaces_the_first(
        self,
        team_shell: DesktopShell,
        qtbot: QtBot,
        solo_server: SoloServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(form, "FADE_MS", 1500)  # the same rule, a test's patience
        company = sign_up(solo_server)
        page: AccountsPage = open_page(team_shell, qtbot, company, "Accounts")
        for name in ("Acme", "Globex"):
            dialog = open_dialog(page, qtbot)
            type_into(dialog, "name", name)
            save(dialog, qtbot)
        banners = [b for b in page.findChildren(type(page.banner)) if b.isVisible()]
        assert banners == [page.banner]  # one line, the latest outcome
        assert page.banner.text() == "Created Globex."
        qtbot.waitUntil(lambda: not page.banner.isVisible(), timeout=TIMEOUT_MS)

    def test_an_error_stays(self, qtbot: QtBot) -> None:
        banner = form.MessageBanner()
        qtbot.addWidget(banner)
        banner.show()
        banner.show_message("The board could not be loaded.", "error")
        assert banner.isVisible()
        assert not banner.fade_timer.isActive()
        banner.show_message("Saved “Renewal”.", "success")
        assert banner.fade_timer.isActive()

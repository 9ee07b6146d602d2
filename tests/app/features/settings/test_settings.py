"""The Settings page: signed-in devices and the password, against the real solo backend.

Each test signs in as a user of its own, so ending sessions or changing the
password disturbs no other test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.api.auth import DeviceSession
from app.api.client import desktop_user_agent
from app.features.settings.model import (
    DeviceSessionsModel,
    describe_device,
    format_ago,
    format_moment,
)
from app.features.settings.view import SettingsPage
from app.qt.widgets import QLabel
from app.shell import DesktopShell
from tests.app.support import (
    SIGN_IN_TIMEOUT_MS,
    STRONG_PASSWORD,
    SoloServer,
    session_id_of,
    sign_in,
)


@pytest.fixture
def user(solo_server: SoloServer) -> dict[str, Any]:
    return solo_server.create_user()


def open_settings(shell: DesktopShell, qtbot: QtBot, user: dict[str, Any]) -> SettingsPage:
    sign_in(shell, qtbot, user["email"], STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.show_page("Settings")
    assert isinstance(page, SettingsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=SIGN_IN_TIMEOUT_MS)
    return page


def reload(page: SettingsPage, qtbot: QtBot) -> None:
    page.refresh()
    qtbot.waitUntil(page.refresh_button.isEnabled, timeout=SIGN_IN_TIMEOUT_MS)


class TestSignedInDevices:
    def test_lists_every_session_and_ends_another_one(
        self, team_shell: DesktopShell, solo_server: SoloServer, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        other = solo_server.login(user["email"], STRONG_PASSWORD)
        page = open_settings(team_shell, qtbot, user)
        reload(page, qtbot)
        model = page.model
        assert model.rowCount() == 2
        this, that = model.session_at(0), model.session_at(1)
        assert this.current
        assert not that.current
        device_name = describe_device(desktop_user_agent())  # "<host> · Linux app"
        assert model.index(0, DeviceSessionsModel.DEVICE).data() == device_name
        assert model.index(1, DeviceSessionsModel.DEVICE).data() == "pytest-other-device"
        assert model.index(0, DeviceSessionsModel.LAST_ACTIVE).data() == "Now"
        tag = page.table.indexWidget(model.index(0, DeviceSessionsModel.ACTION)).findChild(QLabel)
        assert tag is not None
        assert tag.text() == "This device"
        assert page.end_button_for(this.id) is None  # no way to end your own session here
        assert that.id == session_id_of(other["access_token"])

        button = page.end_button_for(that.id)
        assert button is not None
        button.click()
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=SIGN_IN_TIMEOUT_MS)
        assert model.session_at(0).current
        assert page.sessions_banner.text() == "That device was signed out."
        assert solo_server.refresh_status(other["refresh_token"]) == 401
        assert solo_server.call("GET", "/api/v1/auth/me", other["access_token"]).status_code == 401
        assert not page.end_others_button.isEnabled()  # nobody else left

    def test_end_all_others_asks_first(
        self, team_shell: DesktopShell, solo_server: SoloServer, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        others = [solo_server.login(user["email"], STRONG_PASSWORD) for _ in range(2)]
        page = open_settings(team_shell, qtbot, user)
        reload(page, qtbot)
        assert page.model.others() == 2

        page.end_others_button.click()
        box = page.confirm_box
        assert box is not None
        assert box.isVisible()
        assert box.text() == "Sign out 2 other devices?"
        cancel = box.cancel_button
        cancel.click()
        qtbot.waitUntil(lambda: not box.isVisible())
        assert page.end_others_button.isEnabled()  # ending them would have begun at once
        assert page.model.others() == 2  # nothing happened
        assert solo_server.call("GET", "/api/v1/auth/me", others[0]["access_token"]).is_success

        page.end_others_button.click()
        box = page.confirm_box
        assert box is not None
        confirm = next(b for b in box.buttons() if b.text() == "End sessions")
        confirm.click()
        qtbot.waitUntil(lambda: page.model.others() == 0, timeout=SIGN_IN_TIMEOUT_MS)
        assert page.sessions_banner.text() == "Signed out 2 other sessions."
        for ended in others:
            assert solo_server.refresh_status(ended["refresh_token"]) == 401
        assert team_shell.main_window is not None  # this device stays signed in


class TestChangePassword:
    def fill(self, page: SettingsPage, current: str, new: str, confirm: str | None = None) -> None:
        page.current_edit.setText(current)
        page.new_edit.setText(new)
        page.confirm_edit.setText(new if confirm is None else confirm)

    def wait_done(self, page: SettingsPage, qtbot: QtBot) -> None:
        page.change_button.click()
        qtbot.waitUntil(page.change_button.isEnabled, timeout=SIGN_IN_TIMEOUT_MS)

    def test_wrong_current_password_is_shown_beside_it(
        self, team_shell: DesktopShell, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        page = open_settings(team_shell, qtbot, user)
        self.fill(page, "not-my-password-1", "a-new-long-passphrase")
        self.wait_done(page, qtbot)
        assert page.current_field.error() == "This is not your current password."
        assert page.new_field.error() == ""
        assert not page.password_banner.isVisible()

    def test_common_new_password_is_shown_beside_it(
        self, team_shell: DesktopShell, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        page = open_settings(team_shell, qtbot, user)
        self.fill(page, STRONG_PASSWORD, "password1")
        self.wait_done(page, qtbot)
        assert page.new_field.error().startswith("This is one of the most common passwords")
        assert page.current_field.error() == ""

    def test_mismatch_is_caught_before_sending(
        self, team_shell: DesktopShell, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        page = open_settings(team_shell, qtbot, user)
        self.fill(page, STRONG_PASSWORD, "a-new-long-passphrase", "a-new-long-passphrasE")
        page.change_button.click()
        assert page.change_button.isEnabled()  # nothing was sent
        assert page.confirm_field.error() == "The two new passwords are not the same."

    def test_a_good_change_signs_out_the_other_devices(
        self, team_shell: DesktopShell, solo_server: SoloServer, user: dict[str, Any], qtbot: QtBot
    ) -> None:
        other = solo_server.login(user["email"], STRONG_PASSWORD)
        page = open_settings(team_shell, qtbot, user)
        self.fill(page, STRONG_PASSWORD, "a-new-long-passphrase")
        self.wait_done(page, qtbot)
        assert page.password_banner.text().startswith("Your password was changed.")
        assert page.current_edit.text() == ""
        assert solo_server.refresh_status(other["refresh_token"]) == 401
        solo_server.login(user["email"], "a-new-long-passphrase")  # the new one works


NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


def device(current: bool, minutes_ago: int, agent: str = "") -> DeviceSession:
    return DeviceSession(
        id=f"s-{minutes_ago}",
        created_at=NOW - timedelta(days=2),
        last_used_at=NOW - timedelta(minutes=minutes_ago),
        expires_at=NOW + timedelta(days=5),
        user_agent=agent,
        ip="10.0.0.7",
        current=current,
    )


class TestDeviceSessionsModel:
    def test_passes_qt_model_checks(self, qtmodeltester: ModelTester) -> None:
        model = DeviceSessionsModel(clock=lambda: NOW)
        model.set_sessions([device(False, 5), device(True, 0)])
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]

    def test_this_device_first_then_most_recent(self) -> None:
        model = DeviceSessionsModel(clock=lambda: NOW)
        model.set_sessions([device(False, 300), device(False, 5), device(True, 0)])
        assert [model.session_at(r).id for r in range(3)] == ["s-0", "s-5", "s-300"]
        assert model.index(1, DeviceSessionsModel.LAST_ACTIVE).data() == "5 minutes ago"
        assert model.index(2, DeviceSessionsModel.LAST_ACTIVE).data() == "5 hours ago"
        assert model.others() == 2

    def test_devices_read_as_people_name_them(self) -> None:
        assert (
            describe_device("SalesOS Desktop/0.1.0 (Linux; alex-laptop)")
            == "alex-laptop · Linux app"
        )
        assert describe_device("curl/8.5.0") == "curl/8.5.0"
        assert describe_device("") == "Unknown device"

    def test_times(self) -> None:
        assert format_ago(NOW - timedelta(seconds=20), NOW) == "Just now"
        assert format_ago(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
        local_now = NOW.astimezone()
        assert format_moment(NOW, NOW) == f"Today {local_now:%H:%M}"
        yesterday = NOW - timedelta(days=1)
        assert format_moment(yesterday, NOW) == f"Yesterday {yesterday.astimezone():%H:%M}"

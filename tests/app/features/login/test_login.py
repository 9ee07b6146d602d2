"""The login window against the real solo backend, reached as a team server over HTTP.

One backend serves the whole module (the demo users exist from its first start);
tests that lock or change an account use a user of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot

from app.errors import SESSION_ENDED
from app.features.login.model import Server, SignInPreferences
from app.features.login.ops import SAVED_SIGN_IN_EXPIRED, SIGNED_OUT_NOTE
from app.features.login.view import NO_KEYRING_NOTE, LoginWindow
from app.features.settings.view import SettingsPage
from app.keychain import Keychain
from app.ops import Operations
from app.shell import DesktopShell
from app.solo import SoloBackendRunner
from tests.app.support import (
    DEMO_ADMIN,
    DEMO_REP,
    SIGN_IN_TIMEOUT_MS,
    STRONG_PASSWORD,
    MemoryKeyring,
    SoloServer,
    fill_login,
    free_port,
    press_enter,
    session_id_of,
    sign_in,
    stop_shell,
)


def wait_idle(shell: DesktopShell, qtbot: QtBot) -> None:
    """Until the login window shows and no sign-in is under way."""
    window = shell.login_window
    qtbot.waitUntil(lambda: window.isVisible() and not window.busy, timeout=SIGN_IN_TIMEOUT_MS)


def submit_and_wait(shell: DesktopShell, qtbot: QtBot) -> None:
    """Press "Sign in" and wait until the answer is shown."""
    window = shell.login_window
    window.sign_in_button.click()
    assert window.busy
    qtbot.waitUntil(lambda: not window.busy, timeout=SIGN_IN_TIMEOUT_MS)


class TestSigningIn:
    def test_admin_gets_the_main_window_with_users(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        assert team_shell.login_window.isVisible()
        assert not team_shell.startup_window.isVisible()  # a team server: no solo start
        assert team_shell.progress.attempts == 0
        sign_in(team_shell, qtbot, DEMO_ADMIN)

        window = team_shell.main_window
        assert window is not None
        assert window.isVisible()
        assert not team_shell.login_window.isVisible()
        assert window.page_titles() == [
            "Home",
            "Accounts",
            "Contacts",
            "Pipeline",
            "System status",
            "Users",
            "Settings",
        ]
        assert window.account.name_label.text() == "Alex Admin"
        assert window.account.detail_label.text() == "Admin"
        assert window.connection_label.text() == f"Team · {solo_server.url}"

    def test_rep_gets_no_users_or_status_page(self, team_shell: DesktopShell, qtbot: QtBot) -> None:
        sign_in(team_shell, qtbot, DEMO_REP)
        window = team_shell.main_window
        assert window is not None
        assert window.page_titles() == [
            "Home",
            "Accounts",
            "Contacts",
            "Pipeline",
            "Settings",
        ]
        assert window.indicator.isVisible()  # the status bar still says how the server is
        assert window.account.detail_label.text() == "Sales rep"

    def test_enter_submits_and_the_choices_are_remembered(
        self,
        team_shell: DesktopShell,
        prefs: SignInPreferences,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        wait_idle(team_shell, qtbot)
        fill_login(team_shell.login_window, DEMO_REP)
        with qtbot.waitSignal(team_shell.main_window_shown, timeout=SIGN_IN_TIMEOUT_MS):
            press_enter(qtbot, team_shell.login_window)
        assert prefs.server == Server.team(solo_server.url)
        assert prefs.email == DEMO_REP
        assert not prefs.keep_signed_in
        assert team_shell.login_window.password_edit.text() == ""  # not kept around


class TestFirstRun:
    def test_the_demo_sign_in_is_shown_until_someone_signs_in(self, qtbot: QtBot) -> None:
        window = LoginWindow()
        qtbot.addWidget(window)
        window.set_first_run(True)
        assert "admin@demo.salesos.dev" in window.server_hint.text()
        assert "demo123!" in window.server_hint.text()
        assert window.subtitle.text() == "Welcome to SalesOS."
        window.set_first_run(False)
        assert window.subtitle.text() == "Welcome back."
        assert "demo" not in window.server_hint.text()


class TestWhatWentWrong:
    def test_wrong_password_says_so_and_stays(self, team_shell: DesktopShell, qtbot: QtBot) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        fill_login(window, DEMO_REP, "not-the-password")
        with qtbot.assertNotEmitted(team_shell.main_window_shown):
            submit_and_wait(team_shell, qtbot)
        assert window.banner.isVisible()
        assert window.banner.text() == "The password is not correct for this email."
        assert window.isVisible()
        assert team_shell.main_window is None
        assert window.password_edit.hasFocus()

    def test_an_unknown_email_says_so_and_goes_back_to_it(
        self, team_shell: DesktopShell, qtbot: QtBot
    ) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        fill_login(window, "nobody-here@example.com", "not-the-password")
        submit_and_wait(team_shell, qtbot)
        assert window.banner.text() == "No account uses this email. Check it, or sign up."
        assert window.email_edit.hasFocus()

    def test_locked_account_says_how_long_to_wait(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        user = solo_server.create_user()
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        for _ in range(4):  # the first three are free, the fourth earns a wait
            fill_login(window, user["email"], "wrong-password-1")
            submit_and_wait(team_shell, qtbot)
            assert window.banner.text() == "The password is not correct for this email."

        fill_login(window, user["email"], STRONG_PASSWORD)  # right, but too soon
        submit_and_wait(team_shell, qtbot)
        assert re.fullmatch(
            r"Too many failed sign-ins\. Try again in [1-9]\d* seconds?\.", window.banner.text()
        ), window.banner.text()
        assert team_shell.main_window is None

        # The count goes down to "now", and then the right password works.
        qtbot.waitUntil(
            lambda: window.banner.text() == "Too many failed sign-ins. You can try again now.",
            timeout=5_000,
        )
        window.password_edit.setText(STRONG_PASSWORD)
        with qtbot.waitSignal(team_shell.main_window_shown, timeout=SIGN_IN_TIMEOUT_MS):
            window.sign_in_button.click()

    def test_server_field_error_shows_beside_the_field(
        self, team_shell: DesktopShell, qtbot: QtBot
    ) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        fill_login(window, "someone@localhost", "whatever-1")  # plausible here, not to the server
        submit_and_wait(team_shell, qtbot)
        assert window.email_field.error().startswith("Value is not a valid email address")
        assert not window.banner.isVisible()
        assert window.password_field.error() == ""

    def test_incomplete_form_is_not_sent(self, team_shell: DesktopShell, qtbot: QtBot) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        fill_login(window, "", "")
        window.sign_in_button.click()
        assert not window.busy  # nothing was sent
        assert window.email_field.error() == "Enter your email address."
        assert window.password_field.error() == "Enter your password."

    def test_dead_team_server_is_named(self, team_shell: DesktopShell, qtbot: QtBot) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        dead = f"http://127.0.0.1:{free_port()}"
        fill_login(window, DEMO_ADMIN, team_url=dead)
        submit_and_wait(team_shell, qtbot)
        assert window.banner.text().startswith(f"Cannot reach the SalesOS server at {dead}.")
        assert team_shell.main_window is None

    @pytest.mark.parametrize(
        ("typed", "problem"),
        [
            ("", "Enter the address of your team's SalesOS server."),
            ("sales.example.com", "Start the address with http:// or https://."),
            ("ftp://sales.example.com", "Start the address with http:// or https://."),
        ],
    )
    def test_bad_server_address_is_refused_before_sending(
        self, team_shell: DesktopShell, qtbot: QtBot, typed: str, problem: str
    ) -> None:
        wait_idle(team_shell, qtbot)
        window = team_shell.login_window
        fill_login(window, DEMO_ADMIN, team_url=typed)
        window.sign_in_button.click()
        assert not window.busy
        assert window.url_field.error() == problem


@pytest.fixture
def second_shell(
    ops: Operations, qtbot: QtBot, prefs: SignInPreferences
) -> Iterator[list[DesktopShell]]:
    """Room for a second desktop session (the app launched again); stopped at the end."""
    shells: list[DesktopShell] = []
    yield shells
    for shell in shells:
        stop_shell(shell, qtbot)


def relaunch(ops: Operations, prefs: SignInPreferences, shells: list[DesktopShell]) -> DesktopShell:
    shell = DesktopShell(SoloBackendRunner(), ops, prefs, Keychain(), health_interval_ms=60_000)
    shells.append(shell)
    shell.start()
    return shell


class TestKeepMeSignedIn:
    def test_next_launch_signs_in_from_the_keyring(
        self,
        team_shell: DesktopShell,
        second_shell: list[DesktopShell],
        ops: Operations,
        prefs: SignInPreferences,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        sign_in(team_shell, qtbot, DEMO_ADMIN, keep=True)
        entry = (Keychain.service_for(solo_server.url), DEMO_ADMIN)
        assert team_shell.signed_in is not None
        first_token = team_shell.signed_in.session.refresh_token
        qtbot.waitUntil(lambda: memory_keyring.secrets.get(entry) == first_token)
        assert stop_shell(team_shell, qtbot) == 0  # quit, staying signed in

        again = relaunch(ops, prefs, second_shell)
        qtbot.waitUntil(lambda: again.main_window is not None, timeout=SIGN_IN_TIMEOUT_MS)
        assert again.signed_in is not None
        assert again.signed_in.user.email == DEMO_ADMIN
        # The saved token was spent; the keyring holds the new one.
        new_token = again.signed_in.session.refresh_token
        assert new_token != first_token
        qtbot.waitUntil(lambda: memory_keyring.secrets.get(entry) == new_token)
        assert solo_server.refresh_status(first_token) == 401

    def test_sign_out_forgets_the_saved_sign_in_and_ends_the_session(
        self,
        team_shell: DesktopShell,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        sign_in(team_shell, qtbot, DEMO_REP, keep=True)
        entry = (Keychain.service_for(solo_server.url), DEMO_REP)
        qtbot.waitUntil(lambda: entry in memory_keyring.secrets)
        assert team_shell.signed_in is not None
        refresh_token = team_shell.signed_in.session.refresh_token
        window = team_shell.main_window
        assert window is not None

        with qtbot.waitSignal(team_shell.login_shown, timeout=SIGN_IN_TIMEOUT_MS):
            window.account.sign_out_button.click()

        assert not window.isVisible()
        assert team_shell.main_window is None
        login = team_shell.login_window
        assert login.isVisible()
        assert login.banner.text() == SIGNED_OUT_NOTE
        assert login.email_edit.text() == DEMO_REP
        assert login.password_edit.text() == ""
        assert entry not in memory_keyring.secrets
        assert solo_server.refresh_status(refresh_token) == 401

    def test_expired_saved_sign_in_shows_the_form_with_a_note(
        self,
        second_shell: list[DesktopShell],
        ops: Operations,
        prefs: SignInPreferences,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        server = Server.team(solo_server.url)
        prefs.remember(server, DEMO_REP, keep_signed_in=True)
        entry = (Keychain.service_for(server.key), DEMO_REP)
        memory_keyring.secrets[entry] = "a-refresh-token-the-server-never-issued"

        shell = relaunch(ops, prefs, second_shell)
        login = shell.login_window
        qtbot.waitUntil(lambda: login.banner.text() == SAVED_SIGN_IN_EXPIRED, timeout=10_000)
        assert not login.busy
        assert shell.main_window is None
        assert login.email_edit.text() == DEMO_REP
        qtbot.waitUntil(lambda: entry not in memory_keyring.secrets)

    def test_without_a_keyring_the_option_is_off_and_says_why(
        self,
        ops: Operations,
        prefs: SignInPreferences,
        second_shell: list[DesktopShell],
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        keyring.set_keyring(fail.Keyring())  # as on a machine without one
        prefs.remember(Server.team(solo_server.url), DEMO_REP, keep_signed_in=True)
        shell = relaunch(ops, prefs, second_shell)
        login = shell.login_window
        qtbot.waitUntil(lambda: login.keyring_note.isVisible(), timeout=10_000)
        assert login.keyring_note.text() == NO_KEYRING_NOTE
        assert not login.keep_box.isEnabled()
        assert not login.keep_box.isChecked()
        assert login.keep_box.toolTip() == NO_KEYRING_NOTE

        sign_in(shell, qtbot, DEMO_REP)  # signing in still works, just not kept
        assert shell.signed_in is not None
        assert not shell.signed_in.keep_signed_in

    def test_quitting_without_keep_ends_the_session_on_the_server(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        sign_in(team_shell, qtbot, DEMO_REP, keep=False)
        assert team_shell.signed_in is not None
        refresh_token = team_shell.signed_in.session.refresh_token
        assert stop_shell(team_shell, qtbot) == 0
        assert solo_server.refresh_status(refresh_token) == 401


class TestSessionKeptFresh:
    def test_expired_access_token_is_refreshed_without_the_user_noticing(
        self,
        team_shell: DesktopShell,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        sign_in(team_shell, qtbot, DEMO_REP, keep=True)
        signed = team_shell.signed_in
        window = team_shell.main_window
        assert signed is not None
        assert window is not None
        session = signed.session
        entry = (Keychain.service_for(solo_server.url), DEMO_REP)
        old_refresh = session.refresh_token
        qtbot.waitUntil(lambda: memory_keyring.secrets.get(entry) == old_refresh)
        # As after a laptop slept past the token's 15 minutes: a valid signature, expired.
        session._access_token = solo_server.expired_access_token(session.access_token)

        page = window.show_page("Settings")
        assert isinstance(page, SettingsPage)
        qtbot.waitUntil(lambda: page.model.rowCount() >= 1, timeout=SIGN_IN_TIMEOUT_MS)
        assert not page.sessions_banner.isVisible()  # no error: the call just worked
        assert session.refreshes == 1
        assert session.refresh_token != old_refresh
        qtbot.waitUntil(lambda: memory_keyring.secrets.get(entry) == session.refresh_token)
        assert team_shell.main_window is window

    def test_refresh_runs_by_itself_before_the_token_expires(
        self,
        team_shell: DesktopShell,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        sign_in(team_shell, qtbot, DEMO_REP, keep=True)
        assert team_shell.signed_in is not None
        session = team_shell.signed_in.session
        due = session.next_refresh_in()
        assert due is not None
        assert 800 < due <= 840
        old_refresh = session.refresh_token

        session.schedule_refresh(0.05)  # the timer, advanced
        qtbot.waitUntil(lambda: session.refreshes == 1, timeout=SIGN_IN_TIMEOUT_MS)
        assert session.refresh_token != old_refresh
        entry = (Keychain.service_for(solo_server.url), DEMO_REP)
        qtbot.waitUntil(lambda: memory_keyring.secrets.get(entry) == session.refresh_token)
        due = session.next_refresh_in()
        assert due is not None
        assert due > 800

    def test_session_ended_elsewhere_returns_to_the_login_window(
        self,
        team_shell: DesktopShell,
        memory_keyring: MemoryKeyring,
        solo_server: SoloServer,
        qtbot: QtBot,
    ) -> None:
        user = solo_server.create_user()
        sign_in(team_shell, qtbot, user["email"], STRONG_PASSWORD, keep=True)
        assert team_shell.signed_in is not None
        app_session = session_id_of(team_shell.signed_in.session.access_token)
        entry = (Keychain.service_for(solo_server.url), user["email"])
        qtbot.waitUntil(lambda: entry in memory_keyring.secrets)

        # The same user, on another device, ends the desktop's session.
        other = solo_server.login(user["email"], STRONG_PASSWORD)["access_token"]
        ended = solo_server.call("DELETE", f"/api/v1/auth/sessions/{app_session}", other)
        assert ended.status_code == 204

        window = team_shell.main_window
        assert window is not None
        with qtbot.waitSignal(team_shell.login_shown, timeout=SIGN_IN_TIMEOUT_MS):
            window.show_page("Settings")  # its first call finds out
        assert team_shell.main_window is None
        assert not window.isVisible()
        login = team_shell.login_window
        assert login.isVisible()
        assert login.banner.text() == SESSION_ENDED
        assert login.email_edit.text() == user["email"]
        qtbot.waitUntil(lambda: entry not in memory_keyring.secrets)

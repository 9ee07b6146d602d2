"""The Users page (admins) against the real solo backend: list, add, edit, deactivate."""

from __future__ import annotations

import uuid

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.api.session import User
from app.api.users import UserPage
from app.errors import SESSION_ENDED
from app.features.users.model import UsersTableModel
from app.features.users.view import UserDialog, UsersPage
from app.shell import DesktopShell
from tests.app.support import (
    DEMO_ADMIN,
    DEMO_MANAGER,
    DEMO_REP,
    SIGN_IN_TIMEOUT_MS,
    STRONG_PASSWORD,
    SoloServer,
    sign_in,
)


def open_users(shell: DesktopShell, qtbot: QtBot, email: str = DEMO_ADMIN) -> UsersPage:
    password = STRONG_PASSWORD if email != DEMO_ADMIN else None
    if password is None:
        sign_in(shell, qtbot, email)
    else:
        sign_in(shell, qtbot, email, password)
    assert shell.main_window is not None
    page = shell.main_window.show_page("Users")
    assert isinstance(page, UsersPage)
    qtbot.waitUntil(lambda: page.model.rowCount() >= 3, timeout=SIGN_IN_TIMEOUT_MS)
    return page


def wait_loaded(page: UsersPage, qtbot: QtBot) -> None:
    qtbot.waitUntil(page.refresh_button.isEnabled, timeout=SIGN_IN_TIMEOUT_MS)


def fill_new_user(
    dialog: UserDialog, email: str, name: str, role: str, password: str, manager: str = ""
) -> None:
    dialog.email_edit.setText(email)
    dialog.name_edit.setText(name)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(role))
    if manager:
        dialog.manager_combo.setCurrentIndex(dialog.manager_combo.findText(manager))
    dialog.password_edit.setText(password)


def submit(dialog: UserDialog, qtbot: QtBot) -> bool:
    """Press the dialog's main button and wait for the answer; whether it closed
    (a closed dialog is deleted soon after: do not touch it then)."""
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    dialog.save_button.click()
    qtbot.waitUntil(
        lambda: bool(closed) or dialog.save_button.isEnabled(), timeout=SIGN_IN_TIMEOUT_MS
    )
    return bool(closed)


def unique_email(word: str = "new") -> str:
    return f"{word}-{uuid.uuid4().hex[:10]}@demo.salesos.dev"


class TestList:
    def test_shows_the_company_with_roles_and_managers(
        self, team_shell: DesktopShell, qtbot: QtBot
    ) -> None:
        page = open_users(team_shell, qtbot)
        model = page.model
        row = model.row_of(DEMO_REP)
        assert row is not None
        cells = [model.index(row, c).data() for c in range(model.columnCount())]
        assert cells == ["Riley Rep", DEMO_REP, "Sales rep", "Morgan Manager", "Active"]
        assert model.index(model.row_of(DEMO_ADMIN) or 0, UsersTableModel.ROLE).data() == "Admin"
        assert page.count_label.text().endswith("users")
        # The signed-in admin cannot deactivate themselves.
        assert page.select_email(DEMO_ADMIN)
        assert page.edit_button.isEnabled()
        assert not page.deactivate_button.isEnabled()


class TestAddUser:
    def test_a_new_user_appears_in_the_table(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        page = open_users(team_shell, qtbot)
        page.add_button.click()
        dialog = page.dialog
        assert dialog is not None
        assert dialog.isVisible()
        email = unique_email()
        fill_new_user(dialog, email, "Dana Doe", "rep", STRONG_PASSWORD, "Morgan Manager (Manager)")
        assert submit(dialog, qtbot)
        assert page.dialog is None
        qtbot.waitUntil(lambda: page.model.row_of(email) is not None, timeout=SIGN_IN_TIMEOUT_MS)
        row = page.model.row_of(email)
        assert row is not None
        assert [page.model.index(row, c).data() for c in range(4)] == [
            "Dana Doe",
            email,
            "Sales rep",
            "Morgan Manager",
        ]
        assert page.banner.text() == f"Added Dana Doe ({email})."
        solo_server.login(email, STRONG_PASSWORD)  # and they can sign in

    def test_weak_password_is_shown_beside_the_password(
        self, team_shell: DesktopShell, qtbot: QtBot
    ) -> None:
        page = open_users(team_shell, qtbot)
        dialog = page.open_add_dialog()
        email = unique_email()
        fill_new_user(dialog, email, "Weak Walt", "rep", "password")
        assert not submit(dialog, qtbot)  # still open, to fix it
        assert dialog.password_field.error().startswith("This is one of the most common passwords")
        assert dialog.email_field.error() == ""
        assert not dialog.banner.isVisible()

        dialog.password_edit.setText("short")
        assert not submit(dialog, qtbot)
        assert dialog.password_field.error() == "Must be at least 8 characters."
        assert page.model.row_of(email) is None
        dialog.reject()

    def test_taken_email_is_shown_beside_the_email(
        self, team_shell: DesktopShell, qtbot: QtBot
    ) -> None:
        page = open_users(team_shell, qtbot)
        dialog = page.open_add_dialog()
        fill_new_user(dialog, DEMO_REP, "Riley Again", "rep", STRONG_PASSWORD)
        assert not submit(dialog, qtbot)
        assert dialog.email_field.error() == "An account with this email already exists."
        dialog.reject()

    def test_a_demoted_admin_is_signed_out_at_once(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        """The role travels in the access token, so a role change ends the user's
        sessions: their next action brings the sign-in window, not a stale admin page."""
        me = solo_server.create_user(role="admin")
        page = open_users(team_shell, qtbot, me["email"])
        admin = solo_server.login(DEMO_ADMIN)["access_token"]
        demoted = solo_server.call(
            "PATCH", f"/api/v1/users/{me['id']}", admin, json={"role": "rep"}
        )
        assert demoted.status_code == 200

        with qtbot.waitSignal(team_shell.login_shown, timeout=SIGN_IN_TIMEOUT_MS):
            page.refresh()  # its first call finds out
        assert team_shell.main_window is None
        assert team_shell.login_window.banner.text() == SESSION_ENDED


class TestEditAndDeactivate:
    def test_edit_changes_role_and_manager(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        user = solo_server.create_user(name="Edit Me")
        page = open_users(team_shell, qtbot)
        page.refresh()
        wait_loaded(page, qtbot)
        assert page.select_email(user["email"])
        page.edit_button.click()
        dialog = page.dialog
        assert dialog is not None
        assert dialog.editing is not None
        assert not dialog.email_edit.isEnabled()
        assert dialog.password_field.isHidden()
        dialog.name_edit.setText("Edited Person")
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("manager"))
        dialog.manager_combo.setCurrentIndex(dialog.manager_combo.findText("Alex Admin (Admin)"))
        assert submit(dialog, qtbot)
        qtbot.waitUntil(
            lambda: (
                page.model.index(page.model.row_of(user["email"]) or 0, 0).data() == "Edited Person"
            ),
            timeout=SIGN_IN_TIMEOUT_MS,
        )
        row = page.model.row_of(user["email"])
        assert row is not None
        assert page.model.index(row, UsersTableModel.ROLE).data() == "Manager"
        assert page.model.index(row, UsersTableModel.MANAGER).data() == "Alex Admin"

    def test_deactivate_asks_then_signs_them_out(
        self, team_shell: DesktopShell, solo_server: SoloServer, qtbot: QtBot
    ) -> None:
        user = solo_server.create_user()
        theirs = solo_server.login(user["email"], STRONG_PASSWORD)
        page = open_users(team_shell, qtbot)
        page.refresh()
        wait_loaded(page, qtbot)
        assert page.select_email(user["email"])

        page.deactivate_button.click()
        box = page.confirm_box
        assert box is not None
        assert box.isVisible()
        assert box.text() == f"Deactivate {user['name']}?"
        box.cancel_button.click()
        qtbot.waitUntil(lambda: not box.isVisible())
        assert page.deactivate_button.isEnabled()  # a deactivation would have begun at once
        assert solo_server.refresh_status(theirs["refresh_token"]) == 200  # untouched

        page.deactivate_button.click()
        box = page.confirm_box
        assert box is not None
        next(b for b in box.buttons() if b.text() == "Deactivate").click()
        row_status = lambda: page.model.index(  # noqa: E731
            page.model.row_of(user["email"]) or 0, UsersTableModel.STATUS
        ).data()
        qtbot.waitUntil(lambda: row_status() == "Deactivated", timeout=SIGN_IN_TIMEOUT_MS)
        assert page.banner.text() == f"Deactivated {user['name']}."
        with solo_server.api() as http:
            refused = http.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": STRONG_PASSWORD}
            )
        assert refused.status_code == 401
        assert page.select_email(user["email"])
        assert not page.deactivate_button.isEnabled()
        assert not page.edit_button.isEnabled()


def user(n: int, role: str = "rep", manager: str | None = None, active: bool = True) -> User:
    return User(
        id=f"u{n}",
        email=f"user{n:03}@x.test",
        name=f"User {n}",
        role=role,
        manager_id=manager,
        is_active=active,
    )


class TestUsersTableModel:
    def test_passes_qt_model_checks(self, qtmodeltester: ModelTester) -> None:
        model = UsersTableModel()
        model.reset(UserPage(items=[user(1, "manager"), user(2, manager="u1")], next_cursor="c"))
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]

    def test_pages_on_demand(self, qtbot: QtBot) -> None:
        model = UsersTableModel()
        model.reset(UserPage(items=[user(1), user(2, manager="u3")], next_cursor="after-2"))
        assert model.canFetchMore()
        assert model.index(1, UsersTableModel.MANAGER).data() == "Not loaded"
        with qtbot.waitSignal(model.more_wanted) as wanted:
            model.fetchMore()
        assert wanted.args == ["after-2"]
        assert not model.canFetchMore()  # not twice while loading
        model.append_page(UserPage(items=[user(3, "manager")], next_cursor=None))
        assert model.rowCount() == 3
        assert not model.canFetchMore()
        assert model.index(1, UsersTableModel.MANAGER).data() == "User 3"

    @pytest.mark.parametrize("active", [True, False])
    def test_possible_managers_are_active_managers_and_admins(self, active: bool) -> None:
        model = UsersTableModel()
        model.reset(UserPage(items=[user(1, "admin"), user(2, "manager", active=active), user(3)]))
        names = [u.name for u in model.possible_managers()]
        assert names == (["User 1", "User 2"] if active else ["User 1"])
        assert [u.name for u in model.possible_managers(excluding="u1")] == (
            ["User 2"] if active else []
        )


def test_managers_do_not_see_the_users_page(team_shell: DesktopShell, qtbot: QtBot) -> None:
    sign_in(team_shell, qtbot, DEMO_MANAGER)
    assert team_shell.main_window is not None
    assert "Users" not in team_shell.main_window.page_titles()

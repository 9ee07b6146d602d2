"""The Settings page: where I am signed in (end a session there), and my password."""

from __future__ import annotations

from app.api.auth import DeviceSession
from app.errors import UserMessage
from app.features.settings.admin import CustomFieldsCard, StagesCard
from app.features.settings.admin_ops import AdminOps
from app.features.settings.model import DeviceSessionsModel
from app.features.settings.ops import AccountOps
from app.qt.core import Qt
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog
from app.widgets.form import FormField, MessageBanner
from app.widgets.password_edit import PasswordEdit
from app.widgets.tables import fit_to_rows, list_table

NEW_PASSWORD_RULES = "At least 8 characters, and not a commonly used password."  # noqa: S105 - text for people, not a secret


def _card(parent: QWidget, title: str, subtitle: str) -> tuple[QFrame, QVBoxLayout, QHBoxLayout]:
    """A white card with a title, a muted line and a row for buttons at the right."""
    card = QFrame(parent)
    card.setObjectName("card")
    heading = QLabel(title, card)
    heading.setProperty("role", "headline")
    sub = QLabel(subtitle, card)
    sub.setProperty("role", "muted")
    sub.setWordWrap(True)
    text = QVBoxLayout()
    text.setSpacing(2)
    text.addWidget(heading)
    text.addWidget(sub)
    top = QHBoxLayout()
    top.setSpacing(8)
    top.addLayout(text, 1)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(20, 18, 20, 20)
    layout.setSpacing(14)
    layout.addLayout(top)
    return card, layout, top


class SettingsPage(QWidget):
    """My signed-in devices and my password; for an admin, the company's custom fields
    and pipeline stages too.

    The devices (and the set-up) load when the page is first shown and on "Refresh".

    Args:
        account: The account operations (sessions, password).
        admin: The set-up calls, for an admin (``None``: no set-up shown).
        autoload: Load the devices when the page is first shown.
        parent: The parent widget.
    """

    def __init__(
        self,
        account: AccountOps,
        *,
        admin: AdminOps | None = None,
        autoload: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self._account = account
        self._loaded_once = not autoload
        self.confirm_box: ConfirmDialog | None = None
        self.model = DeviceSessionsModel(parent=self)

        title = QLabel("Settings", self)
        title.setProperty("role", "pageTitle")

        sessions_card, sessions_layout, sessions_top = _card(
            self,
            "Signed-in devices",
            "End a session to sign that device out.",
        )
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", sessions_card)
        self.refresh_button.clicked.connect(self.refresh)
        self.end_others_button = QPushButton("End all other sessions", sessions_card)
        self.end_others_button.setProperty("variant", "danger")
        self.end_others_button.clicked.connect(self._confirm_end_others)
        sessions_top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        sessions_top.addWidget(self.end_others_button, 0, Qt.AlignmentFlag.AlignTop)
        self.table = list_table(sessions_card, "sessionsTable")
        self.table.setModel(self.model)
        self.table.setSelectionMode(self.table.selectionMode().NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DeviceSessionsModel.DEVICE, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (DeviceSessionsModel.ADDRESS, 130),
            (DeviceSessionsModel.SIGNED_IN, 150),
            (DeviceSessionsModel.LAST_ACTIVE, 130),
            (DeviceSessionsModel.ACTION, 130),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        self.sessions_banner = MessageBanner(sessions_card)
        sessions_layout.addWidget(self.table)
        sessions_layout.addWidget(self.sessions_banner)
        self.model.modelReset.connect(self._rows_changed)
        fit_to_rows(self.table)

        password_card, password_layout, _ = _card(
            self,
            "Change password",
            "Changing your password signs you out on every other device.",
        )
        self.current_edit = self._password_edit(password_card)
        self.new_edit = self._password_edit(password_card)
        self.confirm_edit = self._password_edit(password_card)
        self.current_field = FormField("Current password", self.current_edit, parent=password_card)
        self.new_field = FormField(
            "New password", self.new_edit, NEW_PASSWORD_RULES, parent=password_card
        )
        self.confirm_field = FormField(
            "Confirm new password", self.confirm_edit, parent=password_card
        )
        self.password_banner = MessageBanner(password_card)
        self.change_button = QPushButton("Change password", password_card)
        self.change_button.setProperty("variant", "primary")
        self.change_button.clicked.connect(self.change_password)
        fields = QVBoxLayout()
        fields.setSpacing(12)
        for field in (self.current_field, self.new_field, self.confirm_field):
            field.setMaximumWidth(420)
            fields.addWidget(field)
        password_layout.addLayout(fields)
        password_layout.addWidget(self.password_banner)
        buttons = QHBoxLayout()
        buttons.addWidget(self.change_button)
        buttons.addStretch(1)
        password_layout.addLayout(buttons)
        for edit in (self.current_edit, self.new_edit, self.confirm_edit):
            edit.returnPressed.connect(self.change_password)

        content = QWidget(self)
        content.setObjectName("pageContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addWidget(sessions_card)
        layout.addWidget(password_card)
        self.fields_card: CustomFieldsCard | None = None
        self.stages_card: StagesCard | None = None
        if admin is not None:  # the company's set-up: admins only
            self.fields_card = CustomFieldsCard(admin, content)
            self.stages_card = StagesCard(admin, content)
            layout.addWidget(self.fields_card)
            layout.addWidget(self.stages_card)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("pageScroll")
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    @staticmethod
    def _password_edit(parent: QWidget) -> PasswordEdit:
        return PasswordEdit(icon("eye"), icon("eye-off"), parent)

    # ------------------------------------------------------------------ sessions

    def refresh(self) -> None:
        """Load the signed-in devices again."""
        self._loaded_once = True
        self.refresh_button.setEnabled(False)
        self._account.load_sessions(self.show_sessions, self._sessions_failed)
        if self.fields_card is not None and self.stages_card is not None:
            self.fields_card.load()
            self.stages_card.load()

    def end_session(self, session_id: str) -> None:
        """Sign out the device of ``session_id``, then reload the list."""
        self._set_session_buttons_enabled(False)
        self._account.end_session(
            session_id,
            lambda: self._after_change("That device was signed out."),
            self._sessions_failed,
        )

    def end_other_sessions(self) -> None:
        """Sign out every other device (no question asked; the button asks first)."""
        self._set_session_buttons_enabled(False)
        self._account.end_others(
            lambda n: self._after_change(
                f"Signed out {n} other session{'s' if n != 1 else ''}."
                if n
                else "There were no other sessions."
            ),
            self._sessions_failed,
        )

    def _confirm_end_others(self) -> None:
        others = self.model.others()
        self.confirm_box = ask_to_confirm(
            self,
            "End other sessions",
            f"Sign out {others} other device{'s' if others != 1 else ''}?"
            if others
            else "Sign out every other device?",
            "End sessions",
            self.end_other_sessions,
        )
        self.confirm_box.setInformativeText(
            "They will have to sign in again. This device stays signed in."
        )

    def show_sessions(self, sessions: list[DeviceSession]) -> None:
        """Show a list of devices (what a load does when it finishes)."""
        self.refresh_button.setEnabled(True)
        self.model.set_sessions(sessions)

    def _after_change(self, text: str) -> None:
        self.sessions_banner.show_message(text, "success")
        self.refresh()

    def _sessions_failed(self, message: UserMessage) -> None:
        self.refresh_button.setEnabled(True)
        self._set_session_buttons_enabled(True)
        self.sessions_banner.show_message(
            " ".join(part for part in (message.title, message.text) if part), "error"
        )

    def _rows_changed(self) -> None:
        self.end_others_button.setEnabled(self.model.others() > 0)
        for row in range(self.model.rowCount()):
            session = self.model.session_at(row)
            index = self.model.index(row, DeviceSessionsModel.ACTION)
            cell = QWidget()
            cell.setObjectName("tableCell")
            box = QHBoxLayout(cell)
            box.setContentsMargins(0, 0, 8, 0)
            if session.current:
                tag = QLabel("This device", cell)
                tag.setProperty("role", "tag")
                box.addWidget(tag, 0, Qt.AlignmentFlag.AlignVCenter)
            else:
                button = QPushButton("End session", cell)
                button.setProperty("variant", "small")
                button.setObjectName("endSessionButton")
                button.clicked.connect(lambda _=False, sid=session.id: self.end_session(sid))
                box.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            box.addStretch(1)
            self.table.setIndexWidget(index, cell)
        fit_to_rows(self.table)

    def _set_session_buttons_enabled(self, enabled: bool) -> None:
        self.end_others_button.setEnabled(enabled and self.model.others() > 0)
        for row in range(self.model.rowCount()):
            cell = self.table.indexWidget(self.model.index(row, DeviceSessionsModel.ACTION))
            if cell is not None:
                for button in cell.findChildren(QPushButton):
                    button.setEnabled(enabled)

    def end_button_for(self, session_id: str) -> QPushButton | None:
        """The "End session" button of a session's row (for tests and accessibility)."""
        for row in range(self.model.rowCount()):
            if self.model.session_at(row).id == session_id:
                cell = self.table.indexWidget(self.model.index(row, DeviceSessionsModel.ACTION))
                return cell.findChild(QPushButton) if cell is not None else None
        return None

    # ------------------------------------------------------------------ password

    def change_password(self) -> None:
        """Check the form and ask the server to change the password."""
        for field in (self.current_field, self.new_field, self.confirm_field):
            field.set_error("")
        self.password_banner.clear_message()
        current, new = self.current_edit.text(), self.new_edit.text()
        if not current:
            self.current_field.set_error("Enter your current password.")
        if not new:
            self.new_field.set_error("Enter a new password.")
        elif self.confirm_edit.text() != new:
            self.confirm_field.set_error("The two new passwords are not the same.")
        if not current or not new or self.confirm_edit.text() != new:
            return
        self.change_button.setEnabled(False)
        self.change_button.setText("Changing…")
        self._account.change_password(current, new, self._password_changed, self._password_failed)

    def _password_changed(self) -> None:
        self._password_idle()
        for edit in (self.current_edit, self.new_edit, self.confirm_edit):
            edit.clear()
        self.password_banner.show_message(
            "Your password was changed. Your other devices were signed out.", "success"
        )
        self.refresh()

    def _password_failed(self, message: UserMessage) -> None:
        self._password_idle()
        fields = {"current_password": self.current_field, "new_password": self.new_field}
        placed = False
        for name, problem in message.fields.items():
            if name in fields:
                fields[name].set_error(problem)
                placed = True
        if not placed:
            self.password_banner.show_message(
                " ".join(part for part in (message.title, message.text) if part), "error"
            )

    def _password_idle(self) -> None:
        self.change_button.setEnabled(True)
        self.change_button.setText("Change password")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

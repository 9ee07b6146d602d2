"""The Settings page: where I am signed in (end a session there), and my password; other
features add their sections beside it as tabs (Mailboxes, Templates)."""

from __future__ import annotations

from app.api.auth import DeviceSession
from app.errors import UserMessage
from app.features.live.model import LiveChanges
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
    QTabWidget,
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


def _page_scroll(content: QWidget, parent: QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area, as the page's body or one of its tabs."""
    scroll = QScrollArea(parent)
    scroll.setObjectName("pageScroll")
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


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

        title = self._title = QLabel("Settings", self)
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
        layout.addStretch(1)
        scroll = self._account_scroll = _page_scroll(content, self)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(scroll)
        self.sections: QTabWidget | None = None
        """The tabs, once :meth:`add_section` added one beside "Account"."""
        self.fields_card: CustomFieldsCard | None = None
        self.stages_card: StagesCard | None = None
        if admin is not None:  # the company's set-up (custom fields, stages): admins only
            company = QWidget(self)
            company.setObjectName("pageContent")
            company_layout = QVBoxLayout(company)
            company_layout.setContentsMargins(32, 24, 32, 24)
            company_layout.setSpacing(16)
            self.fields_card = CustomFieldsCard(admin, company)
            self.stages_card = StagesCard(admin, company)
            company_layout.addWidget(self.fields_card)
            company_layout.addWidget(self.stages_card)
            company_layout.addStretch(1)
            self.add_section("Company", _page_scroll(company, self))

    # ------------------------------------------------------------------ sections

    def add_section(self, title: str, widget: QWidget) -> None:
        """Add a section of its own (Mailboxes, Templates) as a tab beside "Account"
        (devices and password), before an admin's "Company" (custom fields, stages); a
        section with ``follow(live)`` is handed the live stream by :meth:`follow`."""
        if self.sections is None:
            tabs = self.sections = QTabWidget(self)
            tabs.setObjectName("settingsSections")
            tabs.setDocumentMode(True)
            self._outer.removeWidget(self._account_scroll)
            tabs.addTab(self._account_scroll, "Account")
            # the page's title goes above the tabs: it names them all, not "Account"
            heading = QWidget(self)
            heading_layout = QVBoxLayout(heading)
            heading_layout.setContentsMargins(32, 24, 32, 8)
            self._title.setParent(heading)
            heading_layout.addWidget(self._title)
            self._outer.addWidget(heading)
            self._outer.addWidget(tabs)
        company = self.section("Company") if title != "Company" else None
        if company is not None:  # the company's set-up stays last, after "my" sections
            self.sections.insertTab(self.sections.indexOf(company), widget, title)
        else:
            self.sections.addTab(widget, title)

    def section(self, title: str) -> QWidget | None:
        """The section called ``title`` ("Account", "Mailboxes" …), if there is one."""
        tabs = self.sections
        if tabs is None:
            return self._account_scroll if title == "Account" else None
        for index in range(tabs.count()):
            if tabs.tabText(index) == title:
                return tabs.widget(index)
        return None

    def show_section(self, title: str) -> QWidget | None:
        """Switch to the section called ``title``; returns it."""
        widget = self.section(title)
        if widget is not None and self.sections is not None:
            self.sections.setCurrentWidget(widget)
        return widget

    def follow(self, live: LiveChanges) -> None:
        """Hand the live stream to each section that keeps itself up to date."""
        tabs = self.sections
        for index in range(tabs.count() if tabs is not None else 0):
            follow = getattr(tabs.widget(index), "follow", None) if tabs is not None else None
            if callable(follow):
                follow(live)

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

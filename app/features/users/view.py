"""The Users page (admins): the table, and the dialogs to add and edit a user."""

from __future__ import annotations

from app.api.session import ROLES, User, role_label
from app.api.users import UserPage
from app.errors import UserMessage
from app.features.login.model import check_email
from app.features.users.model import UsersTableModel
from app.features.users.ops import NewUser, UserAdminOps, UserChanges
from app.qt.core import QModelIndex, QSize, Signal
from app.qt.gui import QShowEvent
from app.qt.widgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.theme import icon
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog, FormDialog
from app.widgets.form import FormField, MessageBanner, fit_height
from app.widgets.password_edit import PasswordEdit
from app.widgets.tables import list_table

# Text for people, not a secret:
INITIAL_PASSWORD_RULES = "At least 8 characters; they can change it in Settings."  # noqa: S105


class UserDialog(FormDialog):
    """Add a user, or edit one's name, role and manager.

    The dialog stays open while the server is asked; :meth:`show_failure` puts
    the server's objections beside the fields they concern, and the page closes
    the dialog once the change went through.

    Args:
        managers: The people who can be chosen as manager.
        user: The user to edit; ``None`` to add one.
        parent: The parent widget.

    Signals:
        submitted(object): A :class:`NewUser` (adding) or :class:`UserChanges`
            (editing), once the form is complete.
    """

    submitted = Signal(object)

    def __init__(
        self, managers: list[User], user: User | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("userDialog")
        self._user = user
        adding = user is None
        self.setWindowTitle("Add user" if user is None else f"Edit {user.name}")
        self.setModal(True)
        self.setMinimumWidth(440)

        title = QLabel("Add a user" if adding else "Edit user", self)
        title.setProperty("role", "headline")
        subtitle = QLabel(
            "They sign in with this email and the initial password."
            if adding
            else "Change the name, role or manager. The email cannot change.",
            self,
        )
        subtitle.setProperty("role", "muted")
        subtitle.setWordWrap(True)

        self.email_edit = QLineEdit(self)
        self.email_edit.setPlaceholderText("name@company.com")
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Full name")
        self.role_combo = QComboBox(self)
        for role in ROLES:
            self.role_combo.addItem(role_label(role), role)
        self.manager_combo = QComboBox(self)
        self.manager_combo.addItem("No manager", None)
        for manager in managers:
            self.manager_combo.addItem(f"{manager.name} ({manager.role_label})", manager.id)
        self.password_edit = PasswordEdit(icon("eye"), icon("eye-off"), self)

        self.email_field = FormField("Email", self.email_edit, parent=self)
        self.name_field = FormField("Name", self.name_edit, parent=self)
        self.role_field = FormField("Role", self.role_combo, parent=self)
        self.manager_field = FormField("Manager", self.manager_combo, parent=self)
        self.password_field = FormField(
            "Initial password", self.password_edit, INITIAL_PASSWORD_RULES, parent=self
        )
        self.banner = MessageBanner(self)

        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Add user" if adding else "Save changes", self)
        self.save_button.setProperty("variant", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(4)
        layout.addWidget(self.email_field)
        layout.addWidget(self.name_field)
        pair = QHBoxLayout()
        pair.setSpacing(12)
        pair.addWidget(self.role_field, 1)
        pair.addWidget(self.manager_field, 1)
        layout.addLayout(pair)
        layout.addWidget(self.password_field)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        layout.addLayout(buttons)

        if user is not None:
            self.email_edit.setText(user.email)
            self.email_edit.setEnabled(False)
            self.name_edit.setText(user.name)
            self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(user.role)))
            self.manager_combo.setCurrentIndex(max(0, self.manager_combo.findData(user.manager_id)))
            self.password_field.hide()
        self.role_combo.setCurrentIndex(self.role_combo.findData(user.role if user else "rep"))
        for edit in (self.email_edit, self.name_edit, self.password_edit):
            edit.textEdited.connect(lambda _=None: self.banner.clear_message())
        self.email_edit.textEdited.connect(lambda _: self.email_field.set_error(""))
        self.name_edit.textEdited.connect(lambda _: self.name_field.set_error(""))
        self.password_edit.textEdited.connect(lambda _: self.password_field.set_error(""))

    @property
    def editing(self) -> User | None:
        """The user being edited; ``None`` when adding."""
        return self._user

    def submit(self) -> None:
        """Check the form and, if it is complete, emit :attr:`submitted`."""
        fields = (
            self.email_field,
            self.name_field,
            self.role_field,
            self.manager_field,
            self.password_field,
        )
        for field in fields:
            field.set_error("")
        self.banner.clear_message()
        problems = False
        if self._user is None:
            email_problem = check_email(self.email_edit.text())
            if email_problem:
                self.email_field.set_error(email_problem)
                problems = True
            if not self.password_edit.text():
                self.password_field.set_error("Enter an initial password.")
                problems = True
        if not self.name_edit.text().strip():
            self.name_field.set_error("Enter their name.")
            problems = True
        if problems:
            return
        role = str(self.role_combo.currentData())
        manager = self.manager_combo.currentData()
        manager_id = str(manager) if manager else None
        self.set_busy(True)
        if self._user is None:
            self.submitted.emit(
                NewUser(
                    email=self.email_edit.text().strip(),
                    name=self.name_edit.text().strip(),
                    role=role,
                    password=self.password_edit.text(),
                    manager_id=manager_id,
                )
            )
        else:
            self.submitted.emit(UserChanges(self.name_edit.text().strip(), role, manager_id))

    def set_busy(self, busy: bool) -> None:
        """Lock the form while the server is asked."""
        self.save_button.setEnabled(not busy)
        adding = self._user is None
        if busy:
            self.save_button.setText("Adding…" if adding else "Saving…")
        else:
            self.save_button.setText("Add user" if adding else "Save changes")

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objections beside their fields, the rest in the banner."""
        self.set_busy(False)
        fields = {
            "email": self.email_field,
            "name": self.name_field,
            "role": self.role_field,
            "manager_id": self.manager_field,
            "password": self.password_field,
        }
        unplaced = []
        focused = False
        for name, problem in message.fields.items():
            field = fields.get(name)
            if field is not None and field.isVisibleTo(self):
                field.set_error(problem)
                if not focused:
                    field.editor.setFocus()
                    focused = True
            else:
                unplaced.append(f"{name.replace('_', ' ').capitalize()}: {problem}")
        if not message.fields or unplaced:
            text = " ".join(part for part in (message.title, message.text) if part)
            self.banner.show_message("\n".join([text, *unplaced]), "error")
        if self.isVisible():
            fit_height(self)


class UsersPage(QWidget):
    """The company's users, for admins: add, edit, deactivate.

    Loads when first shown, and again after every change.

    Args:
        admin: The user operations.
        me: The signed-in admin (they cannot deactivate themselves here).
        autoload: Load the users when the page is first shown.
        parent: The parent widget.
    """

    def __init__(
        self,
        admin: UserAdminOps,
        me: User,
        *,
        autoload: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("usersPage")
        self._admin = admin
        self._me = me
        self._loaded_once = not autoload
        self.dialog: UserDialog | None = None
        self.confirm_box: ConfirmDialog | None = None
        self.model = UsersTableModel(self)
        self.model.more_wanted.connect(self._load_more)

        title = QLabel("Users", self)
        title.setProperty("role", "pageTitle")
        subtitle = QLabel("The people who can sign in to your company's SalesOS.", self)
        subtitle.setProperty("role", "muted")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(title)
        heading.addWidget(subtitle)
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.add_button = QPushButton("Add user", self)
        self.add_button.setProperty("variant", "primary")
        self.add_button.clicked.connect(self.open_add_dialog)
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addLayout(heading, 1)
        header.addWidget(self.refresh_button)
        header.addWidget(self.add_button)

        self.edit_button = QPushButton("Edit", self)
        self.edit_button.clicked.connect(self.open_edit_dialog)
        self.deactivate_button = QPushButton("Deactivate", self)
        self.deactivate_button.setProperty("variant", "danger")
        self.deactivate_button.clicked.connect(self._confirm_deactivate)
        self.count_label = QLabel("", self)
        self.count_label.setProperty("role", "muted")
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.deactivate_button)
        actions.addStretch(1)
        actions.addWidget(self.count_label)

        self.table = list_table(self, "usersTable")
        self.table.setModel(self.model)
        self.table.setIconSize(QSize(10, 10))
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setStretchLastSection(False)
        for column, width in (
            (UsersTableModel.NAME, 190),
            (UsersTableModel.ROLE, 110),
            (UsersTableModel.MANAGER, 170),
            (UsersTableModel.STATUS, 130),
        ):
            columns.resizeSection(column, width)
        columns.setSectionResizeMode(UsersTableModel.EMAIL, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.open_edit_dialog())
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)

        self.banner = MessageBanner(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(14)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Load the first page again."""
        self._loaded_once = True
        self.refresh_button.setEnabled(False)
        self._admin.load_page(None, self.show_users, self._failed)

    def show_users(self, page: UserPage) -> None:
        """Show a first page of users (what a load does when it finishes)."""
        self.refresh_button.setEnabled(True)
        selected = self.selected_user()
        self.model.reset(page)
        if selected is not None:
            row = self.model.row_of(selected.email)
            if row is not None:
                self.table.selectRow(row)
        self._update_count()

    def _load_more(self, cursor: str) -> None:
        def failed(message: UserMessage) -> None:
            self.model.more_failed()
            self._failed(message)

        self._admin.load_page(cursor, self._more_loaded, failed)

    def _more_loaded(self, page: UserPage) -> None:
        self.model.append_page(page)
        self._update_count()

    def _failed(self, message: UserMessage) -> None:
        self.refresh_button.setEnabled(True)
        text = " ".join(part for part in (message.title, message.text) if part)
        self.banner.show_message(text, "error")

    def _update_count(self) -> None:
        count = self.model.rowCount()
        more = "+" if self.model.canFetchMore() else ""
        self.count_label.setText(f"{count}{more} user{'s' if count != 1 else ''}")

    # ------------------------------------------------------------------ selection

    def selected_user(self) -> User | None:
        """The user of the selected row, if any."""
        index = self.table.selectionModel().currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if not rows and not index.isValid():
            return None
        row = rows[0].row() if rows else index.row()
        if not 0 <= row < self.model.rowCount():
            return None
        return self.model.user_at(row)

    def select_email(self, email: str) -> bool:
        """Select the row of ``email``; whether it is loaded."""
        row = self.model.row_of(email)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def _selection_changed(self) -> None:
        user = self.selected_user()
        self.edit_button.setEnabled(user is not None and user.is_active)
        self.deactivate_button.setEnabled(
            user is not None and user.is_active and user.id != self._me.id
        )
        if user is not None and user.id == self._me.id:
            self.deactivate_button.setToolTip("You cannot deactivate yourself.")
        else:
            self.deactivate_button.setToolTip("")

    # ------------------------------------------------------------------ adding, editing

    def open_add_dialog(self) -> UserDialog:
        """Open the "Add user" dialog (non-blocking)."""
        dialog = self._open_dialog(UserDialog(self.model.possible_managers(), None, self))
        dialog.submitted.connect(lambda new: self._create(dialog, new))
        return dialog

    def open_edit_dialog(self) -> UserDialog | None:
        """Open the "Edit user" dialog for the selected user (non-blocking)."""
        user = self.selected_user()
        if user is None or not user.is_active:
            return None
        managers = self.model.possible_managers(excluding=user.id)
        dialog = self._open_dialog(UserDialog(managers, user, self))
        dialog.submitted.connect(lambda changes: self._update(dialog, user, changes))
        return dialog

    def _open_dialog(self, dialog: UserDialog) -> UserDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: UserDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _create(self, dialog: UserDialog, new: NewUser) -> None:
        def done(user: User) -> None:
            dialog.accept()
            self.banner.show_message(f"Added {user.name} ({user.email}).", "success")
            self.refresh()

        self._admin.create(new, done, dialog.show_failure)

    def _update(self, dialog: UserDialog, user: User, changes: UserChanges) -> None:
        def done(updated: User) -> None:
            dialog.accept()
            self.banner.show_message(f"Saved the changes to {updated.name}.", "success")
            self.refresh()

        self._admin.update(user.id, changes, done, dialog.show_failure)

    # ------------------------------------------------------------------ deactivating

    def _confirm_deactivate(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        self.confirm_box = ask_to_confirm(
            self,
            "Deactivate user",
            f"Deactivate {user.name}?",
            "Deactivate",
            lambda: self.deactivate(user),
        )
        self.confirm_box.setInformativeText(
            f"{user.email} is signed out everywhere at once and can no longer sign in."
        )

    def deactivate(self, user: User) -> None:
        """Deactivate ``user`` (no question asked; the button asks first)."""
        self.deactivate_button.setEnabled(False)

        def done(updated: User) -> None:
            self.banner.show_message(f"Deactivated {updated.name}.", "success")
            self.refresh()

        def failed(message: UserMessage) -> None:
            self._selection_changed()
            self._failed(message)

        self._admin.deactivate(user.id, done, failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

    def index_of(self, email: str, column: int = 0) -> QModelIndex:
        """The model index of ``email``'s row (invalid when not loaded)."""
        row = self.model.row_of(email)
        return self.model.index(row, column) if row is not None else QModelIndex()

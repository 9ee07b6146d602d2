"""Helpers for the record editing tests: open a page signed in, custom fields, dialogs."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from app.features.records.editing import EditableRecordPage
from app.features.records.form import RecordDialog
from app.qt.widgets import QComboBox, QLineEdit, QPushButton
from app.shell import DesktopShell
from app.widgets.dialogs import ConfirmDialog
from tests.app.crm_support import Tenant, wait_loaded
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, sign_in

TIMEOUT_MS = SIGN_IN_TIMEOUT_MS


def open_page(shell: DesktopShell, qtbot: QtBot, tenant: Tenant, title: str) -> Any:
    """Sign in as the tenant's admin and show the page ``title``, loaded, custom fields known."""
    sign_in(shell, qtbot, tenant.email, STRONG_PASSWORD)
    assert shell.main_window is not None
    page = shell.main_window.show_page(title)
    assert isinstance(page, EditableRecordPage)
    wait_loaded(page.model, qtbot)
    qtbot.waitUntil(lambda: page.custom_fields is not None, timeout=TIMEOUT_MS)
    return page


def add_custom_field(
    tenant: Tenant,
    object_type: str,
    key: str,
    label: str,
    field_type: str,
    *,
    options: tuple[str, ...] = (),
    required: bool = False,
    position: int = 0,
) -> dict[str, Any]:
    """Define a custom field for the tenant (as an admin would in Settings)."""
    response = tenant.server.call(
        "POST",
        "/api/v1/custom-fields",
        tenant.token,
        json={
            "object_type": object_type,
            "key": key,
            "label": label,
            "field_type": field_type,
            "options": list(options),
            "required": required,
            "position": position,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def open_dialog(page: Any, qtbot: QtBot, record: Any = None) -> RecordDialog:
    """Open the create (``record`` None) or edit dialog of ``page`` and wait for it."""
    if record is None:
        page.new_button.click()
    else:
        page.open_edit_dialog(record)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=TIMEOUT_MS)
    dialog: RecordDialog = page.dialog
    return dialog


def type_into(dialog: RecordDialog, key: str, text: str) -> None:
    """Replace the text of a text field as a user would (the dialog hears the edit)."""
    editor = dialog.field(key).editor
    line = editor.lineEdit() if isinstance(editor, QComboBox) else editor
    assert isinstance(line, QLineEdit)
    line.selectAll()
    line.insert(text)


def save(dialog: RecordDialog, qtbot: QtBot) -> None:
    """Click Save and wait until the server accepted the record (the dialog closes)."""
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        dialog.save_button.click()


def wait_idle(dialog: RecordDialog, qtbot: QtBot) -> None:
    """Wait until the server answered (Save is enabled again)."""
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT_MS)


def click(box: ConfirmDialog | None, text: str) -> None:
    """Click the button labelled ``text`` of a question box."""
    assert box is not None
    buttons = [b for b in box.buttons() if isinstance(b, QPushButton) and b.text() == text]
    assert buttons, [b.text() for b in box.buttons()]
    buttons[0].click()


def server_record(tenant: Tenant, kind: str, record_id: str) -> dict[str, Any]:
    """The record as the server has it now."""
    response = tenant.server.call("GET", f"/api/v1/{kind}/{record_id}", tenant.token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body

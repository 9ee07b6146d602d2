"""Every form dialog asks before throwing typed work away, not only the record dialogs
(issue 11, defect 1): what it holds is compared with how it opened."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.features.users.view import UserDialog
from app.qt.core import Qt


def shown(qtbot: QtBot) -> UserDialog:
    dialog = UserDialog([])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


class TestTheDefaultCheckForUnsavedWork:
    def test_a_dialog_as_it_opened_closes_without_a_question(self, qtbot: QtBot) -> None:
        dialog = shown(qtbot)
        assert not dialog.has_unsaved_changes()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        assert dialog.discard_box is None

    def test_typing_in_any_field_makes_escape_ask(self, qtbot: QtBot) -> None:
        dialog = shown(qtbot)
        dialog.name_edit.setText("Riley Rep")
        assert dialog.has_unsaved_changes()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible()
        assert dialog.discard_box is not None
        assert dialog.discard_box.isVisible()
        dialog.discard_box.cancel_button.click()  # keep editing
        assert dialog.name_edit.text() == "Riley Rep"

        dialog.name_edit.setText("")  # back as it opened: nothing to lose
        assert not dialog.has_unsaved_changes()

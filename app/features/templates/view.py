"""Settings > Templates: the user's templates and the company's shared ones, each with a
subject and a plain and/or HTML body with merge fields; the server checks each before it
saves, and its objection shows beside the part it names with the line marked."""

from __future__ import annotations

from app.api.templates import Template
from app.errors import UserMessage
from app.features.templates.model import PARTS, TemplatesModel, line_of, part_of
from app.features.templates.ops import TemplateOps
from app.features.templates.preview import TemplatePreviewDialog
from app.qt.core import QItemSelectionModel
from app.qt.gui import QColor, QShowEvent, QTextCursor, QTextFormat
from app.qt.widgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from app.widgets.confirm import ask_to_confirm
from app.widgets.dialogs import ConfirmDialog
from app.widgets.form import FormField, MessageBanner

MARKED_LINE = QColor("#fee2e2")
"""The background of the line an objection names."""


def message_text(message: UserMessage) -> str:
    return " ".join(part for part in (message.title, message.text) if part)


def mark_line(edit: QPlainTextEdit, line: int | None) -> None:
    """Put the cursor on ``line`` (1-based) of ``edit`` and shade it; ``None`` clears."""
    if line is None:
        edit.setExtraSelections([])
        return
    block = edit.document().findBlockByNumber(max(line - 1, 0))
    if not block.isValid():
        edit.setExtraSelections([])
        return
    cursor = QTextCursor(block)
    edit.setTextCursor(cursor)
    selection = QTextEdit.ExtraSelection()
    selection.format.setBackground(MARKED_LINE)
    selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
    selection.cursor = cursor
    edit.setExtraSelections([selection])


class TemplatesPage(QWidget):
    """The templates, and the form of the one chosen (or a new one).

    Args:
        ops: The template calls.
        autoload: Load when first shown.
        parent: The parent widget.
    """

    def __init__(
        self, ops: TemplateOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("templatesPage")
        self._ops = ops
        self._loaded_once = not autoload
        self.model = TemplatesModel(self)
        self.editing: Template | None = None
        self.confirm_box: ConfirmDialog | None = None

        title = QLabel("Templates", self)
        title.setProperty("role", "pageTitle")
        sub = QLabel(
            "Reusable emails with merge fields such as {{ contact.first_name }}, filled in "
            "for each recipient. A shared template is there for the whole company.",
            self,
        )
        sub.setProperty("role", "muted")
        sub.setWordWrap(True)

        # ------------------------------------------------------------ the list
        self.list = QListView(self)
        self.list.setObjectName("templateList")
        self.list.setModel(self.model)
        self.list.setMinimumWidth(220)
        self.list.setMaximumWidth(300)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        self.new_button = QPushButton("New template", self)
        self.new_button.setProperty("variant", "primary")
        self.new_button.clicked.connect(self.new_template)
        self.list_status = QLabel("", self)
        self.list_status.setProperty("role", "muted")
        self.list_status.setWordWrap(True)
        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(self.new_button)
        left.addWidget(self.list, 1)
        left.addWidget(self.list_status)

        # ------------------------------------------------------------ the form
        self.form = QFrame(self)
        self.form.setObjectName("card")
        self.heading = QLabel("New template", self.form)
        self.heading.setProperty("role", "headline")
        self.name_edit = QLineEdit(self.form)
        self.name_edit.setPlaceholderText("What it is called in the picker, e.g. First touch")
        self.subject_edit = QLineEdit(self.form)
        self.subject_edit.setPlaceholderText("Quick question, {{ contact.first_name }}")
        self.text_edit = QPlainTextEdit(self.form)
        self.text_edit.setObjectName("templateText")
        self.text_edit.setMinimumHeight(150)
        self.text_edit.setPlaceholderText('Hi {{ contact.first_name | default("there") }},\n\n…')
        self.html_edit = QPlainTextEdit(self.form)
        self.html_edit.setObjectName("templateHtml")
        self.html_edit.setPlaceholderText("<p>Optional: the formatted version, in HTML.</p>")
        self.html_edit.setMaximumHeight(120)
        self.shared_box = QCheckBox("Shared with everyone", self.form)
        self.shared_box.setToolTip("The whole company sees it and sends with it")
        self.html_box = QCheckBox("Add an HTML version", self.form)
        self.html_box.toggled.connect(self._html_toggled)
        self.fields: dict[str, FormField] = {
            "name": FormField("Name", self.name_edit, parent=self.form),
            "subject": FormField("Subject", self.subject_edit, parent=self.form),
            "body_text": FormField("Plain text", self.text_edit, parent=self.form),
            "body_html": FormField(
                "HTML (optional)",
                self.html_edit,
                "Without it, recipients get the plain text; with only HTML, the plain "
                "text is made from it.",
                parent=self.form,
            ),
        }
        self.insert_button = QToolButton(self.form)
        self.insert_button.setObjectName("insertFieldButton")
        self.insert_button.setText("Insert merge field")
        self.insert_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.field_menu = QMenu(self.insert_button)
        self.insert_button.setMenu(self.field_menu)
        self.insert_button.setEnabled(False)
        self.preview_button = QPushButton("Preview…", self.form)
        self.preview_button.setToolTip("See it as a contact gets it, merge fields filled in")
        self.preview_button.clicked.connect(self.open_preview)
        self.preview: TemplatePreviewDialog | None = None
        self.banner = MessageBanner(self.form)
        self.delete_button = QPushButton("Delete", self.form)
        self.delete_button.setProperty("variant", "danger")
        self.delete_button.clicked.connect(self.confirm_delete)
        self.save_button = QPushButton("Save template", self.form)
        self.save_button.setProperty("variant", "primary")
        self.save_button.clicked.connect(self.save)
        options = QHBoxLayout()
        options.setSpacing(16)
        options.addWidget(self.html_box)
        options.addWidget(self.shared_box)
        options.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.save_button)
        form = QVBoxLayout(self.form)
        form.setContentsMargins(20, 18, 20, 18)
        form.setSpacing(10)
        form.addWidget(self.heading)
        form.addWidget(self.fields["name"])
        form.addWidget(self.fields["subject"])
        form.addWidget(self.fields["body_text"], 1)
        form.addLayout(options)
        form.addWidget(self.fields["body_html"])
        form.addWidget(self.banner)
        form.addLayout(buttons)
        for name, edit in (("name", self.name_edit), ("subject", self.subject_edit)):
            edit.textEdited.connect(lambda _t, n=name: self.fields[n].set_error(""))
        for name, plain in (("body_text", self.text_edit), ("body_html", self.html_edit)):
            plain.textChanged.connect(lambda n=name, e=plain: self._body_edited(n, e))

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(left)
        body.addWidget(self.form, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(sub)
        layout.addLayout(body, 1)
        self.new_template()

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Load the templates and the merge fields."""
        self._loaded_once = True
        self.list_status.setText("Loading…")
        self._ops.templates(self.show_templates, self._load_failed)
        self._ops.merge_fields(self.show_merge_fields, lambda _m: None)

    def show_templates(self, templates: list[Template]) -> None:
        """Show a fresh list (the one being edited stays chosen)."""
        editing = self.editing
        self.model.set_templates(templates)
        self.list_status.setText("" if templates else "No template yet.")
        if editing is not None:
            self._select(editing.id)

    def _load_failed(self, message: UserMessage) -> None:
        self.list_status.setText(f"The templates could not be loaded. {message_text(message)}")

    def show_merge_fields(self, by_kind: dict[str, list[str]]) -> None:
        """Fill the "Insert merge field" menu."""
        self.field_menu.clear()
        for kind, names in by_kind.items():
            if names:
                section = self.field_menu.addMenu(kind.capitalize())
                for name in names:
                    action = section.addAction(name)
                    action.triggered.connect(lambda _=False, n=name: self.insert_field(n))
        self.insert_button.setEnabled(not self.field_menu.isEmpty())

    def insert_field(self, name: str) -> None:
        """Put ``{{ name }}`` at the cursor of the body last typed in (or the subject)."""
        text = f"{{{{ {name} }}}}"
        if self.subject_edit.hasFocus():
            self.subject_edit.insert(text)
        elif self.html_edit.hasFocus():
            self.html_edit.insertPlainText(text)
        else:
            self.text_edit.insertPlainText(text)

    # ------------------------------------------------------------------ choosing

    def _select(self, template_id: str) -> None:
        row = self.model.row_of(template_id)
        if row is not None:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _current_changed(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            template = self.model.template_at(index.row())
            if self.editing is None or template.id != self.editing.id:
                self.edit(template)

    def new_template(self) -> None:
        """An empty form for a new template."""
        self.list.clearSelection()
        self._fill(None)

    def edit(self, template: Template) -> None:
        """Show ``template`` in the form."""
        self._fill(template)

    def _fill(self, template: Template | None) -> None:
        self.editing = template
        self.heading.setText(template.name if template is not None else "New template")
        self.name_edit.setText(template.name if template else "")
        self.subject_edit.setText(template.subject if template else "")
        self.text_edit.setPlainText(template.body_text or "" if template else "")
        self.html_edit.setPlainText(template.body_html or "" if template else "")
        self.shared_box.setChecked(template.shared if template else False)
        self.html_box.setChecked(bool(template and template.body_html))
        self._html_toggled(self.html_box.isChecked())
        self.delete_button.setVisible(template is not None)
        self.save_button.setText("Save changes" if template is not None else "Save template")
        self.banner.clear_message()
        for name in PARTS:
            self.fields[name].set_error("")
        mark_line(self.text_edit, None)
        mark_line(self.html_edit, None)

    def _html_toggled(self, checked: bool) -> None:
        self.fields["body_html"].setVisible(checked)

    def _body_edited(self, name: str, edit: QPlainTextEdit) -> None:
        if self.fields[name].error():
            self.fields[name].set_error("")
            mark_line(edit, None)

    # ------------------------------------------------------------------ saving

    def values(self) -> dict[str, object]:
        """What the form holds, as the server takes it."""
        text = self.text_edit.toPlainText()
        html = self.html_edit.toPlainText() if self.html_box.isChecked() else ""
        return {
            "name": self.name_edit.text().strip(),
            "subject": self.subject_edit.text(),
            "body_text": text if text.strip() else None,
            "body_html": html if html.strip() else None,
            "shared": self.shared_box.isChecked(),
        }

    def save(self) -> None:
        """Check the form; if it holds, ask the server to check and save it."""
        values = self.values()
        problems = {
            "name": "" if values["name"] else "Give it a name.",
            "subject": "" if str(values["subject"]).strip() else "Enter a subject.",
            "body_text": ""
            if values["body_text"] or values["body_html"]
            else "Write the message (plain text, HTML or both).",
        }
        for name, problem in problems.items():
            self.fields[name].set_error(problem)
        if any(problems.values()):
            return
        self.banner.show_message("Checking and saving…", "info")
        self.save_button.setEnabled(False)
        editing = self.editing
        self._ops.save(editing.id if editing else None, values, self._saved, self.show_failure)

    def _saved(self, template: Template) -> None:
        self.save_button.setEnabled(True)
        was_new = self.editing is None
        self.editing = template
        self.model.put(template)
        self._select(template.id)
        self._fill(template)
        self.banner.show_message(
            f"“{template.name}” was {'saved' if was_new else 'changed'}.", "success"
        )

    def show_failure(self, message: UserMessage) -> None:
        """Put the server's objections beside the parts they name, the line marked."""
        self.save_button.setEnabled(True)
        self.banner.clear_message()
        others = self.mark_problems(message)
        if others or not message.fields:
            self.banner.show_message(" ".join([message_text(message), *others]), "error")
        else:
            self.banner.show_message("Not saved: see what is marked.", "error")

    def mark_problems(self, message: UserMessage) -> list[str]:
        """Mark each part the server objects to (the first body's line shaded, the cursor
        put there); returns the objections to nothing on the form."""
        others: list[str] = []
        marked = False
        for server_field, problem in message.fields.items():
            part = part_of(server_field)
            if not part:
                others.append(problem)
                continue
            self.fields[part].set_error(problem)
            if part == "body_html":
                self.html_box.setChecked(True)
            editor = {"body_text": self.text_edit, "body_html": self.html_edit}.get(part)
            if editor is not None and not marked:
                mark_line(editor, line_of(problem))
                editor.setFocus()
                marked = True
        return others

    def field_error(self, name: str) -> str:
        """The objection shown beside part ``name`` (for tests)."""
        return self.fields[name].error()

    def open_preview(self) -> TemplatePreviewDialog:
        """Preview the form's text (saved or not) as a contact gets it."""
        dialog = self.preview = TemplatePreviewDialog(
            self._ops, self.values(), self.mark_problems, self
        )
        dialog.show()
        return dialog

    # ------------------------------------------------------------------ deleting

    def confirm_delete(self) -> None:
        """Ask, then delete the template shown."""
        template = self.editing
        if template is None:
            return
        self.confirm_box = ask_to_confirm(
            self, "Delete template", f"Delete “{template.name}”?", "Delete",
            lambda: self.delete(template),
        )  # fmt: skip
        self.confirm_box.setInformativeText("Emails already sent from it are not changed.")

    def delete(self, template: Template) -> None:
        """Delete ``template`` (no question asked; the button asks first)."""

        def done() -> None:
            self.model.remove(template.id)
            self.new_template()
            self.banner.show_message(f"“{template.name}” was deleted.", "success")

        self._ops.delete(
            template.id, done, lambda m: self.banner.show_message(message_text(m), "error")
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.refresh()

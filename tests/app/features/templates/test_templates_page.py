"""Settings > Templates against the real solo backend: a template saved, changed and
deleted; an unknown merge field and a syntax error refused by the server and shown beside
the part with the line marked; another's shared template listed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.api.templates import Template
from app.features.templates.model import TemplatesModel, line_of, part_of
from app.features.templates.ops import TemplateOps
from app.features.templates.view import TemplatesPage
from app.ops import Operations
from tests.app.crm_support import Tenant, sign_up
from tests.app.email_support import signed_in
from tests.app.support import SIGN_IN_TIMEOUT_MS, SoloServer

WAIT_MS = SIGN_IN_TIMEOUT_MS


@pytest.fixture
def tenant(solo_server: SoloServer) -> Tenant:
    return sign_up(solo_server)


@pytest.fixture
def client(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, solo_server: SoloServer, tenant: Tenant
) -> Iterator[GatewayClient]:
    with signed_in(qloop, qtbot, solo_server.url, tenant.email) as client:
        yield client


@pytest.fixture
def page(client: GatewayClient, ops: Operations, qtbot: QtBot) -> TemplatesPage:
    page = TemplatesPage(TemplateOps(client, ops))
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(lambda: page.list_status.text() != "Loading…", timeout=WAIT_MS)
    return page


def fill(page: TemplatesPage, qtbot: QtBot, name: str, subject: str, text: str) -> None:
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, name)
    page.subject_edit.clear()
    qtbot.keyClicks(page.subject_edit, subject)
    page.text_edit.setPlainText(text)


def saved(page: TemplatesPage, qtbot: QtBot) -> None:
    qtbot.waitUntil(page.save_button.isEnabled, timeout=WAIT_MS)


class TestTemplates:
    def test_a_template_is_saved_changed_and_deleted(
        self, page: TemplatesPage, qtbot: QtBot
    ) -> None:
        assert page.list_status.text() == "No template yet."
        assert page.insert_button.isEnabled()  # the merge fields arrived
        fill(page, qtbot, "First touch", "Hi {{ contact.first_name }}", "Hello there")
        page.shared_box.setChecked(True)
        page.save_button.click()
        assert not page.save_button.isEnabled()
        saved(page, qtbot)
        assert page.banner.text() == "“First touch” was saved."
        assert [t.name for t in page.model.templates()] == ["First touch"]
        assert page.model.template_at(0).shared
        assert page.list.currentIndex().row() == 0

        page.name_edit.clear()
        qtbot.keyClicks(page.name_edit, "A first touch")
        page.text_edit.setPlainText("Hello {{ contact.first_name }}\n\nBest, {{ sender.name }}")
        page.save_button.click()
        saved(page, qtbot)
        assert page.banner.text() == "“A first touch” was changed."
        assert page.model.template_at(0).body_text == (
            "Hello {{ contact.first_name }}\n\nBest, {{ sender.name }}"
        )

        page.delete_button.click()
        box = page.confirm_box
        assert box is not None
        next(b for b in box.buttons() if b.text() == "Delete").click()
        qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT_MS)
        assert page.heading.text() == "New template"

    @pytest.mark.parametrize(
        ("part", "line"),
        [("body_text", 3), ("subject", 1)],
    )
    def test_an_unknown_field_is_shown_beside_its_part_with_the_line(
        self, page: TemplatesPage, qtbot: QtBot, part: str, line: int
    ) -> None:
        if part == "subject":
            fill(page, qtbot, "Typo", "Hi {{ contact.frist_name }}", "Hello")
        else:
            fill(page, qtbot, "Typo", "Hi", "Hello\n\n{{ contact.frist_name }} here")
        page.save_button.click()
        saved(page, qtbot)
        problem = page.field_error(part)
        assert problem.startswith(f"Line {line}: ")
        assert "frist_name" in problem
        assert page.banner.text() == "Not saved: see what is marked."
        assert page.model.rowCount() == 0
        if part == "body_text":
            assert page.text_edit.textCursor().blockNumber() == line - 1
            assert len(page.text_edit.extraSelections()) == 1
            page.text_edit.setPlainText("Hello\n\n{{ contact.first_name }} here")
            assert page.field_error(part) == ""
            assert page.text_edit.extraSelections() == []

    def test_a_syntax_error_is_refused_with_its_line(
        self, page: TemplatesPage, qtbot: QtBot
    ) -> None:
        fill(page, qtbot, "Broken", "Hi", "One\nTwo {{ contact.first_name")
        page.save_button.click()
        saved(page, qtbot)
        assert page.field_error("body_text").startswith("Line 2")

    def test_the_form_says_what_is_missing_before_asking(self, page: TemplatesPage) -> None:
        page.save_button.click()
        assert page.field_error("name") == "Give it a name."
        assert page.field_error("subject") == "Enter a subject."
        assert page.field_error("body_text") == "Write the message (plain text, HTML or both)."
        assert page.banner.isHidden()


class TestPreview:
    def test_the_form_is_previewed_as_a_contact_gets_it_saved_or_not(
        self, page: TemplatesPage, qtbot: QtBot, tenant: Tenant
    ) -> None:
        tenant.create("contacts", first_name="Ada", last_name="Lovelace", email="ada@ex.org")
        fill(page, qtbot, "Hello", "Hi {{ contact.first_name }}",
             "Dear {{ contact.first_name }} {{ contact.title | default('friend') }}")  # fmt: skip
        dialog = page.open_preview()
        qtbot.keyClicks(dialog.address, "ada@ex.org")
        dialog.show_button.click()
        qtbot.waitUntil(lambda: dialog.subject.text() == "Hi Ada", timeout=WAIT_MS)
        assert dialog.body.toPlainText() == "Dear Ada friend"
        assert "contact.title" in dialog.empty_fields.text()
        dialog.close()

        page.text_edit.setPlainText("Dear {{ contact.frist_name }}")
        dialog = page.open_preview()
        dialog.address.setText("ada@ex.org")
        dialog.refresh()
        qtbot.waitUntil(lambda: bool(page.field_error("body_text")), timeout=WAIT_MS)
        assert page.field_error("body_text").startswith("Line 1: ")
        assert dialog.banner.text() == "The template has a problem: see the form."
        assert page.model.rowCount() == 0  # nothing was saved


class TestModel:
    def test_the_model_keeps_templates_by_name(self, qtmodeltester: ModelTester) -> None:
        model = TemplatesModel()
        model.set_templates([Template(id="b", name="Beta"), Template(id="a", name="alpha")])
        qtmodeltester.check(model)
        assert [t.id for t in model.templates()] == ["a", "b"]
        assert model.put(Template(id="a", name="Gamma", shared=True)) == 1
        assert model.index(1).data() == "Gamma  ·  shared"
        assert line_of("Line 12: contact.x is not a merge field") == 12
        assert part_of("body.body_html") == "body_html"
        assert part_of("body") == ""

"""The CSV import wizard against the real solo backend: file, columns, progress, outcome."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import app.widgets.files as files
from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.imports import ImportRowError, ImportsApi
from app.features.imports.model import RowErrorsModel, check_mapping, target_of
from app.features.imports.ops import FIRST_ERRORS, ImportOps
from app.features.imports.summary import SummaryStep
from app.features.imports.view import ImportWizard, open_import_wizard
from app.ops import Operations
from app.qt.core import Qt
from app.qt.widgets import QWidget
from tests.app.crm_support import Tenant, sign_up
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    """A company of this module (its imports and records are its own)."""
    return sign_up(solo_server)


@pytest.fixture
def client(
    qloop: asyncio.AbstractEventLoop, qtbot: QtBot, solo_server: SoloServer, tenant: Tenant
) -> Iterator[GatewayClient]:
    """A client signed in as the tenant's admin."""
    client = GatewayClient(solo_server.url)
    task = qloop.create_task(AuthApi(client).sign_in(tenant.email, STRONG_PASSWORD))
    qtbot.waitUntil(task.done, timeout=SIGN_IN_TIMEOUT_MS)
    task.result()
    yield client
    closing = qloop.create_task(client.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)


@pytest.fixture
def wizard(client: GatewayClient, ops: Operations, qtbot: QtBot) -> ImportWizard:
    wizard = ImportWizard(ImportOps(client, ops), "contacts")
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def contacts_file(tmp_path: Path) -> tuple[Path, str]:
    """Three good contacts and, on line 5, one whose email is not an email."""
    tag = uuid.uuid4().hex[:8]
    path = write_csv(
        tmp_path / "trade-show.csv",
        [
            "First Name,Last Name,Email,Job Title",
            f"Ada,Lovelace,ada.{tag}@example.org,Engineer",
            f"Grace,Hopper,grace.{tag}@example.org,Admiral",
            f"Alan,Turing,alan.{tag}@example.org,Researcher",
            "Linus,Torvalds,not-an-email,Maintainer",
        ],
    )
    return path, tag


def read_columns(wizard: ImportWizard, qtbot: QtBot, path: Path) -> None:
    """Choose ``path`` and go on to the columns."""
    assert wizard.set_file(path)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_step() == wizard.MAPPING, timeout=WAIT_MS)


def run_import(wizard: ImportWizard, qtbot: QtBot) -> None:
    """Start the import from the columns step and wait for the outcome."""
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current_step() == wizard.SUMMARY, timeout=WAIT_MS)


def emails(tenant: Tenant, tag: str) -> list[str]:
    response = tenant.server.call(
        "GET", "/api/v1/contacts", tenant.token, params={"filter": f"email:contains:{tag}"}
    )
    assert response.status_code == 200, response.text
    return sorted(item["email"] for item in response.json()["items"])


class TestImportingContacts:
    def test_good_rows_are_imported_and_the_bad_one_is_reported(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path, tenant: Tenant
    ) -> None:
        path, tag = contacts_file(tmp_path)
        read_columns(wizard, qtbot, path)
        assert wizard.mapping_step.mapping() == {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Job Title": "title",
        }  # the server's suggestion
        assert wizard.next_button.text() == "Import 4 contacts"

        with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS) as imported:
            run_import(wizard, qtbot)

        assert imported.args == ["contact"]
        assert wizard.progress_step.percent() == 100
        assert wizard.progress_step.bar.value() == wizard.progress_step.bar.maximum() == 4
        summary = wizard.summary_step
        assert summary.created.number.text() == "3"
        assert summary.failed.number.text() == "1"
        assert summary.skipped.number.text() == "0"
        assert emails(tenant, tag) == [
            f"ada.{tag}@example.org",
            f"alan.{tag}@example.org",
            f"grace.{tag}@example.org",
        ]
        qtbot.waitUntil(lambda: summary.error_model.rowCount() > 0, timeout=WAIT_MS)
        row, column, value, problem = summary.shown_errors()[0]
        assert (row, column, value) == ("5", "Email", "“not-an-email”")
        assert "not an email address" in problem.lower()
        assert not summary.errors.isHidden()

    def test_the_error_report_is_saved_where_the_user_says(
        self,
        wizard: ImportWizard,
        qtbot: QtBot,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        path, _tag = contacts_file(tmp_path)
        read_columns(wizard, qtbot, path)
        run_import(wizard, qtbot)
        report = tmp_path / "chosen" / "errors.csv"
        report.parent.mkdir()
        asked: list[str] = []

        def save_dialog(*args: Any, **kwargs: Any) -> tuple[str, str]:
            asked.append(str(args[2]))  # the name it proposes
            return str(report), "CSV files (*.csv)"

        monkeypatch.setattr(files.QFileDialog, "getSaveFileName", save_dialog)

        wizard.summary_step.save_button.click()
        qtbot.waitUntil(lambda: report.exists(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: wizard.summary_step.banner.isVisible(), timeout=WAIT_MS)

        assert asked == [str(tmp_path / "trade-show-errors.csv")]
        text = report.read_text(encoding="utf-8-sig")
        header, *rows = text.splitlines()
        assert header.startswith("row,column,problem")
        assert len(rows) == 1
        assert rows[0].startswith("5,Email,")
        assert "not-an-email" in rows[0]
        assert "email address" in rows[0]
        assert wizard.summary_step.banner.text() == f"Error report saved to {report}"

    def test_duplicates_update_the_existing_contact_when_asked(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:8]
        tenant.create("contacts", last_name="Old", email=f"dup.{tag}@example.org")
        path = write_csv(
            tmp_path / "update.csv", ["Surname,E-mail", f"Newname,dup.{tag}@example.org"]
        )
        read_columns(wizard, qtbot, path)
        wizard.mapping_step.duplicate_buttons["update"].setChecked(True)
        run_import(wizard, qtbot)

        assert wizard.summary_step.updated.number.text() == "1"
        assert wizard.summary_step.created.number.text() == "0"
        response = tenant.server.call(
            "GET",
            "/api/v1/contacts",
            tenant.token,
            params={"filter": f"email:eq:dup.{tag}@example.org"},
        )
        assert [c["last_name"] for c in response.json()["items"]] == ["Newname"]


class TestProblems:
    def test_a_file_that_is_not_utf8_shows_the_servers_message_on_the_first_step(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path
    ) -> None:
        path = tmp_path / "export-latin1.csv"
        path.write_bytes("Last Name,Email\nDurand-Séverin,ds@example.fr\n".encode("latin-1"))
        assert wizard.set_file(path)
        wizard.next_button.click()
        qtbot.waitUntil(lambda: wizard.next_button.isEnabled(), timeout=WAIT_MS)

        assert wizard.current_step() == wizard.FILE
        banner = wizard.file_step.banner
        assert banner.isVisible()
        assert banner.property("tone") == "error"
        assert banner.text().startswith("“export-latin1.csv” is not UTF-8 text")
        assert "CSV UTF-8" in banner.text()

    def test_the_required_column_left_out_is_named_and_nothing_is_sent(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path
    ) -> None:
        path, _tag = contacts_file(tmp_path)
        read_columns(wizard, qtbot, path)
        wizard.mapping_step.set_field("Last Name", "")
        wizard.mapping_step.set_field("Job Title", "first_name")

        with qtbot.assertNotEmitted(wizard.imported, wait=200):
            wizard.next_button.click()

        assert wizard.current_step() == wizard.MAPPING
        assert wizard.job is None
        assert "last name" in wizard.mapping_step.banner.text()
        assert "also goes to First name" in wizard.mapping_step.problems()["Job Title"]
        assert "also goes to First name" in wizard.mapping_step.problems()["First Name"]

        wizard.mapping_step.set_field("Last Name", "last_name")
        wizard.mapping_step.set_field("Job Title", "title")
        assert wizard.mapping_step.problems() == {}  # fixed in place
        assert wizard.mapping_step.banner.isHidden()

    def test_the_servers_objection_is_shown_beside_the_column_and_the_choices_survive(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "people.csv", ["Last Name,Email", "Curie,mc@example.org"])
        read_columns(wizard, qtbot, path)
        wizard.mapping_step.duplicate_buttons["create"].setChecked(True)
        # The file is saved with other column names after it was read.
        write_csv(path, ["Surname,Mail", "Curie,mc@example.org"])

        wizard.next_button.click()
        qtbot.waitUntil(lambda: bool(wizard.mapping_step.problems()), timeout=WAIT_MS)

        assert wizard.current_step() == wizard.MAPPING
        problems = wizard.mapping_step.problems()
        assert set(problems) == {"Last Name", "Email"}
        assert "not a column of the file" in problems["Last Name"]
        assert wizard.mapping_step.mapping() == {"Last Name": "last_name", "Email": "email"}
        assert wizard.mapping_step.on_duplicate() == "create"

        wizard.back_button.click()
        assert wizard.current_step() == wizard.FILE
        wizard.next_button.click()  # the file changed: it is read again
        qtbot.waitUntil(
            lambda: (
                wizard.current_step() == wizard.MAPPING and "Surname" in wizard.mapping_step.combos
            ),
            timeout=WAIT_MS,
        )
        assert wizard.mapping_step.mapping() == {"Surname": "last_name", "Mail": "email"}

    def test_going_back_keeps_the_columns_chosen(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path
    ) -> None:
        path, _tag = contacts_file(tmp_path)
        read_columns(wizard, qtbot, path)
        wizard.mapping_step.set_field("Job Title", "")
        wizard.back_button.click()
        wizard.next_button.click()

        assert wizard.current_step() == wizard.MAPPING
        assert wizard.mapping_step.mapping()["Job Title"] == ""


class TestRefusedValues:
    """Each refused row's problem shows the value the file had in that column."""

    def test_an_empty_cell_and_a_quoted_one_with_a_comma_and_a_line_break(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path
    ) -> None:
        tag = uuid.uuid4().hex[:8]
        path = tmp_path / "values.csv"
        path.write_text(
            "Last Name,Email\n"
            f"Lovelace,ada.{tag}@example.org\n"
            f",nobody.{tag}@example.org\n"
            'Quote,"bad, ""quoted""\nmail"\n',
            encoding="utf-8",
        )
        read_columns(wizard, qtbot, path)
        run_import(wizard, qtbot)
        summary = wizard.summary_step
        qtbot.waitUntil(lambda: summary.error_model.rowCount() == 2, timeout=WAIT_MS)

        shown = summary.shown_errors()
        assert [row[:3] for row in shown] == [
            ["3", "Last Name", "(empty)"],
            ["4", "Email", '“bad, "quoted" ↵ mail”'],
        ]
        assert not summary.error_table.isColumnHidden(RowErrorsModel.VALUE)
        model = summary.error_model
        tip = model.data(model.index(1, model.VALUE), Qt.ItemDataRole.ToolTipRole)
        assert tip == 'bad, "quoted"\nmail'

    def test_the_values_of_the_rows_listed_come_from_the_report(
        self,
        wizard: ImportWizard,
        client: GatewayClient,
        qloop: asyncio.AbstractEventLoop,
        qtbot: QtBot,
        tmp_path: Path,
    ) -> None:
        bad = FIRST_ERRORS + 5
        lines = ["Last Name,Email", *(f"Row{n},bad-{n}" for n in range(bad))]
        read_columns(wizard, qtbot, write_csv(tmp_path / "many.csv", lines))
        run_import(wizard, qtbot)
        summary = wizard.summary_step
        qtbot.waitUntil(lambda: summary.error_model.rowCount() == FIRST_ERRORS, timeout=WAIT_MS)
        values = [row[2] for row in summary.shown_errors()]
        assert values == [f"“bad-{n}”" for n in range(FIRST_ERRORS)]

        assert wizard.job is not None
        task = qloop.create_task(ImportsApi(client).refused_rows(wizard.job.id, 4))
        qtbot.waitUntil(task.done, timeout=WAIT_MS)
        assert task.result() == {
            2: {"Last Name": "Row0", "Email": "bad-0"},
            3: {"Last Name": "Row1", "Email": "bad-1"},
            4: {"Last Name": "Row2", "Email": "bad-2"},
        }

    def test_without_the_rows_the_value_column_is_hidden(self, qtbot: QtBot) -> None:
        step = SummaryStep()
        qtbot.addWidget(step)
        step.show_errors(
            [ImportRowError(row_number=3, field="Email", message="Field required")], True
        )
        assert step.error_table.isColumnHidden(RowErrorsModel.VALUE)
        assert step.shown_errors() == [["3", "Email", "This cell is empty, and it is required."]]


class TestImportingAccounts:
    def test_accounts_are_imported_from_the_first_step_choice(
        self, wizard: ImportWizard, qtbot: QtBot, tmp_path: Path, tenant: Tenant
    ) -> None:
        tag = uuid.uuid4().hex[:8]
        path = write_csv(
            tmp_path / "accounts.csv",
            ["Company,Website,Industry", f"Nimbus {tag},nimbus-{tag}.io,Cloud"],
        )
        wizard.file_step.account_radio.setChecked(True)
        read_columns(wizard, qtbot, path)
        assert wizard.mapping_step.mapping() == {
            "Company": "name",
            "Website": "domain",
            "Industry": "industry",
        }
        with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS) as imported:
            run_import(wizard, qtbot)

        assert imported.args == ["account"]
        response = tenant.server.call(
            "GET", "/api/v1/accounts", tenant.token, params={"filter": f"name:eq:Nimbus {tag}"}
        )
        assert [(a["domain"], a["industry"]) for a in response.json()["items"]] == [
            (f"nimbus-{tag}.io", "Cloud")
        ]
        assert wizard.summary_step.errors.isHidden()


class TestOpeningFromAPage:
    def test_the_page_reloads_after_an_import_and_the_wizard_goes_away(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        tmp_path: Path,
    ) -> None:
        page = QWidget()
        qtbot.addWidget(page)
        page.show()
        reloads: list[str] = []
        wizard = open_import_wizard(ImportOps(client, ops), "account", page, reloads.append)
        assert wizard.isVisible()
        assert wizard.parentWidget() is page
        assert wizard.file_step.kind() == "account"

        tag = uuid.uuid4().hex[:8]
        read_columns(wizard, qtbot, write_csv(tmp_path / "a.csv", ["Name", f"Orbit {tag}"]))
        run_import(wizard, qtbot)
        assert reloads == ["account"]

        gone: list[bool] = []
        wizard.destroyed.connect(lambda: gone.append(True))
        wizard.next_button.click()  # Done
        qtbot.waitUntil(lambda: bool(gone), timeout=5000)


class TestMappingRules:
    def test_the_wizard_checks_what_the_server_would(self) -> None:
        contact = target_of("contacts")
        assert not check_mapping({"A": "first_name"}, contact).ok
        assert check_mapping({"A": "last_name", "B": ""}, contact).ok
        both = check_mapping({"A": "last_name", "B": "last_name"}, contact)
        assert set(both.columns) == {"A", "B"}

    def test_the_error_table_passes_qt_model_checks(self, qtmodeltester: Any) -> None:
        model = RowErrorsModel()
        model.set_errors([ImportRowError(row_number=3, field="Email", message="Field required")])
        qtmodeltester.check(model)
        assert model.data(model.index(0, RowErrorsModel.PROBLEM)) == (
            "This cell is empty, and it is required."
        )

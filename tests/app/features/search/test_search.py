"""The command palette against the real solo backend: finding, keys, stale answers, Ctrl+K."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.search import SearchHit
from app.features.search.model import SearchResultsModel, SearchState, secondary_line
from app.features.search.ops import SearchOps
from app.features.search.view import CommandPalette, install_palette
from app.features.status.monitor import HealthMonitor
from app.main_window import MainWindow
from app.money import format_money
from app.ops import Operations
from app.qt.core import Qt
from app.qt.widgets import QLabel, QLineEdit, QVBoxLayout, QWidget
from tests.app.crm_support import Tenant, sign_up
from tests.app.support import SIGN_IN_TIMEOUT_MS, STRONG_PASSWORD, SoloServer

ANSWER_MS = 10_000


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    """A company of this module: one account, a contact there, and a deal with it."""
    return sign_up(solo_server)


@pytest.fixture(scope="module")
def records(tenant: Tenant) -> dict[str, dict[str, Any]]:
    account = tenant.create("accounts", name="Zephyrine Aerospace", domain="zephyrine-aero.com")
    contact = tenant.create(
        "contacts",
        first_name="Quentin",
        last_name="Marlowe",
        email="quentin@zephyrine-aero.com",
        account_id=account["id"],
    )
    deal = tenant.create(
        "opportunities",
        name="Zephyrine fleet renewal",
        amount="48250.50",
        currency="EUR",
        account_id=account["id"],
    )
    other = tenant.create("accounts", name="Harbourview Dental", domain="harbourview.dental")
    return {"account": account, "contact": contact, "opportunity": deal, "other": other}


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
def palette(
    client: GatewayClient, ops: Operations, qtbot: QtBot, records: dict[str, dict[str, Any]]
) -> Iterator[CommandPalette]:
    host = QWidget()  # the window it opens over
    host.resize(900, 600)
    qtbot.addWidget(host)
    palette = CommandPalette(SearchOps(client, ops), host)
    host.show()
    palette.popup()
    yield palette
    host.close()


def search(palette: CommandPalette, qtbot: QtBot, text: str) -> None:
    """Type ``text`` as a user would and wait for its answer."""
    palette.input.clear()
    with qtbot.waitSignal(palette.search.answered, timeout=ANSWER_MS):
        qtbot.keyClicks(palette.input, text)


def shown(palette: CommandPalette) -> list[tuple[str, str]]:
    """What the list shows, top to bottom: ("heading", "Accounts") or (kind, title)."""
    model = palette.model
    rows = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        heading = index.data(SearchResultsModel.HEADING_ROLE)
        kind = "heading" if heading else str(index.data(SearchResultsModel.KIND_ROLE))
        rows.append((kind, str(index.data(Qt.ItemDataRole.DisplayRole))))
    return rows


def secondary(palette: CommandPalette, record_id: str) -> str:
    model = palette.model
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(SearchResultsModel.ID_ROLE) == record_id:
            return str(index.data(SearchResultsModel.SECONDARY_ROLE))
    raise AssertionError(f"{record_id} is not shown")


class TestFinding:
    def test_a_prefix_finds_the_records_grouped_by_kind_with_their_second_line(
        self, palette: CommandPalette, qtbot: QtBot, records: dict[str, dict[str, Any]]
    ) -> None:
        search(palette, qtbot, "Zephyr")  # the lines below are there with the answer itself

        assert shown(palette) == [
            ("heading", "Accounts"),
            ("account", "Zephyrine Aerospace"),
            ("heading", "Contacts"),
            ("contact", "Quentin Marlowe"),
            ("heading", "Opportunities"),
            ("opportunity", "Zephyrine fleet renewal"),
        ]
        assert palette.body.currentWidget() is palette.results
        assert secondary(palette, records["account"]["id"]) == "zephyrine-aero.com"
        assert secondary(palette, records["contact"]["id"]) == (
            "quentin@zephyrine-aero.com · Zephyrine Aerospace"
        )
        assert secondary(palette, records["opportunity"]["id"]) == (
            f"{format_money('48250.50', 'EUR')} · Zephyrine Aerospace · Open"
        )
        assert not palette.search.busy  # one call per query: nothing else is on its way

    def test_a_small_typo_still_finds_the_account(
        self, palette: CommandPalette, qtbot: QtBot, records: dict[str, dict[str, Any]]
    ) -> None:
        search(palette, qtbot, "Harbourvew")

        ids = [hit.id for hit in palette.model.hits()]
        assert records["other"]["id"] in ids
        assert ("account", "Harbourview Dental") in shown(palette)

    def test_no_match_says_so(self, palette: CommandPalette, qtbot: QtBot) -> None:
        search(palette, qtbot, "qqxxzzvv")

        assert palette.model.rowCount() == 0
        assert palette.body.currentWidget() is palette.status
        assert palette.message.text() == "No results for “qqxxzzvv”"

    def test_a_failure_is_worded_in_the_palette(
        self, palette: CommandPalette, qtbot: QtBot
    ) -> None:
        search(palette, qtbot, "x" * 201)  # longer than the server accepts

        assert palette.model.state is SearchState.FAILED
        assert palette.body.currentWidget() is palette.status
        assert palette.message.text().startswith("Search failed.")

    def test_typing_waits_for_a_pause_and_asks_once(
        self, palette: CommandPalette, qtbot: QtBot
    ) -> None:
        sent: list[str] = []
        palette.search.sent.connect(sent.append)

        search(palette, qtbot, "Quentin")

        assert sent == ["Quentin"]
        assert ("contact", "Quentin Marlowe") in shown(palette)

    def test_the_model_passes_qt_model_checks(
        self, palette: CommandPalette, qtbot: QtBot, qtmodeltester: Any
    ) -> None:
        search(palette, qtbot, "Zephyr")
        qtmodeltester.check(palette.model)


class TestKeys:
    def test_down_and_enter_open_the_record_chosen(
        self, palette: CommandPalette, qtbot: QtBot, records: dict[str, dict[str, Any]]
    ) -> None:
        search(palette, qtbot, "Zephyr")
        assert palette.results.currentIndex().row() == 1  # the first hit, under its heading

        qtbot.keyClick(palette.input, Qt.Key.Key_Down)  # skips the Contacts heading
        assert palette.results.currentIndex().row() == 3
        qtbot.keyClick(palette.input, Qt.Key.Key_Down)
        qtbot.keyClick(palette.input, Qt.Key.Key_Up)
        assert palette.results.currentIndex().row() == 3
        with qtbot.waitSignal(palette.open_requested, timeout=1000) as opened:
            qtbot.keyClick(palette.input, Qt.Key.Key_Return)

        assert opened.args == ["contact", records["contact"]["id"]]
        assert not palette.isVisible()
        assert palette.chosen is not None  # what the window needs to route it
        assert palette.chosen.id == records["contact"]["id"]
        assert palette.chosen.account_id == records["account"]["id"]

    def test_down_stops_at_the_last_hit(self, palette: CommandPalette, qtbot: QtBot) -> None:
        search(palette, qtbot, "Zephyr")
        for _ in range(6):
            qtbot.keyClick(palette.input, Qt.Key.Key_Down)

        assert palette.results.currentIndex().row() == palette.model.rowCount() - 1

    def test_escape_closes_without_opening(self, palette: CommandPalette, qtbot: QtBot) -> None:
        search(palette, qtbot, "Zephyr")
        with qtbot.assertNotEmitted(palette.open_requested):
            qtbot.keyClick(palette.input, Qt.Key.Key_Escape)
        assert not palette.isVisible()

    def test_reopening_starts_empty(self, palette: CommandPalette, qtbot: QtBot) -> None:
        search(palette, qtbot, "Zephyr")
        palette.close()
        palette.popup()

        assert palette.input.text() == ""
        assert palette.model.rowCount() == 0
        assert palette.model.state is SearchState.IDLE


class TestStaleAnswers:
    def test_an_older_query_never_shows_once_a_newer_one_is_typed(
        self, palette: CommandPalette, ops: Operations, qtbot: QtBot
    ) -> None:
        answers: list[str] = []
        palette.model.modelReset.connect(lambda: answers.append(palette.model.answered_query))

        palette.input.setText("Quentin")
        palette.search.search_now()  # its call is on the way...
        palette.input.setText("Harbourview")  # ...when the user types on
        with qtbot.waitSignal(palette.search.answered, timeout=ANSWER_MS):
            palette.search.search_now()
        qtbot.waitUntil(lambda: not palette.search.busy, timeout=ANSWER_MS)
        # Every call of both queries has ended (the first one cancelled): no answer to
        # the first can come any more.
        qtbot.waitUntil(lambda: ops.pending == 0, timeout=ANSWER_MS)

        assert [a for a in answers if a] == ["Harbourview"]
        assert shown(palette) == [("heading", "Accounts"), ("account", "Harbourview Dental")]

    def test_the_model_refuses_an_answer_to_an_older_query(self) -> None:
        model = SearchResultsModel()
        model.begin("acme")
        model.begin("globex")
        hit = SearchHit(type="account", id="a1", title="Acme", score=1.0)

        assert not model.show_results("acme", [hit])
        assert model.rowCount() == 0
        assert model.state is SearchState.SEARCHING
        assert model.show_results("globex", [])
        assert model.status_text() == "No results for “globex”"


class TestShortcut:
    def test_ctrl_k_opens_the_palette_from_any_page(
        self,
        client: GatewayClient,
        ops: Operations,
        qtbot: QtBot,
        records: dict[str, dict[str, Any]],
    ) -> None:
        monitor = HealthMonitor(client, ops)
        window = MainWindow(monitor, "Solo · This computer")
        qtbot.addWidget(window)
        window.add_page("Accounts", "accounts", QLabel("accounts"))
        second = QWidget()
        edit = QLineEdit(second)
        QVBoxLayout(second).addWidget(edit)
        window.add_page("Contacts", "contacts", second)
        palette = install_palette(window, SearchOps(client, ops))
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        window.show_page("Contacts")
        edit.setFocus()

        qtbot.keyClick(edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)

        assert palette.isVisible()
        assert palette.input.hasFocus() or palette.focusWidget() is palette.input
        search(palette, qtbot, "Zephyrine Aero")
        with qtbot.waitSignal(palette.open_requested, timeout=1000) as opened:
            qtbot.keyClick(palette.input, Qt.Key.Key_Enter)
        assert opened.args == ["account", records["account"]["id"]]


class TestSecondLine:
    def test_a_won_deal_reads_amount_account_and_status(self) -> None:
        hit = SearchHit(
            type="opportunity",
            id="o1",
            title="Renewal",
            amount="1234567.89",
            currency="JPY",
            account_name="Acme",
            status="won",
        )
        assert secondary_line(hit) == f"{format_money('1234567.89', 'JPY')} · Acme · Won"

    def test_a_deal_without_amount_or_account_keeps_what_it_has(self) -> None:
        hit = SearchHit(type="opportunity", id="o2", title="Pilot", status="lost")
        assert secondary_line(hit) == "Lost"

    def test_a_contact_reads_email_then_account(self) -> None:
        hit = SearchHit(
            type="contact", id="c1", title="Ada", subtitle="ada@acme.com", account_name="Acme"
        )
        assert secondary_line(hit) == "ada@acme.com · Acme"
        alone = SearchHit(type="contact", id="c2", title="Bo", subtitle="bo@example.com")
        assert secondary_line(alone) == "bo@example.com"

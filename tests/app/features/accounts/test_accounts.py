"""The Accounts page against the real solo backend: list, paging, sorting, filtering, detail."""

from __future__ import annotations

import uuid

import pytest
from pytestqt.qtbot import QtBot

from app.features.accounts.model import AccountsTableModel
from app.features.accounts.view import AccountsPage
from app.qt.core import QPoint, Qt
from app.shell import DesktopShell
from tests.app.crm_support import Tenant, sign_up, wait_loaded
from tests.app.support import (
    DEMO_ADMIN,
    SIGN_IN_TIMEOUT_MS,
    STRONG_PASSWORD,
    SoloServer,
    sign_in,
)

ACCOUNT_COUNT = 55  # more than one page of 50


@pytest.fixture(scope="module")
def tenant(solo_server: SoloServer) -> Tenant:
    """A company of this module with 55 accounts of different sizes and one with deals."""
    tenant = sign_up(solo_server)
    for number in range(ACCOUNT_COUNT):
        tenant.create(
            "accounts",
            name=f"Acct {number:03d}",
            size=(number * 37) % 101,
            city="Lyon" if number % 2 else "Oslo",
        )
    return tenant


def open_accounts(shell: DesktopShell, qtbot: QtBot, email: str, password: str) -> AccountsPage:
    sign_in(shell, qtbot, email, password)
    assert shell.main_window is not None
    assert shell.main_window.page_titles()[:2] == ["Home", "Accounts"]
    page = shell.main_window.show_page("Accounts")
    assert isinstance(page, AccountsPage)
    wait_loaded(page.model, qtbot)
    return page


def names(page: AccountsPage) -> list[str]:
    return [account.name for account in page.model.records()]


def filter_by(page: AccountsPage, qtbot: QtBot, text: str) -> None:
    page.search_edit.setText(text)  # the page waits for typing to pause
    qtbot.waitUntil(lambda: page.model.filter_text == text.strip(), timeout=5000)
    wait_loaded(page.model, qtbot)


def click_header(page: AccountsPage, qtbot: QtBot, column: int) -> None:
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    with qtbot.waitSignal(page.model.first_page_wanted, timeout=5000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    wait_loaded(page.model, qtbot)


class TestAccountsMadeElsewhere:
    """Regression: the earlier build said "No accounts yet" while the database had some."""

    def test_accounts_created_through_the_api_are_listed(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        admin = solo_server.login(DEMO_ADMIN)["access_token"]
        made = [f"Regression {word} {uuid.uuid4().hex[:6]}" for word in ("Alpha", "Beta")]
        for name in made:
            response = solo_server.call("POST", "/api/v1/accounts", admin, json={"name": name})
            assert response.status_code == 201, response.text

        page = open_accounts(team_shell, qtbot, DEMO_ADMIN, "demo123!")

        shown = names(page)
        assert set(made) <= set(shown)
        assert len(shown) >= 12 + len(made)  # the demo accounts too
        assert page.model.empty_text() == ""
        assert page.body.currentWidget() is page.table
        qtbot.waitUntil(lambda: page.model.total is not None, timeout=SIGN_IN_TIMEOUT_MS)
        assert page.model.total is not None
        total, exact = page.model.total
        assert exact
        assert total >= len(shown)
        assert page.count_label.text() == f"{total:,} accounts"


class TestPagingSortingFiltering:
    @pytest.fixture
    def page(self, team_shell: DesktopShell, qtbot: QtBot, tenant: Tenant) -> AccountsPage:
        return open_accounts(team_shell, qtbot, tenant.email, STRONG_PASSWORD)

    def test_the_first_page_has_50_and_fetch_more_loads_the_rest(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        model = page.model
        assert model.rowCount() == 50
        assert names(page)[:3] == ["Acct 000", "Acct 001", "Acct 002"]
        assert model.canFetchMore()
        # The whole list is counted (never "50+ shown"), before it is scrolled.
        qtbot.waitUntil(
            lambda: page.count_label.text() == f"{ACCOUNT_COUNT} accounts",
            timeout=SIGN_IN_TIMEOUT_MS,
        )

        model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() == ACCOUNT_COUNT, timeout=SIGN_IN_TIMEOUT_MS)
        assert names(page) == [f"Acct {n:03d}" for n in range(ACCOUNT_COUNT)]
        assert not model.canFetchMore()
        assert page.count_label.text() == f"{ACCOUNT_COUNT} accounts"

    def test_a_header_click_asks_the_server_for_its_order(
        self, page: AccountsPage, qtbot: QtBot, tenant: Tenant
    ) -> None:
        click_header(page, qtbot, AccountsTableModel.EMPLOYEES)
        assert page.model.sort_key == "size"
        assert names(page) == tenant.names("accounts", sort="size", limit=50)

        click_header(page, qtbot, AccountsTableModel.EMPLOYEES)
        assert page.model.sort_key == "-size"
        assert names(page) == tenant.names("accounts", sort="-size", limit=50)
        sizes = [account.size or 0 for account in page.model.records()]
        assert sizes == sorted(sizes, reverse=True)

    def test_the_filter_narrows_the_rows_on_the_server(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        filter_by(page, qtbot, "Acct 01")
        assert names(page) == [f"Acct 01{n}" for n in range(10)]
        qtbot.waitUntil(
            lambda: page.count_label.text() == "10 accounts", timeout=SIGN_IN_TIMEOUT_MS
        )

        filter_by(page, qtbot, "no such company")
        assert page.model.rowCount() == 0
        assert page.body.currentWidget() is page.empty_label
        assert page.empty_label.text() == "No accounts match"

        filter_by(page, qtbot, "")
        assert page.model.rowCount() == 50

    def test_the_model_passes_qt_model_checks(
        self, page: AccountsPage, qtbot: QtBot, qtmodeltester: object
    ) -> None:
        qtmodeltester.check(page.model)  # type: ignore[attr-defined]
        page.model.fetchMore()
        qtbot.waitUntil(lambda: page.model.rowCount() == ACCOUNT_COUNT, timeout=SIGN_IN_TIMEOUT_MS)
        qtmodeltester.check(page.model)  # type: ignore[attr-defined]

    def test_a_bad_filter_shows_the_server_error_in_the_banner(
        self, page: AccountsPage, qtbot: QtBot
    ) -> None:
        page.apply_conditions(["no_such_field:eq:x"])
        qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=SIGN_IN_TIMEOUT_MS)
        assert page.banner.text()
        assert not page.model.loading


class TestEmptyCompany:
    def test_a_company_without_accounts_says_so(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        empty = sign_up(solo_server)
        page = open_accounts(team_shell, qtbot, empty.email, STRONG_PASSWORD)
        assert page.model.rowCount() == 0
        assert page.body.currentWidget() is page.empty_label
        assert page.empty_label.text() == "No accounts yet"


class TestAccountDetail:
    def test_enter_opens_the_account_with_contacts_and_amounts(
        self, team_shell: DesktopShell, qtbot: QtBot, solo_server: SoloServer
    ) -> None:
        company = sign_up(solo_server)
        account = company.create("accounts", name="Detail Co", domain="detail.example")
        company.create("accounts", name="Other Co")
        company.create("contacts", first_name="Ada", last_name="Lovelace", account_id=account["id"])
        company.create(
            "opportunities",
            name="Big deal",
            account_id=account["id"],
            amount="12345.67",
            currency="USD",
        )
        company.create(
            "opportunities",
            name="Euro deal",
            account_id=account["id"],
            amount="10.00",
            currency="EUR",
        )
        company.create("opportunities", name="Unsized deal", account_id=account["id"])
        page = open_accounts(team_shell, qtbot, company.email, STRONG_PASSWORD)
        assert names(page) == ["Detail Co", "Other Co"]

        page.table.setFocus()
        page.table.setCurrentIndex(page.model.index(0, 0))
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        detail = page.detail
        qtbot.waitUntil(lambda: len(detail.opportunity_rows) == 3, timeout=SIGN_IN_TIMEOUT_MS)

        assert detail.isVisible()
        assert detail.name_label.text() == "Detail Co"
        assert detail.amounts() == {
            "Big deal": "$12,345.67",
            "Euro deal": "€10.00",
            "Unsized deal": "—",
        }
        assert [label.text().split("\n")[0] for label in detail.contact_labels] == ["Ada Lovelace"]

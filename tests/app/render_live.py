"""The live shots of ``render_screens.py --live``: a real solo session, signed in as the
demo admin, then a second device adding euro deals and a saved view; see that
script's docstring for the files written."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.fields import FieldsApi
from app.api.pipelines import PipelinesApi
from app.api.records import (
    ACCOUNTS,
    CONTACTS,
    OPPORTUNITIES,
    Account,
    Contact,
    Opportunity,
    RecordsApi,
)
from app.features.accounts.model import AccountsTableModel
from app.features.accounts.view import AccountsPage
from app.features.contacts.view import ContactsPage
from app.features.deals.area import DealsPage
from app.features.imports.view import ImportWizard
from app.features.search.model import SearchState
from app.features.settings.view import SettingsPage
from app.features.users.view import UsersPage
from app.main_window import MainWindow
from app.qt.core import Qt
from app.qt.widgets import QApplication, QWidget
from tests.app.render_support import (
    WINDOW_SIZE,
    demo_login,
    over,
    run_demo_session,
    settle,
    until,
)

IMPORT_CSV = (
    "First Name,Last Name,Email,Job Title,Phone\n"
    "Priya,Raman,priya.raman@acmerobotics.com,Plant Manager,+1 412 555 0141\n"
    "Tomás,Ortega,tomas.ortega@acmerobotics.com,Buyer,+1 412 555 0178\n"
    "Mei,Chen,mei.chen@globex-logistics.com,Head of Fleet,+31 10 555 0123\n"
    "Jonas,Berg,jonas.berg(at)globex-logistics.com,Controller,+31 10 555 0190\n"
)
"""The import shots' file: three good contacts and, on line 5, an email that is not one."""


@dataclass
class Extras:
    """What the script adds to the demo book (as another device) for the CRM shots."""

    big_deal: Opportunity
    contact: Contact


async def add_extras(other: GatewayClient, accounts: list[Account]) -> Extras:
    """Deals in euros (one of 1,234,567.89 EUR) with a primary contact at Acme Robotics,
    spread over the stages, and a saved view of the big US accounts."""
    records = RecordsApi(other)
    stages = (await PipelinesApi(other).pipelines())[0].stages
    open_stages = [stage for stage in stages if stage.outcome == "open"]
    by_name = {account.name: account for account in accounts}
    acme = by_name["Acme Robotics"]
    contact = (
        await records.page(CONTACTS, sort="last_name", filters=(f"account_id:eq:{acme.id}",))
    ).items[0]
    today = date.today()

    async def deal(name: str, account: str, amount: str, stage: int, days: int) -> Opportunity:
        return await records.create(
            OPPORTUNITIES,
            {
                "name": name,
                "account_id": by_name[account].id,
                "primary_contact_id": contact.id if account == acme.name else None,
                "amount": amount,
                "currency": "EUR",
                "stage_id": open_stages[stage % len(open_stages)].id,
                "close_date": (today + timedelta(days=days)).isoformat(),
            },
        )

    big = await deal("Acme Robotics — EMEA fleet rollout", "Acme Robotics", "1234567.89", 2, 45)
    await deal("Acme Robotics — Service contract", "Acme Robotics", "48250.50", 0, 20)
    await deal("Soylent Foods — Lyon plant pilot", "Soylent Foods", "86500.00", 1, 30)
    await deal("Globex Logistics — Rotterdam hub", "Globex Logistics", "312000.00", 3, 75)
    await FieldsApi(other).create_view(
        "account",
        "Big US accounts",
        filters=("country:eq:United States", "size:gte:1000"),
        sort="-size",
        columns=("name", "industry", "size", "city", "country"),
    )
    return Extras(big, contact)


def live(app: QApplication, out: Path) -> None:
    """Run a real solo session, grab its windows, stop it."""
    from app.shell import DesktopShell
    from backend.auth.demo import DEMO_PASSWORD
    from tests.app.support import DEMO_ADMIN

    def grab(widget: QWidget, name: str) -> None:
        widget.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    def grab_over(window: QWidget, popup: QWidget, name: str, *, centred: bool = True) -> None:
        over(window, popup, centred=centred).save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    async def signed_in_shots(shell: DesktopShell) -> None:
        await asyncio.sleep(0.05)
        grab(shell.startup_window, "live-startup")
        await demo_login(shell)
        login = shell.login_window
        await settle(0.1)
        grab(login, "live-login")
        login.submit()
        await until(
            lambda: (
                shell.main_window is not None and shell.monitor is not None and shell.monitor.latest
            ),
            "the main window after signing in",
        )
        window = shell.main_window
        assert window is not None
        assert shell.signed_in is not None
        window.resize(*WINDOW_SIZE)
        await settle(0.2)
        grab(window, "live-main")
        settings = window.show_page("Settings")
        assert isinstance(settings, SettingsPage)
        await until(lambda: settings.model.rowCount() > 0, "the signed-in devices")
        await settle(0.1)
        grab(window, "live-settings")
        users = window.show_page("Users")
        assert isinstance(users, UsersPage)
        await until(lambda: users.model.rowCount() > 0, "the users")
        await settle(0.1)
        grab(window, "live-users")
        accounts = window.show_page("Accounts")
        assert isinstance(accounts, AccountsPage)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the accounts")
        await settle(0.1)
        grab(window, "live-accounts")
        rows = accounts.model.records()
        busiest = max(range(len(rows)), key=lambda row: rows[row].size or 0)
        accounts.table.selectRow(busiest)
        accounts.open_account(accounts.model.index(busiest, 0))
        await until(
            lambda: accounts.detail.opportunity_rows or accounts.detail.contact_labels,
            "the account's contacts and opportunities",
        )
        await settle(0.2)
        grab(window, "live-account-detail")
        contacts = window.show_page("Contacts")
        assert isinstance(contacts, ContactsPage)
        await until(lambda: contacts.model.loaded and not contacts.model.loading, "the contacts")
        await settle(0.1)
        grab(window, "live-contacts")

        other = GatewayClient(shell.signed_in.client.base_url)  # another device
        try:
            await AuthApi(other).sign_in(DEMO_ADMIN, DEMO_PASSWORD)
            print("adding euro deals and a saved view to the demo book…")
            extras = await add_extras(other, accounts.model.records())
            await crm_shots(shell, window, accounts, contacts, other, extras)
        finally:
            await other.aclose()

    async def crm_shots(
        shell: DesktopShell,
        window: MainWindow,
        accounts: AccountsPage,
        contacts: ContactsPage,
        other: GatewayClient,
        extras: Extras,
    ) -> None:
        contacts.open_record_id(extras.contact.id)
        await until(lambda: contacts.detail.opportunity_rows, "the contact's opportunities")
        await settle(0.2)
        grab(window, "live-contact-detail")
        contacts.detail.hide()

        window.show_page("Accounts")
        accounts.detail.hide()
        accounts.open_new_dialog()
        await until(lambda: accounts.dialog is not None, "the New account dialog")
        dialog = accounts.dialog
        assert dialog is not None
        dialog.field("name").editor.setText("Northwind Traders")  # type: ignore[attr-defined]
        dialog.field("domain").editor.setText("northwind traders")  # type: ignore[attr-defined]
        dialog.field("industry").editor.setText("Wholesale")  # type: ignore[attr-defined]
        dialog.submit()
        await until(lambda: dialog.field("domain").error(), "the server's word on the domain")
        await settle(0.2)
        grab(dialog, "live-account-new-error")
        dialog.reject()

        accounts.load_views()  # the view was saved elsewhere after the page first showed
        await until(lambda: len(accounts.views_bar.views()) > 0, "the saved views")
        accounts.views_bar.choose(accounts.views_bar.views()[0].id)  # as the user picks it
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the view")
        accounts.table.sortByColumn(AccountsTableModel.NAME, Qt.SortOrder.AscendingOrder)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "the sort")
        view_dialog = accounts.open_save_view_dialog()
        assert view_dialog is not None
        view_dialog.name_edit.setText("Big US accounts, A to Z")
        await settle(0.2)
        grab_over(window, view_dialog, "live-views")
        view_dialog.reject()

        accounts.views_bar.choose(None)
        await until(lambda: accounts.model.loaded and not accounts.model.loading, "all accounts")
        records = RecordsApi(other)
        for name, domain in (("Northwind Traders", "northwind.com"), ("Contoso Pharma", "")):
            await records.create(ACCOUNTS, {"name": name, "domain": domain or None})
        await until(lambda: accounts.new_notice.count == 2, "the new accounts notice")
        await settle(0.2)
        grab(window, "live-accounts-new-notice")

        area = window.show_page("Pipeline")
        assert isinstance(area, DealsPage)
        board = area.board
        await until(
            lambda: board.columns and all(c.model.loaded for c in board.columns.values()),
            "the pipeline board",
        )
        await settle(0.4)  # the accounts' names on the cards
        grab(window, "live-pipeline")
        editor = board.open_editor(extras.big_deal.id)
        assert editor is not None
        await until(lambda: not editor.loading and editor.account is not None, "the deal")
        await settle(0.2)
        grab(editor, "live-opportunity-editor")
        editor.reject()

        window.show_page("Accounts")
        palette = shell.palette
        assert palette is not None
        palette.popup()
        palette.input.setText("acme")
        await until(
            lambda: palette.model.state is SearchState.READY and palette.model.hits(),
            "the search results",
        )
        await settle(0.2)
        grab_over(window, palette, "live-palette", centred=False)
        palette.close()

        window.show_page("Contacts")
        wizard = contacts.open_import()
        assert isinstance(wizard, ImportWizard)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "trade-show-leads.csv"
            path.write_text(IMPORT_CSV, encoding="utf-8")
            wizard.set_file(path)
            wizard.go_next()
            await until(lambda: wizard.current_step() == wizard.MAPPING, "the columns step")
            await settle(0.2)
            grab(wizard, "live-import-mapping")
            wizard.go_next()
            await until(
                lambda: (
                    wizard.current_step() == wizard.SUMMARY
                    and wizard.summary_step.error_model.rowCount() > 0
                ),
                "the import's outcome",
            )
        await settle(0.2)
        grab(wizard, "live-import-summary")
        wizard.accept()

    run_demo_session(app, "salesos-shots-", signed_in_shots)

"""The Accounts page (the rep's home), the detail panel of one account and its form."""

from __future__ import annotations

import asyncio

from app.api.live import Change
from app.api.records import Account, Contact
from app.features.accounts.model import AccountsTableModel
from app.features.accounts.ops import AccountRecordOps, AccountRelations
from app.features.emails.view import ContactEmails, EmailList
from app.features.live.model import LiveChanges
from app.features.records.detail import RecordDetail, make_label
from app.features.records.editing import EditableRecordPage
from app.features.records.form import FormEntry, entry
from app.features.records.model import NO_VALUE, short_date, text_or_dash
from app.features.records.ops import RecordLoader
from app.qt.core import QElapsedTimer, QModelIndex, QTimer
from app.qt.widgets import QLabel, QSizePolicy, QWidget
from app.widgets.links import web_link
from app.widgets.record_form import TextInput, WholeNumberInput

RELATED_KINDS = frozenset({"contact", "opportunity"})
"""The kinds of record an account's panel lists."""
RELATED_DELAY_MS = 300
"""Changes to contacts and deals heard within this pause of each other cause one reload
of the panel's lists (an import or a bulk edit is a burst of many)."""
RELATED_MAX_DELAY_MS = 1500
"""A steady trickle of such changes reloads the lists at least this often."""


def account_entries(parent: QWidget) -> list[FormEntry]:
    """The fields of the account form, two to a row."""
    return [
        entry(
            "name",
            "Name *",
            TextInput("Company name", parent),
            parent,
            span=2,
            required="Enter the account's name.",
        ),
        entry("domain", "Domain", TextInput("acme.com", parent), parent),
        entry("industry", "Industry", TextInput("e.g. Logistics", parent), parent),
        entry("size", "Employees", WholeNumberInput("e.g. 250", parent), parent),
        entry("country", "Country", TextInput("", parent), parent),
        entry("street", "Street", TextInput("", parent), parent, span=2),
        entry("city", "City", TextInput("", parent), parent),
        entry("region", "Region", TextInput("State, province", parent), parent),
        entry("postal_code", "Postal code", TextInput("", parent), parent),
    ]


class AccountDetail(RecordDetail):
    """One account's fields, custom fields, contacts and opportunities, beside the list.

    Args:
        parent: The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("accountDetailPanel", parent)
        self.contact_labels: list[QLabel] = []
        self.listed_ids: frozenset[str] = frozenset()
        """The ids of the contacts and opportunities listed."""
        self.emails: ContactEmails | None = None
        """The emails of the account's contacts, once offered."""
        self.email_list: EmailList | None = None

    @property
    def account(self) -> Account | None:
        """The account shown."""
        record = self.record
        return record if isinstance(record, Account) else None

    def field_rows(self, record: Account) -> list[tuple[str, str]]:
        address = ", ".join(
            part for part in (record.street, record.city, record.region, record.postal_code) if part
        )
        return [
            ("Domain", text_or_dash(record.domain)),
            ("Industry", text_or_dash(record.industry)),
            ("Employees", f"{record.size:,}" if record.size is not None else NO_VALUE),
            ("Address", address or NO_VALUE),
            ("Country", text_or_dash(record.country)),
        ]

    def links(self, record: Account) -> dict[str, str]:
        return {"Domain": web_link(record.domain)} if record.domain else {}

    def footer_rows(self, record: Account) -> list[tuple[str, str]]:
        return [("Updated", short_date(record.updated_at))]

    def show_account(self, account: Account) -> None:
        """Show ``account``'s fields, and "Loading…" for its contacts and deals."""
        self.contact_labels = []
        self.listed_ids = frozenset()
        self.show_record(account, "Loading contacts and opportunities…")

    def show_relations(self, relations: AccountRelations) -> None:
        """Show the account's contacts and opportunities (if it is still the one shown),
        in place of those shown before."""
        if self.account is None or relations.account.id != self.account.id:
            return
        self.contact_labels = []
        self.listed_ids = frozenset(
            [c.id for c in relations.contacts] + [o.id for o in relations.opportunities]
        )
        self.begin_sections()
        self.status_label.setText("Showing the first 50 of each." if relations.more else "")
        self.status_label.setVisible(relations.more)
        self.section(f"Contacts ({len(relations.contacts)})")
        if not relations.contacts:
            self.add_note("No contacts")
        for contact in relations.contacts:
            self._add_contact(contact)
        self.section(f"Opportunities ({len(relations.opportunities)})")
        if not relations.opportunities:
            self.add_note("No opportunities")
        for opportunity in relations.opportunities:
            self.add_opportunity(opportunity, relations.account.name)
        if self.emails is not None:
            self.section("Emails")
            self.email_list = EmailList(self.emails, self.inner)
            self.add_widget(self.email_list)
        self.end_sections()

    def _add_contact(self, contact: Contact) -> None:
        # Name, title and email a line each: joined on one line, the email would wrap
        # in the middle of the title's line.
        lines = (contact.full_name or NO_VALUE, contact.title, contact.email)
        shown = "\n".join(part for part in lines if part)
        label = make_label(shown, self.inner, name="detailContact")
        label.setToolTip(label.text())
        label.setWordWrap(True)
        # A long email must not widen the panel past its fixed width.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.make_related(label, "contact", contact.id)
        self.add_widget(label)
        self.contact_labels.append(label)


class AccountsPage(EditableRecordPage[Account]):
    """The accounts the user may see; double-click or Enter opens one beside the list.

    Args:
        accounts: The account calls.
        autoload: Load the first page when the page is first shown.
        parent: The parent widget.
    """

    detail: AccountDetail

    def __init__(
        self, accounts: AccountRecordOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        model = AccountsTableModel()
        loader: RecordLoader[Account] = accounts.loader(model)
        super().__init__(
            "account",
            accounts,
            AccountDetail(),
            "Accounts",
            "The companies you sell to.",
            model,
            loader,
            widths=(160, 150, 120, 100, 100, 110, 120, 92),
            stretch=AccountsTableModel.DOMAIN,
            autoload=autoload,
            new_label="New account",
            parent=parent,
        )
        self.setObjectName("accountsPage")
        model.setParent(self)
        loader.setParent(self)
        self._accounts = accounts
        self._emails: ContactEmails | None = None
        self._relations: asyncio.Task[AccountRelations] | None = None
        self._related_timer = QTimer(self)
        self._related_timer.setSingleShot(True)
        self._related_timer.setInterval(RELATED_DELAY_MS)
        self._related_timer.timeout.connect(self.reload_related)
        self._related_waiting = QElapsedTimer()

    def form_entries(self, parent: QWidget) -> list[FormEntry]:
        return account_entries(parent)

    def label_of(self, record: Account) -> str:
        return record.name

    def open_account(self, index: QModelIndex) -> None:
        """Show the account of ``index``'s row beside the list (what Enter does)."""
        self.open_index(index)

    def offer_emails(self, emails: ContactEmails) -> None:
        """Show the emails of the account's contacts on its panel; call before
        :meth:`follow`."""
        self._emails = emails
        self.detail.emails = emails

    def open_record(self, record: Account) -> None:
        if self._emails is not None and self._emails.model.account_id != record.id:
            self._emails.show_account(record.id)
        self.detail.show_account(record)
        self.load_relations(record)

    def load_relations(self, record: Account) -> None:
        if self._relations is not None and not self._relations.done():
            self._relations.cancel()  # its answer would be older than this one's
        detail = self.detail
        self._relations = self._accounts.load_relations(
            record, detail.show_relations, detail.show_failure
        )

    # ------------------------------------------------------------------ related changes

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date (see the base class), and the open account's
        contacts and opportunities too: when one changes elsewhere, the panel lists
        them again, once per burst of changes."""
        super().follow(live)
        if self._emails is not None:
            self._emails.follow(live)
        live.changed.connect(self.related_changed)
        live.stopped.connect(self._stop_reloading_related)

    @property
    def related_reload_pending(self) -> bool:
        """Whether the panel's lists wait to be loaded again after changes."""
        return self._related_timer.isActive()

    def related_changed(self, change: Change) -> None:
        """A contact or opportunity changed somewhere: list the open account's again soon.

        The change does not say whose it is, and one that was not listed may have just
        joined this account; only a deletion of one not listed can be left out. This
        window's own changes come here too and do no harm: the lists are replaced in
        place, the rest of the panel and the list beside it stay as they are.
        """
        if change.kind not in RELATED_KINDS or self.shown_record() is None:
            return
        if change.deleted and change.id not in self.detail.listed_ids:
            return
        if not self._related_timer.isActive():
            self._related_waiting.start()
            self._related_timer.start()
        elif self._related_waiting.elapsed() < RELATED_MAX_DELAY_MS:
            self._related_timer.start()  # the burst goes on: wait for its end

    def reload_related(self) -> None:
        """List the open account's contacts and opportunities again, quietly."""
        self._related_timer.stop()
        shown = self.shown_record()
        if shown is not None:
            self.load_relations(shown)

    def _stop_reloading_related(self) -> None:
        self._related_timer.stop()
        if self._relations is not None:
            self._relations.cancel()
            self._relations = None

"""The Contacts page: every contact the user may see, paged by the server, one of them in
a detail panel beside the list, and the contact form."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache

from app.api.live import Change
from app.api.records import Contact
from app.errors import UserMessage
from app.features.contacts.model import ContactsTableModel
from app.features.contacts.ops import ContactRecordOps, ContactRelations
from app.features.emails.view import ContactEmails, EmailList
from app.features.live.model import LiveChanges
from app.features.records.account_lookup import AccountNameLookup
from app.features.records.detail import RecordDetail
from app.features.records.editing import EditableRecordPage
from app.features.records.form import FormEntry, RecordDialog, entry
from app.features.records.model import NO_VALUE, short_date, text_or_dash
from app.features.records.notices import message_text
from app.features.records.ops import EditableRecord, RecordLoader
from app.qt.core import Signal
from app.qt.widgets import QPushButton, QWidget
from app.widgets.links import mail_link, phone_link
from app.widgets.record_form import CheckInput, ChoiceInput, SearchPicker, TextInput

COMMON_ZONES = (
    "America/Chicago",
    "America/Los_Angeles",
    "America/New_York",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "UTC",
)
"""Offered when this computer has no time zone database (the server still checks any name)."""


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zone names this computer knows, sorted."""
    zones = zoneinfo.available_timezones()
    return tuple(sorted(zones)) if zones else COMMON_ZONES


def contact_entries(parent: QWidget) -> list[FormEntry]:
    """The fields of the contact form, two to a row."""
    return [
        entry("first_name", "First name", TextInput("", parent), parent),
        entry(
            "last_name",
            "Last name *",
            TextInput("", parent),
            parent,
            required="Enter their last name.",
        ),
        entry("email", "Email", TextInput("name@company.com", parent), parent),
        entry("title", "Title", TextInput("e.g. Head of Purchasing", parent), parent),
        entry("phone", "Phone", TextInput("+1 555 010 2000", parent), parent),
        entry("mobile", "Mobile", TextInput("", parent), parent),
        entry(
            "account_id",
            "Account",
            SearchPicker("Type part of the account's name", parent),
            parent,
            span=2,
        ),
        entry(
            "time_zone",
            "Time zone",
            ChoiceInput(time_zones(), NO_VALUE, editable=True, parent=parent),
            parent,
        ),
        entry(
            "do_not_contact", "Do not contact", CheckInput("Never email or call", parent), parent
        ),
    ]


class ContactDetail(RecordDetail):
    """One contact's fields, custom fields, account and opportunities, beside the list.

    Args:
        parent: The parent widget.
    """

    email_wanted = Signal(object)
    """"Email" (the contact shown), once :meth:`offer_email` was called."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("contactDetailPanel", parent)
        self.account_names: dict[str, str] = {}
        """Names of the accounts seen, by id (for the form's account picker)."""
        self.emails: ContactEmails | None = None
        self.email_list: EmailList | None = None
        self.email_button = QPushButton("Email", self)
        self.email_button.setObjectName("detailEmailButton")
        self.email_button.setProperty("variant", "small")
        self.email_button.clicked.connect(self._email_wanted)
        self.email_button.hide()
        self.action_row.insertWidget(0, self.email_button)

    def offer_email(self, emails: ContactEmails) -> None:
        """Show an "Email" action and the contact's emails under their opportunities."""
        self.emails = emails
        self.email_button.show()

    def _email_wanted(self) -> None:
        contact = self.contact
        if contact is not None:
            self.email_wanted.emit(contact)

    def show_record(self, record: EditableRecord, status: str = "") -> None:
        super().show_record(record, status)
        self.email_list = None
        contact = self.contact
        can_email = contact is not None and bool(contact.email) and not contact.do_not_contact
        self.email_button.setEnabled(can_email)
        self.email_button.setToolTip(
            ""
            if can_email
            else "They asked not to be contacted"
            if contact is not None and contact.do_not_contact
            else "They have no email address"
        )

    @property
    def contact(self) -> Contact | None:
        """The contact shown."""
        record = self.record
        return record if isinstance(record, Contact) else None

    def title_of(self, record: Contact) -> str:
        return record.full_name or NO_VALUE

    def field_rows(self, record: Contact) -> list[tuple[str, str]]:
        if record.account_id is None:
            account = NO_VALUE
        else:
            account = self.account_names.get(record.account_id, "Loading…")
        return [
            ("Email", text_or_dash(record.email)),
            ("Phone", text_or_dash(record.phone)),
            ("Mobile", text_or_dash(record.mobile)),
            ("Title", text_or_dash(record.title)),
            ("Account", account),
            ("Time zone", text_or_dash(record.time_zone)),
            ("Do not contact", "Yes" if record.do_not_contact else "No"),
        ]

    def links(self, record: Contact) -> dict[str, str]:
        found = {
            "Email": mail_link(record.email) if record.email else "",
            "Phone": phone_link(record.phone) if record.phone else "",
            "Mobile": phone_link(record.mobile) if record.mobile else "",
        }
        return {label: url for label, url in found.items() if url}

    def related_fields(self, record: Contact) -> dict[str, tuple[str, str]]:
        return {"Account": ("account", record.account_id)} if record.account_id else {}

    def footer_rows(self, record: Contact) -> list[tuple[str, str]]:
        return [("Updated", short_date(record.updated_at))]

    def show_contact(self, contact: Contact) -> None:
        """Show ``contact``'s fields, and "Loading…" for its opportunities."""
        self.show_record(contact, "Loading the account and opportunities…")

    def show_relations(self, relations: ContactRelations) -> None:
        """Add the contact's account name and opportunities (if still the one shown)."""
        contact = self.contact
        if contact is None or relations.contact.id != contact.id:
            return
        if relations.account is not None:
            self.account_names[relations.account.id] = relations.account.name
        account = relations.account
        if contact.account_id is not None:
            self.set_value(
                "Account", account.name if account is not None else "(an account you cannot see)"
            )
        self.begin_sections()
        self.status_label.setText("Showing the first 50." if relations.more else "")
        self.status_label.setVisible(relations.more)
        self.section(f"Opportunities ({len(relations.opportunities)})")
        if not relations.opportunities:
            self.add_note("Not the primary contact of any opportunity")
        for opportunity in relations.opportunities:
            theirs = account is not None and opportunity.account_id == account.id
            self.add_opportunity(opportunity, account.name if account and theirs else "")
        if self.emails is not None:
            self.section("Emails")
            self.email_list = EmailList(self.emails, self.inner)
            self.add_widget(self.email_list)
        self.end_sections()


class ContactsPage(EditableRecordPage[Contact]):
    """The people at the accounts, each with their account's name, sortable by header
    and filtered by last name.

    Args:
        contacts: The contact calls.
        autoload: Load the first page when the page is first shown.
        parent: The parent widget.
    """

    detail: ContactDetail

    def __init__(
        self, contacts: ContactRecordOps, *, autoload: bool = True, parent: QWidget | None = None
    ) -> None:
        model = ContactsTableModel()
        loader: RecordLoader[Contact] = contacts.loader(model)
        super().__init__(
            "contact",
            contacts,
            ContactDetail(),
            "Contacts",
            "The people you sell to.",
            model,
            loader,
            widths=(160, 150, 230, 140, 130, 120, 92),
            stretch=ContactsTableModel.EMAIL,
            autoload=autoload,
            new_label="New contact",
            parent=parent,
        )
        self.setObjectName("contactsPage")
        model.setParent(self)
        loader.setParent(self)
        self._contacts = contacts
        self._emails: ContactEmails | None = None
        self._rows = model
        self.account_names = AccountNameLookup(
            model, contacts.account_names, self.banner, "contacts", self
        )
        """Fills the Account column, a page at a time."""
        self.account_names.arrived.connect(self.detail.account_names.update)

    def offer_email(self, emails: ContactEmails, compose: Callable[[Contact], object]) -> None:
        """Show each contact's emails on their panel, and "Email" there (``compose``
        opens the compose window to them); call before :meth:`follow`."""
        self._emails = emails
        self.detail.offer_email(emails)
        self.detail.email_wanted.connect(compose)

    def follow(self, live: LiveChanges) -> None:
        """Keep the list up to date (see the base class), its account names too: an
        account changed elsewhere (renamed, trashed) is asked for again, a burst of
        such changes in one call; and the emails of the contact shown."""
        super().follow(live)
        if self._emails is not None:
            self._emails.follow(live)
        self.account_names.follow(live)

    def account_changed(self, change: Change) -> None:
        """An account changed somewhere: read its name again soon if a row shows it."""
        self.account_names.account_changed(change)

    def load_account_names(self, account_ids: list[str]) -> None:
        """Ask for the names of ``account_ids`` (the accounts of a page of contacts) in
        one call; the Account column fills in when they arrive."""
        self.account_names.load(account_ids)

    def form_entries(self, parent: QWidget) -> list[FormEntry]:
        return contact_entries(parent)

    def label_of(self, record: Contact) -> str:
        return record.full_name or "this contact"

    def open_record(self, record: Contact) -> None:
        if self._emails is not None and self._emails.model.contact_id != record.id:
            self._emails.show_contact(record.id)
        self.detail.show_contact(record)
        self.load_relations(record)

    def load_relations(self, record: Contact) -> None:
        detail = self.detail
        self._contacts.load_relations(record, detail.show_relations, detail.show_failure)

    def prepare_dialog(self, dialog: RecordDialog, record: Contact | None) -> None:
        """Let the account picker search accounts and name the current one."""
        found = dialog.entry("account_id")
        if found is None or not isinstance(found.input, SearchPicker):
            return
        picker, field = found.input, found.field

        def search_failed(message: UserMessage) -> None:
            field.set_error(f"Accounts could not be searched. {message_text(message)}")

        def name_failed(message: UserMessage) -> None:
            field.set_error(f"The account's name could not be loaded. {message_text(message)}")

        def look_up(account_id: str) -> None:
            self._contacts.account_name(
                account_id, lambda name: picker.name_known(account_id, name), name_failed
            )

        picker.search_wanted.connect(
            lambda text: self._contacts.search_accounts(text, picker.set_choices, search_failed)
        )
        picker.name_wanted.connect(look_up)
        account_id = picker.value()
        if isinstance(account_id, str):
            known = self.detail.account_names.get(account_id)
            if known is not None:
                picker.set_current(known, account_id)
            else:
                look_up(account_id)

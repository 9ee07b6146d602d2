"""Contacts as a server-paged table, with the names of their accounts."""

from __future__ import annotations

from app.api.records import Contact
from app.features.records.account_names import (
    FAILED_TIP,
    NAME_PENDING,
    NAME_UNAVAILABLE,
    UNAVAILABLE_TIP,
    AccountNamesModel,
)
from app.features.records.model import (
    BOOL,
    DATE,
    NO_VALUE,
    TEXT,
    short_date,
    text_or_dash,
)

__all__ = [
    "FAILED_TIP",
    "NAME_PENDING",
    "NAME_UNAVAILABLE",
    "UNAVAILABLE_TIP",
    "ContactsTableModel",
]


class ContactsTableModel(AccountNamesModel[Contact]):
    """One row per contact: name, account, email, title, phone, owner, updated.

    The filter box matches the whole name, the email, the phone or the mobile; the
    Name column sorts by last name. The server cannot sort by the account's name, nor
    does a contact carry it: the names fill in per page
    (:class:`~app.features.records.account_names.AccountNamesModel`).
    """

    NAME, ACCOUNT, EMAIL, TITLE, PHONE, OWNER, UPDATED = range(7)
    HEADERS = ("Name", "Account", "Email", "Title", "Phone", "Owner", "Updated")
    SORT_KEYS = ("last_name", None, "email", "title", "phone", None, "updated_at")
    OWNER_COLUMN = OWNER
    ACCOUNT_COLUMN = ACCOUNT
    DEFAULT_SORT = "last_name"
    FILTER_FIELD = "last_name"
    FILTER_LABEL = "name, email or phone"
    FILTERS: tuple[tuple[str, str, str], ...] = (
        ("first_name", "First name", TEXT),
        ("last_name", "Last name", TEXT),
        ("email", "Email", TEXT),
        ("phone", "Phone", TEXT),
        ("mobile", "Mobile", TEXT),
        ("title", "Title", TEXT),
        ("time_zone", "Time zone", TEXT),
        ("do_not_contact", "Do not contact", BOOL),
        ("created_at", "Created", DATE),
        ("updated_at", "Updated", DATE),
    )
    NOUN = "contact"
    EMPTY_TEXT = "No contacts yet"
    NO_MATCH_TEXT = "No contacts match"

    # ------------------------------------------------------------------ cells

    def cell(self, record: Contact, column: int) -> str:
        if column == self.NAME:
            return record.full_name or NO_VALUE
        if column == self.ACCOUNT:
            return self.account_text(record.account_id)
        if column == self.EMAIL:
            return text_or_dash(record.email)
        if column == self.TITLE:
            return text_or_dash(record.title)
        if column == self.PHONE:
            return text_or_dash(record.phone or record.mobile)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

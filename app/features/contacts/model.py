"""Contacts as a server-paged table."""

from __future__ import annotations

from app.api.records import ContactRecord
from app.features.records.model import NO_VALUE, RecordTableModel, short_date, text_or_dash


class ContactsTableModel(RecordTableModel[ContactRecord]):
    """One row per contact: name, email, title, phone, updated.

    The quick filter and the Name column go by last name, which the server can
    filter and sort on.
    """

    NAME, EMAIL, TITLE, PHONE, UPDATED = range(5)
    HEADERS = ("Name", "Email", "Title", "Phone", "Updated")
    SORT_KEYS = ("last_name", "email", "title", "phone", "updated_at")
    DEFAULT_SORT = "last_name"
    FILTER_FIELD = "last_name"
    FILTER_LABEL = "last name"
    NOUN = "contact"
    EMPTY_TEXT = "No contacts yet"
    NO_MATCH_TEXT = "No contacts match"

    def cell(self, record: ContactRecord, column: int) -> str:
        if column == self.NAME:
            return record.full_name or NO_VALUE
        if column == self.EMAIL:
            return text_or_dash(record.email)
        if column == self.TITLE:
            return text_or_dash(record.title)
        if column == self.PHONE:
            return text_or_dash(record.phone or record.mobile)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

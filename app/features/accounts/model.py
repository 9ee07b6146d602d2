"""Accounts as a server-paged table, and how an opportunity's amount reads."""

from __future__ import annotations

from app.api.records import Account
from app.features.records.model import (
    DATE,
    NO_VALUE,
    NUMBER,
    TEXT,
    RecordTableModel,
    short_date,
    text_or_dash,
)
from app.money import format_money

__all__ = ["AccountsTableModel", "format_money"]


class AccountsTableModel(RecordTableModel[Account]):
    """One row per account: name, domain, industry, employees, city, country, owner,
    updated. The filter box matches the name, the domain or the city."""

    NAME, DOMAIN, INDUSTRY, EMPLOYEES, CITY, COUNTRY, OWNER, UPDATED = range(8)
    HEADERS = ("Name", "Domain", "Industry", "Employees", "City", "Country", "Owner", "Updated")
    SORT_KEYS = ("name", "domain", "industry", "size", "city", "country", None, "updated_at")
    NUMBER_COLUMNS = (EMPLOYEES,)
    OWNER_COLUMN = OWNER
    DEFAULT_SORT = "name"
    FILTER_FIELD = "name"
    FILTER_LABEL = "name, domain or city"
    FILTERS: tuple[tuple[str, str, str], ...] = (
        ("name", "Name", TEXT),
        ("domain", "Domain", TEXT),
        ("industry", "Industry", TEXT),
        ("size", "Employees", NUMBER),
        ("street", "Street", TEXT),
        ("city", "City", TEXT),
        ("region", "Region", TEXT),
        ("postal_code", "Postal code", TEXT),
        ("country", "Country", TEXT),
        ("created_at", "Created", DATE),
        ("updated_at", "Updated", DATE),
    )
    NOUN = "account"
    EMPTY_TEXT = "No accounts yet"
    NO_MATCH_TEXT = "No accounts match"

    def cell(self, record: Account, column: int) -> str:
        if column == self.NAME:
            return record.name
        if column == self.DOMAIN:
            return text_or_dash(record.domain)
        if column == self.INDUSTRY:
            return text_or_dash(record.industry)
        if column == self.EMPLOYEES:
            return f"{record.size:,}" if record.size is not None else NO_VALUE
        if column == self.CITY:
            return text_or_dash(record.city)
        if column == self.COUNTRY:
            return text_or_dash(record.country)
        if column == self.UPDATED:
            return short_date(record.updated_at)
        return ""

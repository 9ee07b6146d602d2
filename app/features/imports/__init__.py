"""The CSV import wizard of accounts and contacts."""

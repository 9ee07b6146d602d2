"""Server-paged lists of CRM records, shared by Accounts and Contacts."""

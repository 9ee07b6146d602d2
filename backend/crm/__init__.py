"""crm: accounts, contacts, opportunities, pipelines and stages, custom fields, views, search."""

"""Deals as a list beside the Pipeline board: sortable columns, owners, many at once."""

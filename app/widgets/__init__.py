"""Reusable widgets that know nothing of SalesOS."""

"""scoring: engagement scores per contact and account, from events, with time decay."""

"""The Accounts page: the rep's home, and an account's detail."""

"""System status: the health of the database, the broker and every service."""

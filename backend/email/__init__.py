"""email: mailboxes and their tokens, templates, messages and threads, tracking, suppression."""

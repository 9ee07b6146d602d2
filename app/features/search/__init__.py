"""The command palette and its Ctrl+K search."""

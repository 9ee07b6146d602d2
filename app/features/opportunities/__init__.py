"""The opportunity editor: a deal's fields, checked here and by the server."""

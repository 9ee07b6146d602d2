"""Settings: the signed-in devices (sessions) and changing the password."""

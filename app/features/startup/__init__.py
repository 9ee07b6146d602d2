"""The start-up window: progress of the solo backend's steps, and what to do on failure."""

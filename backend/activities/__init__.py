"""activities: the timeline (built from events), tasks and reminders, call logs, notes."""

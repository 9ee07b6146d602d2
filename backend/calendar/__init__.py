"""calendar: meetings, availability, booking links, invites, provider calendar sync."""

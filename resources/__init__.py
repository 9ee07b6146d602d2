"""Icons (SVG) and styles (QSS) of the desktop app, shipped as package data."""

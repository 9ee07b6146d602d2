"""One package per screen or concern: ``model.py`` (no QtWidgets), ``view.py``."""

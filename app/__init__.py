"""The SalesOS desktop client (PySide6).

It knows the backend only over HTTP (``app.api``); ``app.solo`` is the one module
that imports ``backend``, to start it in-process in solo mode, and ``app.qt`` is
the one module that imports PySide6.
"""

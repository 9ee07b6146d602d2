"""The SalesOS desktop client (PySide6).

It knows the backend only over HTTP (``app.api``); ``app.solo`` is the one module
that imports ``backend``, to start it in-process in solo mode, and the package
``app.qt`` (``core``, ``gui``, ``widgets``) is the one that imports PySide6.
"""

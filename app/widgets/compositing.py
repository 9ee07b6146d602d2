"""Whether a window's see-through parts really show what is behind them.

Without a compositing manager (a bare X11 session, some remote desktops), the
transparent margin of a translucent window is drawn black: a soft shadow becomes a
black square. Wayland, Windows and macOS always composite.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

from app.qt.gui import QGuiApplication


@functools.cache
def _x11_composited(display_name: str) -> bool:
    """Whether screen 0 of the X display has a compositing manager (the owner of the
    ``_NET_WM_CM_S0`` selection); ``False`` when that cannot be told."""
    name = ctypes.util.find_library("X11")
    if name is None:
        return False
    try:
        xlib = ctypes.CDLL(name)
    except OSError:
        return False
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetSelectionOwner.restype = ctypes.c_ulong
    xlib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(display_name.encode() or None)
    if not display:
        return False
    try:
        atom = xlib.XInternAtom(display, b"_NET_WM_CM_S0", 0)
        return bool(xlib.XGetSelectionOwner(display, atom))
    finally:
        xlib.XCloseDisplay(display)


def translucency_works() -> bool:
    """Whether translucent windows show their background (offscreen: yes, it draws
    into images)."""
    platform = QGuiApplication.platformName()
    if platform == "xcb":
        return _x11_composited(os.environ.get("DISPLAY", ""))
    return platform not in ("vnc", "linuxfb", "eglfs")

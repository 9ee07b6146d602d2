"""``salesos`` / ``python -m app``: the desktop app, or a backend command.

With no arguments it opens the desktop app in solo mode (the whole backend in
this process). With arguments (``salesos serve --all``, ``salesos db upgrade``,
...) it runs the backend's command line instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

NO_DISPLAY_MESSAGE = (
    "SalesOS needs a display for its desktop window. "
    "On a server, run the backend headless: salesos serve --all"
)


def has_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether a window can be shown.

    On Linux that takes an X11 or Wayland display, unless ``QT_QPA_PLATFORM``
    picks a platform plugin explicitly (e.g. ``offscreen`` in tests). Windows
    and macOS always have one.
    """
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: Sequence[str] | None = None) -> int:
    """The ``salesos`` entry point.

    Args:
        argv: The arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        from app.solo import run_cli

        return run_cli(args)
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    from app.desktop import run_desktop

    return run_desktop()


if __name__ == "__main__":
    sys.exit(main())

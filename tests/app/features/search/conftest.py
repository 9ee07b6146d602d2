"""The palette is a popup: it grabs the keyboard and mouse, which the offscreen
platform cannot do and says so. Real platforms do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import OFFSCREEN_NOISE

HERE = Path(__file__).parent

POPUP_NOISE = (*OFFSCREEN_NOISE, "This plugin does not support grabbing the (keyboard|mouse)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            # First, so it is the mark pytest-qt reads (it reads only the closest one).
            item.add_marker(pytest.mark.qt_log_ignore(*POPUP_NOISE), append=False)

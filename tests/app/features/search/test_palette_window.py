"""The palette's window without a compositor (issue 11, defect 12: its see-through
shadow margin was drawn as a black square)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.api.client import GatewayClient
from app.features.search.ops import SearchOps
from app.features.search.view import PALETTE_HEIGHT, PALETTE_WIDTH, SHADOW, CommandPalette
from app.ops import Operations
from app.qt.core import Qt
from app.qt.widgets import QWidget
from app.widgets.compositing import translucency_works


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    window = QWidget()
    window.resize(900, 600)
    qtbot.addWidget(window)
    window.show()
    return window


def palette_of(host: QWidget, ops: Operations, translucent: bool | None) -> CommandPalette:
    search = SearchOps(GatewayClient("http://127.0.0.1:9"), ops)  # never asked here
    return CommandPalette(search, host, translucent=translucent)


class TestThePalettesWindow:
    def test_without_a_compositor_it_is_an_opaque_box(self, host: QWidget, ops: Operations) -> None:
        palette = palette_of(host, ops, translucent=False)
        assert not palette.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        assert palette.size().width() == PALETTE_WIDTH  # no see-through margin
        assert palette.size().height() == PALETTE_HEIGHT
        palette.popup()
        image = palette.grab().toImage()
        corner = image.pixelColor(1, 1)
        assert corner.lightness() > 200  # not black

    def test_with_one_it_keeps_its_shadow(self, host: QWidget, ops: Operations) -> None:
        palette = palette_of(host, ops, translucent=True)
        assert palette.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        assert palette.size().width() == PALETTE_WIDTH + 2 * SHADOW

    def test_offscreen_draws_translucency(self) -> None:
        assert translucency_works()  # the offscreen platform draws into images

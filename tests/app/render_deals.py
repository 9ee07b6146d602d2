"""Render the Pipeline page's two views of a real session to PNG files, to look at them
without a display.

Usage: ``python tests/app/render_deals.py OUT_DIR``

Starts the real solo backend (in a temporary SALESOS_HOME, with the demo data), signs in
as the demo admin through the login window, and writes each screen at 1280 by 800 and at
1024 by 768 (``-1024`` in the name):

* ``deals-board``: the Pipeline board, the Board | List switch beside its title;
* ``deals-list-all``: the List view sorted by amount (largest first), every column;
* ``deals-list``: the List view sorted by amount (largest first), one deal open in the
  detail panel beside the list and two more selected with it, so the bulk bar shows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.qt.widgets import QApplication, QWidget
from app.theme import apply_theme
from tests.app.render_support import demo_login, run_demo_session, settle, until

SIZES = ((1280, 800, ""), (1024, 768, "-1024"))


def main(out: Path) -> None:
    from app.features.deals.area import LIST, DealsPage
    from app.features.deals.model import DealsTableModel
    from app.qt.core import QItemSelectionModel, Qt
    from app.shell import DesktopShell

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)

    async def grab(widget: QWidget, name: str) -> None:
        for width, height, suffix in SIZES:
            widget.resize(width, height)
            await settle(0.2)  # the list fits its columns once the new width is in
            path = out / f"{name}{suffix}.png"
            widget.grab().save(str(path))
            print(path)

    async def shots(shell: DesktopShell) -> None:
        await demo_login(shell)
        shell.login_window.submit()
        await until(lambda: shell.main_window is not None, "the main window")
        window = shell.main_window
        assert window is not None
        area = window.show_page("Pipeline")
        assert isinstance(area, DealsPage)
        board = area.board
        await until(
            lambda: board.columns and all(c.model.loaded for c in board.columns.values()),
            "the pipeline board",
        )
        await settle(0.4)  # the accounts' names on the cards
        await grab(window, "deals-board")

        area.switch.buttons[LIST].click()
        deals = area.list
        model = deals.model
        await until(lambda: model.loaded and not model.loading and deals.pipelines, "the deals")
        deals.table.horizontalHeader().setSortIndicator(
            DealsTableModel.AMOUNT, Qt.SortOrder.DescendingOrder
        )
        await until(lambda: model.loaded and not model.loading, "the deals by amount")
        await until(
            lambda: (
                all(
                    model.index(row, DealsTableModel.ACCOUNT).data() != "…"
                    for row in range(model.rowCount())
                )
                and deals.owners.loaded
            ),
            "the accounts' and owners' names",
        )
        await grab(window, "deals-list-all")
        deals.table.selectRow(0)  # one deal: its panel opens
        await until(lambda: deals.detail.isVisible(), "the deal's panel")
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in (2, 3):  # two more: the bulk bar, the panel stays
            deals.table.selectionModel().select(model.index(row, 0), flags)
        await until(lambda: deals.selection.bar.isVisible(), "the bulk bar")
        await grab(window, "deals-list")

    run_demo_session(app, "salesos-deals-shots-", shots)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/deals-shots")
    target.mkdir(parents=True, exist_ok=True)
    main(target)

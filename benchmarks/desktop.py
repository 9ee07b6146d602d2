"""The desktop Accounts view over 100k accounts: first rows, and how long the UI thread
is ever kept busy while pages arrive.

Serves a SALESOS_HOME seeded with `salesos seed-demo --accounts N` (made here unless
`--home` names one) with `salesos serve --all`, signs in as the demo admin in this
process, opens the real Accounts page (offscreen) and measures:

- open-to-first-rows: from showing the page (which asks for the first page) to the
  first rows in its model, over several openings;
- UI thread stalls: a 2 ms heartbeat timer runs on the Qt thread; the longest gap
  between two beats (minus the interval) is the longest the UI was blocked, while
  the benchmark pages 40 times through the list (fetchMore, as scrolling does),
  re-sorts by each column, and types filters.

Usage: python benchmarks/desktop.py [--home DIR] [--accounts 100000] [--opens 10]
[--pages 40] [--smoke]

``--smoke`` seeds 300 accounts, opens the page twice, pages 3 times and re-sorts by
two columns (well under a minute): the same figures, of a tiny book.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _machine import SMOKE_HELP, apply_smoke, describe, free_port, percentile

ROOT = Path(__file__).resolve().parent.parent


class Heartbeat:
    """Beats every 2 ms on the Qt thread and keeps the gaps between beats."""

    def __init__(self) -> None:
        from app.qt.core import Qt, QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.gaps.clear()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now


async def measure(base_url: str, opens: int, pages: int, columns: int, accounts: int) -> None:
    from app.api.auth import AuthApi
    from app.api.client import GatewayClient
    from app.features.accounts.ops import AccountRecordOps
    from app.features.accounts.view import AccountsPage
    from app.ops import Operations
    from app.qt.core import Qt

    loop = asyncio.get_running_loop()
    ops = Operations(loop)
    client = GatewayClient(base_url)
    await AuthApi(client).sign_in("admin@demo.salesos.dev", "demo123!")

    async def until(check: object, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not check():  # type: ignore[operator]
            if time.perf_counter() > deadline:
                raise SystemExit("timed out")
            await asyncio.sleep(0.001)

    first_rows: list[float] = []
    for _ in range(opens):
        scope = ops.scope()  # as a window's: cancelled before the page goes
        page = AccountsPage(AccountRecordOps(client, scope))
        page.resize(1100, 700)
        t0 = time.perf_counter()
        page.show()  # loads the first page when first shown
        await until(lambda p=page: p.model.rowCount() > 0)
        first_rows.append(time.perf_counter() - t0)
        await asyncio.sleep(0.3)  # let the page's other loads (views, fields) finish
        scope.cancel_all()
        page.close()
        page.deleteLater()
    print(
        f"Accounts view, open to first rows ({accounts:,} accounts, {opens} openings): "
        f"p50 {percentile(first_rows, 50) * 1000:.0f} ms, "
        f"max {max(first_rows) * 1000:.0f} ms"
    )

    page = AccountsPage(AccountRecordOps(client, ops))
    page.resize(1100, 700)
    page.show()
    await until(lambda: page.model.rowCount() > 0)
    beat = Heartbeat()
    beat.start()
    model = page.model
    t0 = time.perf_counter()
    paged_pages = 0
    for _ in range(pages):  # scroll to the end: the view asks for more
        rows = model.rowCount()
        if not model.has_more():
            break  # the whole book is loaded
        page.table.scrollToBottom()  # the view may ask for the next page itself
        if model.canFetchMore(page.table.rootIndex()):
            model.fetchMore(page.table.rootIndex())
        await until(lambda r=rows: model.rowCount() > r)
        paged_pages += 1
    paged = time.perf_counter() - t0
    paged_rows = model.rowCount()
    header = page.table.horizontalHeader()
    sorted_columns = min(columns, len(model.SORT_KEYS))
    for column in range(sorted_columns):
        for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
            header.setSortIndicator(column, order)
            await until(lambda: model.loaded and not model.loading)
    for text in ("n", "no", "nor", "north", ""):
        page.search_edit.setText(text)
        page.apply_filter()
        await until(lambda: model.loaded and not model.loading)
    beat.stop()
    took = time.perf_counter() - t0
    gaps = [g * 1000 for g in beat.gaps]
    print(
        f"UI thread while paging {paged_pages} pages ({paged_rows:,} rows, {paged:.1f} s), "
        f"{2 * sorted_columns} re-sorts and 5 filters: longest stall {max(gaps):.1f} ms, "
        f"p99 beat gap {percentile(gaps, 99):.1f} ms ({len(gaps):,} beats of 2 ms in {took:.1f} s)"
    )
    ops.cancel_all()  # as the app does before its client closes (the count may still run)
    await asyncio.sleep(0)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, help="a SALESOS_HOME seeded before")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--opens", type=int, default=10)
    parser.add_argument("--pages", type=int, default=40, help="pages scrolled to")
    parser.add_argument("--columns", type=int, default=7, help="columns re-sorted both ways")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    opts = parser.parse_args()
    home = opts.home or Path(tempfile.mkdtemp(prefix="salesos-desktop-bench-"))
    env = {**os.environ, "SALESOS_HOME": str(home), "SALESOS_LOG_LEVEL": "WARNING"}
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SALESOS_SECRET_KEY"):
        env.pop(name, None)
    print(f"machine: {describe()}", flush=True)
    apply_smoke(opts, accounts=300, opens=2, pages=3, columns=2)
    if opts.home is None:
        subprocess.run(
            [sys.executable, "-m", "app", "seed-demo", "--accounts", str(opts.accounts)],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--all", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import httpx

        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("serve --all did not answer /health within a minute")
        import qasync

        from app.qt.widgets import QApplication
        from app.theme import apply_theme

        app = QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)
        apply_theme(app)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(
                measure(
                    f"http://127.0.0.1:{port}", opts.opens, opts.pages, opts.columns, opts.accounts
                )
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if opts.home is None:  # made here: its embedded database goes too
            subprocess.run(
                [sys.executable, "-c", "from backend.embedded.postgres import EmbeddedPostgres as P; "
                 f"P({str(home)!r}).destroy()"], cwd=ROOT, check=False,
            )  # fmt: skip


if __name__ == "__main__":
    main()

"""Background operations run on the qasync loop and report back exactly once."""

from __future__ import annotations

import asyncio

import httpx
from pytestqt.qtbot import QtBot

from app.errors import ErrorKind, UserMessage
from app.ops import Operations


async def answer(value: int, delay: float = 0.01) -> int:
    await asyncio.sleep(delay)
    return value


async def fail() -> int:
    await asyncio.sleep(0.01)
    raise httpx.ConnectError("refused", request=httpx.Request("GET", "http://127.0.0.1:9/x"))


class TestRun:
    def test_success_callback_gets_the_result(self, ops: Operations, qtbot: QtBot) -> None:
        results: list[int] = []
        ops.run(answer(42), on_success=results.append)
        assert ops.pending == 1
        qtbot.waitUntil(lambda: results == [42])
        assert ops.pending == 0

    def test_failure_callback_gets_a_worded_message(self, ops: Operations, qtbot: QtBot) -> None:
        failures: list[UserMessage] = []
        successes: list[int] = []
        ops.run(fail(), on_success=successes.append, on_failure=failures.append)
        qtbot.waitUntil(lambda: len(failures) == 1)
        assert failures[0].kind is ErrorKind.UNREACHABLE
        assert failures[0].title == "Cannot reach the SalesOS server at http://127.0.0.1:9."
        assert successes == []

    def test_unhandled_failure_goes_to_the_central_display(
        self, ops: Operations, qtbot: QtBot
    ) -> None:
        reported: list[UserMessage] = []
        ops.set_report(reported.append)
        ops.run(fail())
        qtbot.waitUntil(lambda: len(reported) == 1)
        assert reported[0].connection_lost

    def test_cancelled_operations_call_nothing(self, ops: Operations, qtbot: QtBot) -> None:
        called: list[object] = []
        ops.set_report(called.append)
        task = ops.run(answer(1, delay=5), on_success=called.append, on_failure=called.append)
        ops.cancel_all()
        qtbot.waitUntil(lambda: ops.pending == 0)  # its end was handled: no callback came
        assert task.cancelled()
        assert called == []
        assert ops.pending == 0

    def test_nothing_starts_once_the_loop_is_closed(self) -> None:
        # A widget's timer may fire after the app's loop closed (on quitting).
        loop = asyncio.new_event_loop()
        late = Operations(loop)
        loop.close()
        called: list[object] = []
        task = late.run(answer(1), on_success=called.append, on_failure=called.append)
        assert task.cancelled()
        assert called == []
        assert late.pending == 0

    def test_nothing_starts_once_the_loop_is_closed_while_another_runs(self) -> None:
        # The next window's loop runs when an old window's timer fires (the tests' many
        # sessions in one process; a sign-out and back in): no loop is run inside it.
        old = asyncio.new_event_loop()
        late = Operations(old)
        old.close()
        called: list[object] = []

        async def now_running() -> asyncio.Task[int]:
            return late.run(answer(1), on_success=called.append, on_failure=called.append)

        current = asyncio.new_event_loop()
        try:
            task = current.run_until_complete(now_running())
        finally:
            current.close()
        assert task.cancelled()
        assert called == []

    def test_tasks_stay_referenced_until_done(self, ops: Operations, qtbot: QtBot) -> None:
        results: list[int] = []
        for value in range(5):
            ops.run(answer(value, delay=0.05), on_success=results.append)
        assert ops.pending == 5
        qtbot.waitUntil(lambda: sorted(results) == [0, 1, 2, 3, 4])
        assert ops.pending == 0


class TestScope:
    def test_a_scope_cancels_only_its_own(self, ops: Operations, qtbot: QtBot) -> None:
        window_ops = ops.scope()
        results: list[int] = []
        mine = window_ops.run(answer(1, delay=5), on_success=results.append)
        other = ops.run(answer(2, delay=0.05), on_success=results.append)
        assert (ops.pending, window_ops.pending) == (2, 1)
        window_ops.cancel_all()
        qtbot.waitUntil(lambda: results == [2])
        assert mine.cancelled()
        assert not other.cancelled()
        assert (ops.pending, window_ops.pending) == (0, 0)

    def test_the_parent_cancels_its_scopes_and_reports_for_them(
        self, ops: Operations, qtbot: QtBot
    ) -> None:
        reported: list[UserMessage] = []
        ops.set_report(reported.append)
        window_ops = ops.scope()
        window_ops.run(fail())
        qtbot.waitUntil(lambda: len(reported) == 1)
        task = window_ops.run(answer(1, delay=5))
        ops.cancel_all()
        qtbot.waitUntil(task.done)
        assert task.cancelled()

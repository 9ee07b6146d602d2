"""The account operations of the Settings page, each a background call with callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.api.auth import AuthApi, DeviceSession
from app.api.client import GatewayClient
from app.ops import FailureHandler, Operations


class AccountOps:
    """My sessions and my password, through the gateway.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
    """

    def __init__(self, client: GatewayClient, ops: Operations) -> None:
        self._auth = AuthApi(client)
        self._ops = ops

    def load_sessions(
        self, done: Callable[[list[DeviceSession]], None], failed: FailureHandler
    ) -> asyncio.Task[list[DeviceSession]]:
        """Fetch the signed-in devices."""
        return self._ops.run(
            self._auth.device_sessions(), on_success=done, on_failure=failed, name="sessions"
        )

    def end_session(
        self, session_id: str, done: Callable[[], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Sign one device out."""
        return self._ops.run(
            self._auth.end_device_session(session_id),
            on_success=lambda _: done(),
            on_failure=failed,
            name="end-session",
        )

    def end_others(self, done: Callable[[int], None], failed: FailureHandler) -> asyncio.Task[int]:
        """Sign out every device but this one."""
        return self._ops.run(
            self._auth.end_other_device_sessions(),
            on_success=done,
            on_failure=failed,
            name="end-other-sessions",
        )

    def change_password(
        self, current: str, new: str, done: Callable[[], None], failed: FailureHandler
    ) -> asyncio.Task[None]:
        """Change my password (the server signs out my other devices)."""
        return self._ops.run(
            self._auth.change_password(current, new),
            on_success=lambda _: done(),
            on_failure=failed,
            name="change-password",
        )

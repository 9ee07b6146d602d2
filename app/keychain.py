"""Saved sign-ins: the refresh token of "Keep me signed in", in the OS keyring.

The keyring (Secret Service, macOS Keychain, Windows Credential Locker) can be
slow (D-Bus, an unlock prompt), so every call runs off the UI thread, on one
worker thread of its own: writes happen in the order they were asked for, which
matters because each token refresh replaces the saved token.

No keyring on the machine (a headless Linux box, a minimal container) is normal:
:meth:`Keychain.available` says so, and the login screen explains that the user
will sign in each time. Nothing is ever written to a file instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail, null

log = logging.getLogger(__name__)

T = TypeVar("T")

SERVICE_PREFIX = "SalesOS"


def keyring_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """Whether ``backend`` really keeps secrets.

    The ``fail`` and ``null`` backends keep nothing; a backend with a priority
    below 1 is one keyring itself does not recommend (e.g. a plain-text file).
    """
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    try:
        return float(backend.priority) >= 1
    except Exception:  # a backend whose priority check fails is not usable
        return False


class Keychain:
    """Reads and writes saved refresh tokens, one per server and email.

    Args:
        backend: The keyring to use; by default whatever ``keyring`` picks (or was
            configured with ``keyring.set_keyring``) at the time of each call.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._executor: ThreadPoolExecutor | None = None
        self._available: bool | None = None

    @staticmethod
    def service_for(server: str) -> str:
        """The keyring's service name for a server key (``"this-computer"`` or a URL)."""
        return f"{SERVICE_PREFIX} ({server})"

    async def available(self) -> bool:
        """Whether sign-ins can be kept on this computer (checked once)."""
        if self._available is None:
            self._available = await self._run(lambda: keyring_usable(self._keyring()))
        return self._available

    async def load(self, server: str, email: str) -> str | None:
        """The saved refresh token for ``email`` on ``server``; ``None`` if none or unreadable."""
        if not await self.available():
            return None

        def read() -> str | None:
            try:
                return self._keyring().get_password(self.service_for(server), email)
            except keyring.errors.KeyringError as exc:
                log.warning("could not read the saved sign-in from the keyring: %s", exc)
                return None

        return await self._run(read)

    async def save(self, server: str, email: str, refresh_token: str) -> None:
        """Keep ``refresh_token`` (replacing an older one).

        Raises:
            keyring.errors.KeyringError: The keyring refused (e.g. it is locked).
        """
        if not await self.available():
            return
        await self._run(
            lambda: self._keyring().set_password(self.service_for(server), email, refresh_token),
            finish=True,
        )

    async def forget(self, server: str, email: str) -> None:
        """Delete the saved sign-in, if there is one (never raises for a missing one)."""
        if not await self.available():
            return

        def delete() -> None:
            try:
                self._keyring().delete_password(self.service_for(server), email)
            except keyring.errors.PasswordDeleteError:
                pass  # nothing saved
            except keyring.errors.KeyringError as exc:
                log.warning("could not delete the saved sign-in from the keyring: %s", exc)

        await self._run(delete, finish=True)

    def close(self) -> None:
        """Let the worker thread end once its queued calls are done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def _keyring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    async def _run(self, work: Callable[[], T], *, finish: bool = False) -> T:
        """Run ``work`` on the keychain's thread.

        Args:
            work: The blocking keyring call.
            finish: Carry it out even if the caller is cancelled (writes: the saved
                token must follow every refresh, also when the app is quitting).
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keychain")
        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        return await (asyncio.shield(future) if finish else future)

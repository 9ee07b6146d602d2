"""The background calls of the Mailboxes screen, each with ``done`` and ``failed``
callbacks, run through :class:`~app.ops.Operations`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.api.client import GatewayClient
from app.api.mailboxes import Mailbox, MailboxCheck, MailboxesApi, Providers, SmtpSettings
from app.features.mailboxes.oauth import (
    SIGN_IN_TIMEOUT,
    GoogleFlow,
    LoopbackListener,
    MicrosoftFlow,
    ProviderFlow,
    SignInFailed,
    Verify,
    sign_in,
)
from app.ops import FailureHandler, Operations

BrowserOpener = Callable[[str], object]
"""Opens a URL in the system browser (``QDesktopServices.openUrl`` from the view)."""

Waiting = Callable[[str], None]
"""Told the authorization URL once the browser was asked to open it."""


@dataclass(frozen=True)
class MailboxBook:
    """What the Mailboxes screen shows: the user's mailboxes and how to connect more.

    Attributes:
        mailboxes: The user's mailboxes, oldest first.
        providers: How this server signs in to Gmail and Outlook (or why it cannot).
    """

    mailboxes: list[Mailbox]
    providers: Providers


class MailboxOps:
    """The user's mailboxes through the gateway, and the browser sign-ins.

    Args:
        client: The signed-in client.
        ops: Runs the calls on the app's loop.
        verify: What TLS to Google and Microsoft is verified with (a PEM bundle, or
            ``True`` for the system's CAs).
        sign_in_timeout: Seconds a browser sign-in may take.
    """

    def __init__(
        self,
        client: GatewayClient,
        ops: Operations,
        *,
        verify: Verify = True,
        sign_in_timeout: float = SIGN_IN_TIMEOUT,
    ) -> None:
        self.client = client
        self.ops = ops
        self._api = MailboxesApi(client)
        self._verify = verify
        self._timeout = sign_in_timeout

    def load(
        self, done: Callable[[MailboxBook], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The user's mailboxes and the providers, in one go."""

        async def work() -> MailboxBook:
            mailboxes, providers = await asyncio.gather(
                self._api.mailboxes(), self._api.providers()
            )
            return MailboxBook(mailboxes, providers)

        return self.ops.run(work(), on_success=done, on_failure=failed, name="mailboxes")

    def mailboxes(
        self, done: Callable[[list[Mailbox]], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """The user's mailboxes (the compose window's picker)."""
        return self.ops.run(
            self._api.mailboxes(), on_success=done, on_failure=failed, name="mailbox-list"
        )

    def get(
        self, mailbox_id: str, done: Callable[[Mailbox], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """One mailbox, read again."""
        return self.ops.run(
            self._api.get(mailbox_id), on_success=done, on_failure=failed, name="mailbox"
        )

    def connect_smtp(
        self, settings: SmtpSettings, done: Callable[[Mailbox], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Connect an SMTP mailbox (the server signs in to it first)."""
        return self.ops.run(
            self._api.connect_smtp(settings),
            on_success=done,
            on_failure=failed,
            name="connect-smtp",
        )

    def change(
        self,
        mailbox_id: str,
        changes: dict[str, Any],
        done: Callable[[Mailbox], None],
        failed: FailureHandler,
    ) -> asyncio.Task[Any]:
        """Change a mailbox's settings (new credentials sign in again)."""
        return self.ops.run(
            self._api.change(mailbox_id, changes),
            on_success=done,
            on_failure=failed,
            name="change-mailbox",
        )

    def test(
        self, mailbox_id: str, done: Callable[[MailboxCheck], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Sign in to a mailbox now."""
        return self.ops.run(
            self._api.test(mailbox_id), on_success=done, on_failure=failed, name="test-mailbox"
        )

    def disconnect(
        self, mailbox_id: str, done: Callable[[], None], failed: FailureHandler
    ) -> asyncio.Task[Any]:
        """Disconnect a mailbox (what it still had to send fails)."""
        return self.ops.run(
            self._api.disconnect(mailbox_id),
            on_success=lambda _: done(),
            on_failure=failed,
            name="disconnect-mailbox",
        )

    # ------------------------------------------------------------------ browser sign-ins

    def flow_for(self, kind: str, providers: Providers) -> ProviderFlow:
        """The provider half of a browser sign-in for ``kind`` (``gmail``, ``outlook``).

        Raises:
            SignInFailed: This server has no client for it (its message says why).
        """
        if kind == "gmail":
            if not providers.gmail.configured:
                raise SignInFailed(providers.gmail.message or "Gmail is not set up on this server.")
            return GoogleFlow(providers.gmail, self._verify)
        if kind == "outlook":
            if not providers.outlook.configured:
                raise SignInFailed(
                    providers.outlook.message or "Outlook is not set up on this server."
                )
            return MicrosoftFlow(providers.outlook, self._verify)
        raise ValueError(f"no browser sign-in for {kind!r}")

    def connect_oauth(
        self,
        kind: str,
        providers: Providers,
        open_browser: BrowserOpener,
        done: Callable[[Mailbox], None],
        failed: FailureHandler,
        *,
        waiting: Waiting | None = None,
        signed_in: Callable[[], None] | None = None,
        reconnect: Mailbox | None = None,
    ) -> asyncio.Task[Any]:
        """Sign in to Gmail or Outlook in the browser, then connect the mailbox with the
        grant (or give ``reconnect`` the new grant). Cancel the task to give up.

        Args:
            kind: ``"gmail"`` or ``"outlook"``.
            providers: How this server signs in to them.
            open_browser: Opens the authorization URL in the system browser.
            done: Receives the connected mailbox.
            failed: Receives why not (the browser sign-in's own words, or the server's).
            waiting: Told the authorization URL once the browser was asked to open it.
            signed_in: Told when the browser sign-in is over and the server is being
                asked to connect the mailbox.
            reconnect: The mailbox to reconnect instead of connecting a new one.
        """

        async def work() -> Mailbox:
            flow = self.flow_for(kind, providers)

            def listening(_listener: LoopbackListener, url: str) -> None:
                if waiting is not None:
                    waiting(url)

            grant = await sign_in(
                flow, open_browser, give_up_after=self._timeout, on_listening=listening
            )
            if signed_in is not None:
                signed_in()
            if reconnect is not None:
                return await self._api.reconnect_oauth(reconnect.id, grant)
            return await self._api.connect_oauth(kind, grant)

        return self.ops.run(work(), on_success=done, on_failure=failed, name=f"connect-{kind}")

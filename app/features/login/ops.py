"""Signing in, silently or through the form; keeping and forgetting the saved sign-in.

:class:`SignInFlow` owns the login window and the client of the server being
signed in to. It does not know about the solo backend or the main window: it asks
for the solo backend with :attr:`SignInFlow.solo_needed` and hands a finished
sign-in over with :attr:`SignInFlow.signed_in`; the shell does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.api.auth import AuthApi
from app.api.client import GatewayClient
from app.api.session import AuthSession, User
from app.errors import ErrorKind, UserMessage
from app.features.login.model import Server, SignInPreferences, SignInRequest
from app.features.login.view import LoginWindow
from app.keychain import Keychain
from app.ops import Operations
from app.qt.core import QObject, Signal

log = logging.getLogger(__name__)

SAVED_SIGN_IN_EXPIRED = "Your saved sign-in has expired. Please sign in again."
SIGNED_OUT_NOTE = "You have signed out."
SIGN_OUT_TIMEOUT_SECONDS = 3.0
"""How long quitting waits to tell the server about a sign-out nobody wants kept."""

ClientFactory = Callable[[str], GatewayClient]


@dataclass(frozen=True)
class SignedIn:
    """A finished sign-in, handed to the shell.

    Attributes:
        client: The client of the server, carrying the session.
        session: The session (tokens, who).
        server: Where.
        email: As whom (as typed; the server's spelling is ``session.user.email``).
        keep_signed_in: Whether the sign-in is kept in the OS keyring.
    """

    client: GatewayClient
    session: AuthSession
    server: Server
    email: str
    keep_signed_in: bool

    @property
    def user(self) -> User:
        """Who signed in."""
        return self.session.user


class SignInFlow(QObject):
    """The login window and what happens behind it.

    Args:
        ops: Runs the sign-in and the keyring calls in the background.
        prefs: The choices remembered between runs.
        keychain: Where "Keep me signed in" keeps the refresh token.
        client_factory: Builds the client of a server URL.
        parent: The parent object.

    Signals:
        signed_in(SignedIn): Signed in (the login window is hidden by then).
        solo_needed(): "This computer" was chosen but its backend does not run yet;
            call :meth:`set_solo_url` and :meth:`continue_pending` once it does.
        quit_requested(): The user closed the login window.
    """

    signed_in = Signal(object)
    solo_needed = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        ops: Operations,
        prefs: SignInPreferences,
        keychain: Keychain,
        client_factory: ClientFactory = GatewayClient,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._prefs = prefs
        self._keychain = keychain
        self._client_factory = client_factory
        self._solo_url: str | None = None
        self._client: GatewayClient | None = None
        self._pending: SignInRequest | None = None
        self._attempt: asyncio.Task[AuthSession] | None = None
        self.window = LoginWindow()
        self.window.sign_in_requested.connect(self._requested)
        self.window.quit_requested.connect(self.quit_requested)

    # ------------------------------------------------------------------ state

    @property
    def client(self) -> GatewayClient | None:
        """The client of the server tried last (and signed in to, after success)."""
        return self._client

    @property
    def waiting_for_solo(self) -> bool:
        """Whether a sign-in waits for the solo backend to start."""
        return self._pending is not None

    def set_solo_url(self, url: str | None) -> None:
        """The solo backend's gateway URL once it serves (``None`` when it stopped)."""
        self._solo_url = url

    # ------------------------------------------------------------------ showing

    def open(self, note: str = "", *, silent: bool = True) -> None:
        """Show the login window, filled in with the last choices.

        Args:
            note: A line to show above the button (e.g. why the user is back here).
            silent: Sign in with the saved sign-in, if there is one, without waiting
                for the user.
        """
        window = self.window
        window.set_busy(False)
        window.clear_messages()
        window.clear_password()
        window.set_server(self._prefs.server, self._prefs.team_url)
        window.set_email(self._prefs.email)
        window.set_first_run(not self._prefs.email)
        window.set_keep_signed_in(self._prefs.keep_signed_in)
        if note:
            window.show_note(note)
        window.show()
        window.raise_()
        window.activateWindow()
        (window.password_edit if window.email_edit.text() else window.email_edit).setFocus()
        server = self._prefs.server
        email = self._prefs.email
        try_saved = silent and self._prefs.keep_signed_in and bool(email)
        if server.is_this_computer and self._solo_url is None:
            try_saved = False
        if try_saved:
            window.set_busy(True, "Signing you in…")
        self._ops.run(
            self._saved_sign_in(server, email, try_saved),
            on_success=lambda token: self._found_saved(server, email, token, try_saved),
            on_failure=lambda message: self._silent_failed(message, try_saved),
            name="check-saved-sign-in",
        )

    def continue_pending(self) -> None:
        """The solo backend serves now: go on with the sign-in that waited for it."""
        request, self._pending = self._pending, None
        self.window.show()
        self.window.raise_()
        if request is not None:
            self._sign_in(request)

    def abandon_pending(self) -> None:
        """The solo backend did not start: forget the sign-in that waited for it."""
        self._pending = None
        self.window.set_busy(False)

    def hide(self) -> None:
        """Hide the login window (e.g. while the solo backend starts)."""
        self.window.hide()

    # ------------------------------------------------------------------ leaving

    def sign_out(self, signed: SignedIn, then: Callable[[], None]) -> None:
        """End the session on the server, delete the saved sign-in, then call ``then``.

        The session ends here even when the server cannot be told (it then ends by
        itself when its refresh token expires).
        """

        async def work() -> None:
            try:
                await AuthApi(signed.client).sign_out()
            except Exception as exc:
                log.warning("the server could not be told about the sign-out: %s", exc)
            finally:
                await self._keychain.forget(signed.server.key, signed.email)

        self._ops.run(
            work(), on_success=lambda _: then(), on_failure=lambda _: then(), name="sign-out"
        )

    def session_ended(self, signed: SignedIn, reason: str) -> None:
        """The server ended the session: forget the saved sign-in, show the form again."""
        signed.client.forget_session()
        self._ops.run(self._keychain.forget(signed.server.key, signed.email), name="forget")
        self.open(reason, silent=False)

    async def aclose(self, signed: SignedIn | None) -> None:
        """Close the client; first sign out when the user did not ask to stay signed in."""
        client, self._client = self._client, None
        if signed is not None and not signed.keep_signed_in:
            try:
                async with asyncio.timeout(SIGN_OUT_TIMEOUT_SECONDS):
                    await AuthApi(signed.client).sign_out()
            except Exception as exc:  # quitting goes on regardless
                log.info("sign-out on quit did not reach the server: %s", exc)
        clients = [client] if client is not None else []
        if signed is not None and signed.client is not client:
            clients.append(signed.client)
        for one in clients:
            with contextlib.suppress(Exception):
                await one.aclose()
        self._keychain.close()

    def close_window(self) -> None:
        """Close the login window for good (the app is quitting)."""
        self.window.allow_close()
        self.window.close()

    # ------------------------------------------------------------------ internals

    async def _saved_sign_in(self, server: Server, email: str, try_saved: bool) -> str | None:
        available = await self._keychain.available()
        self.window.set_keyring_available(available)
        if not (try_saved and available):
            return None
        token = await self._keychain.load(server.key, email)
        if token is None:
            return None
        client = self._client_for(server)
        await AuthApi(client).resume(token)
        return token

    def _found_saved(self, server: Server, email: str, token: str | None, tried: bool) -> None:
        if not tried:
            return  # only the keyring check; the user may be signing in meanwhile
        self.window.set_busy(False)
        client = self._client
        if token is None or client is None or client.session is None:
            return
        self._succeeded(SignInRequest(server, email, "", True), client, client.session)

    def _silent_failed(self, message: UserMessage, tried: bool) -> None:
        if not tried:
            log.warning("checking the keyring failed: %s", message.details or message.title)
            return
        self.window.set_busy(False)
        if message.kind is ErrorKind.SIGNED_OUT:
            server, email = self._prefs.server, self._prefs.email
            self._ops.run(self._keychain.forget(server.key, email), name="forget-expired")
            self.window.show_note(SAVED_SIGN_IN_EXPIRED)
        else:
            self.window.show_failure(message)

    def _requested(self, request: SignInRequest) -> None:
        if request.server.is_this_computer and self._solo_url is None:
            self._pending = request
            self.window.set_busy(True, "Starting SalesOS on this computer…")
            self.solo_needed.emit()
            return
        self._sign_in(request)

    def _sign_in(self, request: SignInRequest) -> None:
        client = self._client_for(request.server)
        self.window.set_busy(True)
        self._attempt = self._ops.run(
            AuthApi(client).sign_in(request.email, request.password),
            on_success=lambda session: self._succeeded(request, client, session),
            on_failure=self.window.show_failure,
            name="sign-in",
        )

    def _succeeded(
        self, request: SignInRequest, client: GatewayClient, session: AuthSession
    ) -> None:
        server, email, keep = request.server, request.email, request.keep_signed_in
        self._prefs.remember(server, email, keep)
        if keep:

            def keep_token(token: str) -> None:
                self._ops.run(self._keychain.save(server.key, email, token), name="keep-sign-in")

            keep_token(session.refresh_token)
            session.on_rotated(keep_token)
        else:
            self._ops.run(self._keychain.forget(server.key, email), name="forget")
        self.window.set_busy(False)
        self.window.clear_password()
        self.window.clear_messages()
        self.window.hide()
        self.signed_in.emit(SignedIn(client, session, server, email, keep))

    def _client_for(self, server: Server) -> GatewayClient:
        url = self._solo_url if server.is_this_computer else server.url
        assert url is not None, "the solo backend's URL is needed first"
        url = url.rstrip("/")
        if self._client is not None and self._client.base_url == url:
            return self._client
        old, self._client = self._client, self._client_factory(url)
        if old is not None:
            self._ops.run(old.aclose(), name="close-client")
        return self._client

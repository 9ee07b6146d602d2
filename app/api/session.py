"""A signed-in session: who it is and the tokens, kept fresh without the user noticing.

The access token lives 15 minutes; the refresh token is spent by every refresh
(the server rotates it and treats a second use as theft). So:

* refreshes are **single-flight**: however many requests find the access token
  stale at once, one refresh runs and they all wait for it;
* a refresh, once started, runs to the end even if whoever asked for it is
  cancelled (a half-done rotation would leave us with a spent token);
* a refresh runs by itself shortly before the access token expires, so calls
  rarely meet a 401 at all;
* when the server refuses the refresh token, the session is over: listeners hear
  it once, with the server's reason, and every later call raises
  :class:`~app.api.errors.SessionEndedError`.

No Qt here: timers are the asyncio loop's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.api.errors import ApiError, SessionEndedError

log = logging.getLogger(__name__)

ROLE_LABELS: dict[str, str] = {"admin": "Admin", "manager": "Manager", "rep": "Sales rep"}
"""Names people read for the server's role words."""

ROLES: tuple[str, ...] = ("rep", "manager", "admin")
"""The roles a user can have, least powerful first."""


def role_label(role: str) -> str:
    """The readable name of a role (``"rep"`` → "Sales rep"); unknown words are kept."""
    return ROLE_LABELS.get(role, role.capitalize())


class User(BaseModel):
    """A person of the company who can sign in: who a session is, and a row of the
    Users page (``GET /auth/me``, ``GET /users``).

    Attributes:
        id: The user's id.
        customer_id: The company (tenant) the user belongs to.
        email: Their sign-in email (lower case).
        name: Their name.
        role: ``"admin"``, ``"manager"`` or ``"rep"``.
        manager_id: The id of their manager, if they have one.
        is_active: ``False`` once deactivated: they cannot sign in.
        created_at: When the account was made.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str = ""
    email: str
    name: str
    role: str
    manager_id: str | None = None
    is_active: bool = True
    created_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user may manage users and settings."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        """The role as people read it."""
        return role_label(self.role)


class TokenGrant(BaseModel):
    """What sign-in and refresh answer: a short-lived access token and a refresh token.

    Attributes:
        access_token: Sent as ``Authorization: Bearer …`` on every call.
        refresh_token: Traded for new tokens once (each refresh spends it).
        expires_in: Seconds the access token is valid.
        user: Who signed in.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    user: User


Exchange = Callable[[str], Awaitable[TokenGrant]]
"""Trades a refresh token for new tokens (``POST /auth/refresh``)."""

REFRESH_LEAD_SECONDS = 60.0
"""Refresh this long before the access token expires."""
MIN_REFRESH_DELAY_SECONDS = 5.0
"""Never schedule refreshes closer together than this (a very short-lived token)."""
RETRY_AFTER_FAILURE_SECONDS = 30.0
"""When a scheduled refresh fails for a reason other than "session over" (the server
is away), try again after this long; a call meeting a 401 meanwhile refreshes too."""
EXPIRY_SKEW_SECONDS = 5.0
"""Treat the access token as stale this long before the server would, so a call does
not set off with a token that dies on the way."""


class AuthSession:
    """The tokens of one sign-in and who it is.

    Args:
        grant: The tokens from sign-in (or from resuming a saved sign-in).
        exchange: Trades a refresh token for new tokens.
        refresh_lead: Seconds before expiry at which to refresh by itself.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        grant: TokenGrant,
        exchange: Exchange,
        *,
        refresh_lead: float = REFRESH_LEAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._exchange = exchange
        self._refresh_lead = refresh_lead
        self._clock = clock
        self._rotation: asyncio.Future[None] | None = None
        self._scheduled: asyncio.Handle | None = None
        self._scheduled_at = 0.0  # loop time (qasync's handles do not know their time)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._background: asyncio.Task[None] | None = None
        self._rotated_listeners: list[Callable[[str], None]] = []
        self._ended_listeners: list[Callable[[str], None]] = []
        self._end_reason: str | None = None
        self._closed = False
        self.refreshes = 0
        """How many times the tokens were refreshed (for the curious and for tests)."""
        self._apply(grant)

    # ------------------------------------------------------------------ state

    @property
    def user(self) -> User:
        """Who is signed in (as of the last sign-in or refresh)."""
        return self._user

    @property
    def access_token(self) -> str:
        """The current access token."""
        return self._access_token

    @property
    def refresh_token(self) -> str:
        """The current refresh token (the only one the server still accepts)."""
        return self._refresh_token

    @property
    def expires_at(self) -> float:
        """When the access token expires, on :attr:`clock`'s scale."""
        return self._expires_at

    @property
    def ended(self) -> bool:
        """Whether the session is over (ended by the server, or closed here)."""
        return self._end_reason is not None or self._closed

    @property
    def end_reason(self) -> str | None:
        """Why the server ended the session, if it did."""
        return self._end_reason

    def authorization(self) -> str:
        """The ``Authorization`` header value for a call.

        Raises:
            SessionEndedError: The session is over.
        """
        self._check_open()
        return f"Bearer {self._access_token}"

    def stale(self) -> bool:
        """Whether the access token is about to expire (refresh before using it)."""
        return self._clock() >= self._expires_at - EXPIRY_SKEW_SECONDS

    def next_refresh_in(self) -> float | None:
        """Seconds until the scheduled refresh; ``None`` when none is scheduled."""
        if self._scheduled is None or self._scheduled.cancelled() or self._loop is None:
            return None
        return max(0.0, self._scheduled_at - self._loop.time())

    # ------------------------------------------------------------------ listeners

    def on_rotated(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(new_refresh_token)`` after every refresh (e.g. to save it)."""
        self._rotated_listeners.append(listener)

    def on_ended(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(reason)`` once, when the server ends the session.

        Not called for :meth:`close` (the app ended it itself).
        """
        self._ended_listeners.append(listener)

    # ------------------------------------------------------------------ refreshing

    async def refresh(self) -> None:
        """Trade the refresh token for new tokens; concurrent callers share one refresh.

        Raises:
            SessionEndedError: The server refused the refresh token (the session is
                over; listeners have been told), or the session was closed.
            httpx.TransportError: The server could not be reached (the session goes on).
            ApiError: Any other error answer (the session goes on).
        """
        self._check_open()
        if self._rotation is None or self._rotation.done():
            self._rotation = asyncio.ensure_future(self._rotate())
        # Shielded: a caller that gives up must not abandon a rotation half-way.
        await asyncio.shield(self._rotation)

    async def refresh_after_rejection(self, rejected_access_token: str) -> None:
        """The server said 401 to ``rejected_access_token``: refresh, unless done already.

        When another request refreshed while this one was on its way, the new token
        is simply used; refreshing again would waste the refresh token.
        """
        self._check_open()
        if self._rotation is not None and not self._rotation.done():
            await asyncio.shield(self._rotation)
            return
        if rejected_access_token != self._access_token:
            return
        await self.refresh()

    def schedule_refresh(self, delay: float | None = None) -> None:
        """(Re)arm the timer of the automatic refresh.

        Args:
            delay: Seconds from now; by default, :attr:`refresh_lead` before the access
                token expires (at least a few seconds from now).
        """
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self.ended:
            return
        if delay is None:
            delay = max(
                MIN_REFRESH_DELAY_SECONDS, self._expires_at - self._refresh_lead - self._clock()
            )
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop yet (built outside one): the first call refreshes
            return
        self._loop = loop
        self._scheduled_at = loop.time() + delay
        self._scheduled = loop.call_later(delay, self._refresh_in_background)

    def close(self) -> None:
        """Stop refreshing: the app signed out (the ended listeners are not called)."""
        self._closed = True
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self._background is not None:
            self._background.cancel()
            self._background = None

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._end_reason is not None:
            raise SessionEndedError(self._end_reason)
        if self._closed:
            raise SessionEndedError("You signed out.")

    def _apply(self, grant: TokenGrant) -> None:
        self._user = grant.user
        self._access_token = grant.access_token
        self._refresh_token = grant.refresh_token
        self._expires_at = self._clock() + grant.expires_in
        self.schedule_refresh()

    async def _rotate(self) -> None:
        try:
            grant = await self._exchange(self._refresh_token)
        except ApiError as exc:
            if exc.status_code == 401:
                self._end(exc.message)
                raise SessionEndedError(exc.message) from exc
            raise
        if self._closed:
            return  # signed out meanwhile; the new tokens are not wanted
        self.refreshes += 1
        self._apply(grant)
        for listener in list(self._rotated_listeners):
            try:
                listener(grant.refresh_token)
            except Exception:  # a listener's bug must not undo a good refresh
                log.exception("refresh listener failed")

    def _end(self, reason: str) -> None:
        if self._end_reason is not None or self._closed:
            return
        self._end_reason = reason or "Your session has ended; please sign in again."
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        log.info("session ended by the server: %s", self._end_reason)
        for listener in list(self._ended_listeners):
            try:
                listener(self._end_reason)
            except Exception:
                log.exception("session-ended listener failed")

    def _refresh_in_background(self) -> None:
        self._scheduled = None
        if self.ended:
            return
        self._background = asyncio.ensure_future(self._background_refresh())

    async def _background_refresh(self) -> None:
        try:
            await self.refresh()
        except SessionEndedError:
            return  # listeners were told
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the server is away or failed: try again later
            log.warning("automatic token refresh failed, retrying later: %s", exc)
            with contextlib.suppress(RuntimeError):
                self.schedule_refresh(RETRY_AFTER_FAILURE_SECONDS)
        finally:
            self._background = None

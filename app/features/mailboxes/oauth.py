"""Signing in to Gmail or Outlook from the desktop, as RFC 8252 has native apps do it.

* The **system browser** shows the provider's sign-in (never a web view of ours:
  Google refuses those, and the user's password never passes through SalesOS).
* The provider sends the browser back to a **loopback listener** of this process,
  bound to ``127.0.0.1`` only, on a port the system picks (``redirect_uri``
  ``http://127.0.0.1:<port>/``); the tab then shows a small page telling the user
  they may close it.
* **PKCE S256** ties the code to this sign-in, and a random ``state`` is checked
  when the browser comes back: an answer with another state is refused.
* A **time-out** (five minutes) ends a sign-in nobody finishes; the UI can cancel it
  sooner (cancel the task).

The protocol pieces are the providers' libraries: ``google-auth-oauthlib``'s ``Flow``
for Google and ``msal``'s ``PublicClientApplication`` for Microsoft. Both are
synchronous (``requests``), so they run on a worker thread; the listener is an asyncio
server on the app's loop. What comes out is a :class:`~app.api.mailboxes.Grant` for the
server (``POST /mailboxes``), which then sends while the desktop is closed.

Plain Python: no Qt here (the view opens the browser through the ``open_browser``
callable it passes in).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import secrets
import webbrowser
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from app.api.mailboxes import GoogleSignIn, Grant, MicrosoftSignIn
from app.errors import UserFacingError

log = logging.getLogger(__name__)

SIGN_IN_TIMEOUT = 300.0
"""Seconds a browser sign-in may take before it is given up."""

EXCHANGE_TIMEOUT = 30.0
"""Seconds the token endpoint may take to answer."""

LOOPBACK = "127.0.0.1"
"""The only address the listener binds (RFC 8252 §7.3: not ``localhost``, which may
resolve elsewhere, and never every interface)."""

MAX_REQUEST_BYTES = 64 * 1024
"""The most a browser's request to the listener may be (line, headers and form)."""

PROVIDER_NAMES = {"gmail": "Google", "outlook": "Microsoft"}

Verify = str | bool
"""What ``requests`` verifies TLS with: ``True`` (the system's CAs) or a PEM bundle."""


def provider_verify() -> Verify:
    """The CA bundle for the providers' endpoints: ``SALESOS_PROVIDER_CA_FILE`` if set (the
    variable the server reads too, for a test or company CA), else the system's."""
    path = os.environ.get("SALESOS_PROVIDER_CA_FILE", "").strip()
    return path or True


class SignInFailed(UserFacingError):
    """The browser sign-in did not end with a grant; the message says why, for people."""


class SignInTimedOut(SignInFailed):
    """Nobody finished the sign-in in the browser in time."""


class ProviderFlow(Protocol):
    """One provider's half of a sign-in (its library does the protocol).

    Both methods are synchronous and may use the network: they run on a worker thread.
    """

    kind: str

    def begin(self, redirect_uri: str) -> tuple[str, str]:
        """Returns:
        The authorization URL for the browser, and the ``state`` it carries."""
        ...

    def finish(self, params: Mapping[str, str]) -> Grant:
        """Redeem the code the browser brought back (its ``state`` already checked).

        Raises:
            SignInFailed: The provider refused it.
        """
        ...


# ---------------------------------------------------------------------- the providers


def _scope_text(scope: Any) -> str:
    if isinstance(scope, list | tuple | set):
        return " ".join(str(s) for s in scope)
    return str(scope or "")


def _grant(kind: str, token: Mapping[str, Any]) -> Grant:
    name = PROVIDER_NAMES.get(kind, kind)
    access, refresh = token.get("access_token"), token.get("refresh_token")
    if not access or not refresh:
        raise SignInFailed(
            f"{name} did not give SalesOS a lasting sign-in (no refresh token).",
            "Try again; if it keeps happening, remove SalesOS from your account's "
            "connected apps first, then connect again.",
            code="no_refresh_token",
        )
    try:
        expires_in = max(0, int(float(token.get("expires_in") or 3600)))
    except (TypeError, ValueError):
        expires_in = 3600
    return Grant(
        access_token=str(access),
        refresh_token=str(refresh),
        expires_in=expires_in,
        scope=_scope_text(token.get("scope")),
    )


def _session(verify: Verify) -> Any:
    """A ``requests`` session that verifies TLS with ``verify`` even where the
    environment names another bundle (``REQUESTS_CA_BUNDLE`` would win over a session's
    own ``verify``), with a time-out on every request."""
    import requests

    class Session(requests.Session):
        def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("verify", verify)
            kwargs.setdefault("timeout", EXCHANGE_TIMEOUT)
            return super().request(method, url, *args, **kwargs)

    return Session()


class GoogleFlow:
    """Google's installed-app flow through ``google-auth-oauthlib``: PKCE S256,
    ``access_type=offline`` and ``prompt=consent`` (so a refresh token always comes).

    Args:
        client: This server's Google client (``GET /mailboxes/providers``).
        verify: What TLS to the token endpoint is verified with.
    """

    kind = "gmail"

    def __init__(self, client: GoogleSignIn, verify: Verify = True) -> None:
        self._client = client
        self._verify = verify
        self._flow: Any = None

    def begin(self, redirect_uri: str) -> tuple[str, str]:
        from google_auth_oauthlib.flow import Flow

        config = {
            "installed": {
                "client_id": self._client.client_id,
                "client_secret": self._client.client_secret,
                "auth_uri": self._client.auth_uri,
                "token_uri": self._client.token_uri,
                "redirect_uris": [f"http://{LOOPBACK}"],
            }
        }
        self._flow = Flow.from_client_config(
            config, scopes=list(self._client.scopes), redirect_uri=redirect_uri
        )
        url, state = self._flow.authorization_url(access_type="offline", prompt="consent")
        return str(url), str(state)

    def finish(self, params: Mapping[str, str]) -> Grant:
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error
        from requests import RequestException

        try:
            token = self._flow.fetch_token(
                code=params["code"], verify=self._verify, timeout=EXCHANGE_TIMEOUT
            )
        except Warning as changed:
            # oauthlib raises when the scopes granted are not those asked for (Google
            # spells "email" as userinfo.email); the server judges what was granted.
            token = getattr(changed, "token", None)
            if token is None:
                raise
        except OAuth2Error as exc:
            raise SignInFailed(
                "Google refused to finish the sign-in.",
                exc.description or exc.error or "",
                code=exc.error or "oauth_error",
            ) from exc
        except RequestException as exc:
            raise SignInFailed(
                "Google's sign-in server could not be reached.",
                "Check the network, then try again.",
                code="token_endpoint_unreachable",
                details=f"{exc.__class__.__name__}: {exc}",
            ) from exc
        return _grant(self.kind, token)


class MicrosoftFlow:
    """Microsoft's auth-code flow for public clients through ``msal``: PKCE S256 and
    ``state`` are msal's own (it checks the state again), the answer comes back as a
    form post (msal's recommended response mode).

    Args:
        client: This server's Microsoft client (``GET /mailboxes/providers``).
        verify: What TLS to the identity platform is verified with.
    """

    kind = "outlook"

    def __init__(self, client: MicrosoftSignIn, verify: Verify = True) -> None:
        self._client = client
        self._verify = verify
        self._app: Any = None
        self._flow: dict[str, Any] = {}

    def begin(self, redirect_uri: str) -> tuple[str, str]:
        import msal
        from requests import RequestException

        try:
            # The authority is this server's setting, so it is trusted as given.
            self._app = msal.PublicClientApplication(
                self._client.client_id,
                authority=self._client.authority,
                instance_discovery=False,
                http_client=_session(self._verify),
            )
        except (RequestException, ValueError) as exc:
            raise SignInFailed(
                "Microsoft's sign-in server could not be reached.",
                "Check the network, then try again.",
                code="authority_unreachable",
                details=f"{exc.__class__.__name__}: {exc}",
            ) from exc
        self._flow = self._app.initiate_auth_code_flow(
            list(self._client.scopes), redirect_uri=redirect_uri, response_mode="form_post"
        )
        return str(self._flow["auth_uri"]), str(self._flow["state"])

    def finish(self, params: Mapping[str, str]) -> Grant:
        from requests import RequestException

        try:
            result = self._app.acquire_token_by_auth_code_flow(self._flow, dict(params))
        except ValueError as exc:  # msal's own state check
            raise SignInFailed(
                "The answer from the browser was not for this sign-in.",
                "Nothing was connected. Try again.",
                code="state_mismatch",
            ) from exc
        except RequestException as exc:
            raise SignInFailed(
                "Microsoft's sign-in server could not be reached.",
                "Check the network, then try again.",
                code="token_endpoint_unreachable",
                details=f"{exc.__class__.__name__}: {exc}",
            ) from exc
        if "error" in result:
            description = str(result.get("error_description") or "").split("\r\n")[0]
            raise SignInFailed(
                "Microsoft refused to finish the sign-in.",
                description or str(result["error"]),
                code=str(result["error"]),
            )
        return _grant(self.kind, result)


# ---------------------------------------------------------------------- the listener

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f8fafc;
color:#0f172a;margin:0;display:flex;justify-content:center;padding-top:18vh}}
main{{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:28px 36px;
max-width:480px;box-shadow:0 1px 3px rgba(15,23,42,.08)}}
h1{{font-size:20px;margin:0 0 8px;color:{colour}}}p{{margin:0;line-height:1.5;color:#475569}}
</style></head>
<body><main><h1>{title}</h1><p>{text}</p></main></body></html>
"""


def page(title: str, text: str, *, ok: bool) -> str:
    """The page the browser tab shows when it comes back to SalesOS."""
    return PAGE.format(
        title=html.escape(title), text=html.escape(text), colour="#15803d" if ok else "#b91c1c"
    )


SIGNED_IN_PAGE = page(
    "Signed in — you can close this tab and return to SalesOS",
    "SalesOS is connecting your mailbox now.",
    ok=True,
)
OVER_PAGE = page(
    "This sign-in is over", "Return to SalesOS to start it again if you need to.", ok=False
)
NOT_FOUND_PAGE = page("Not found", "This address only takes the answer of a sign-in.", ok=False)


class LoopbackListener:
    """The redirect target of one sign-in: an HTTP listener on ``127.0.0.1`` and a free
    port, taking the provider's answer as a ``GET`` query or a form ``POST``.

    The first request to ``/`` that carries ``code``, ``error`` or ``state`` is the
    answer (:meth:`answer`); its browser tab waits until :meth:`reply` says what to
    show. Anything else gets "Not found"; a second answer gets "This sign-in is over".
    """

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._answer: asyncio.Future[dict[str, str]] | None = None
        self._page: asyncio.Future[str] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Where it listens (host, port) — only ``127.0.0.1``."""
        if self._server is None:
            return []
        return [
            (str(sock.getsockname()[0]), int(sock.getsockname()[1]))
            for sock in self._server.sockets
        ]

    async def start(self) -> None:
        """Listen on ``127.0.0.1`` and a port the system picks."""
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self._page = loop.create_future()
        self._server = await asyncio.start_server(
            self._serve, host=LOOPBACK, port=0, limit=MAX_REQUEST_BYTES
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def answer(self) -> dict[str, str]:
        """The parameters the provider sent back (``code``, ``state`` or ``error``…)."""
        assert self._answer is not None, "start() first"
        return await asyncio.shield(self._answer)

    def reply(self, html_page: str) -> None:
        """What the browser tab that brought the answer shows."""
        if self._page is not None and not self._page.done():
            self._page.set_result(html_page)

    async def aclose(self) -> None:
        """Stop listening; a tab still waiting is told the sign-in is over."""
        self.reply(OVER_PAGE)
        if self._answer is not None and not self._answer.done():
            self._answer.cancel()
        if self._server is not None:
            self._server.close()
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            with contextlib.suppress(ConnectionError, TimeoutError):
                await self._respond(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._handlers.discard(task)

    async def _respond(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, target, body = await asyncio.wait_for(_read_request(reader), 10)
        except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            await _write(writer, 400, NOT_FOUND_PAGE)
            return
        url = urlsplit(target)
        params = dict(parse_qsl(url.query))
        if method == "POST":
            params.update(parse_qsl(body.decode("utf-8", "replace")))
        if url.path != "/" or not {"code", "error", "state"} & params.keys():
            await _write(writer, 404, NOT_FOUND_PAGE)
            return
        assert self._answer is not None
        assert self._page is not None
        if self._answer.done():
            await _write(writer, 409, OVER_PAGE)
            return
        self._answer.set_result(params)
        shown = await asyncio.wait_for(asyncio.shield(self._page), EXCHANGE_TIMEOUT * 2)
        await _write(writer, 200, shown)


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    """The method, target and body of one HTTP/1.x request (small, from a browser)."""
    line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError(f"not an HTTP request: {line[:80]!r}")
    length = 0
    seen = len(line)
    while True:
        header = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
        seen += len(header)
        if seen > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
        if not header:
            break
        name, _, value = header.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if not 0 <= length <= MAX_REQUEST_BYTES - seen:
        raise ValueError("body too large")
    body = await reader.readexactly(length) if length else b""
    return parts[0].upper(), parts[1], body


async def _write(writer: asyncio.StreamWriter, status: int, html_page: str) -> None:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    data = html_page.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + data)
    await writer.drain()


# ---------------------------------------------------------------------- the whole sign-in


def _provider_refusal(kind: str, params: Mapping[str, str]) -> SignInFailed:
    name = PROVIDER_NAMES.get(kind, kind)
    error = params.get("error", "")
    description = params.get("error_description", "").split("\r\n")[0]
    if error == "access_denied":
        return SignInFailed(
            f"You did not allow SalesOS to use the mailbox at {name}.",
            "Nothing was connected. Connect again and allow access to send and read mail.",
            code="access_denied",
        )
    return SignInFailed(
        f"{name} refused the sign-in ({error}).", description, code=error or "oauth_error"
    )


async def sign_in(
    flow: ProviderFlow,
    open_browser: Callable[[str], object] = webbrowser.open,
    *,
    give_up_after: float = SIGN_IN_TIMEOUT,
    on_listening: Callable[[LoopbackListener, str], None] | None = None,
) -> Grant:
    """Sign in in the system browser and get a grant.

    Args:
        flow: The provider's half (:class:`GoogleFlow`, :class:`MicrosoftFlow`).
        open_browser: Opens a URL in the system browser (``webbrowser.open``, or
            ``QDesktopServices.openUrl`` from a view).
        give_up_after: Seconds the user has to finish in the browser.
        on_listening: Told the listener and the authorization URL once the browser
            is opened (the UI offers to copy the URL if no browser showed up).

    Returns:
        What the provider granted, for ``POST /mailboxes``.

    Raises:
        SignInFailed: The provider refused, the answer was not for this sign-in (its
            ``state`` differs), or the token exchange failed.
        SignInTimedOut: Nobody finished in time.
        asyncio.CancelledError: The caller cancelled it (the listener is closed).
    """
    listener = LoopbackListener()
    await listener.start()
    try:
        url, state = await asyncio.to_thread(flow.begin, listener.redirect_uri)
        if not state:
            raise SignInFailed("The sign-in could not be started (no state).", code="no_state")
        open_browser(url)
        if on_listening is not None:
            on_listening(listener, url)
        try:
            params = await asyncio.wait_for(listener.answer(), give_up_after)
        except TimeoutError:
            minutes = max(1, round(give_up_after / 60))
            raise SignInTimedOut(
                f"The sign-in was not finished in the browser within {minutes} minute"
                f"{'s' if minutes != 1 else ''}.",
                "Nothing was connected. Try again when you are ready.",
                code="sign_in_timed_out",
            ) from None
        try:
            grant = await _finish(flow, params, state)
        except SignInFailed as exc:
            listener.reply(page(exc.title, exc.text or "Return to SalesOS.", ok=False))
            raise
        listener.reply(SIGNED_IN_PAGE)
        return grant
    finally:
        await listener.aclose()


async def _finish(flow: ProviderFlow, params: Mapping[str, str], state: str) -> Grant:
    if "error" in params:
        raise _provider_refusal(flow.kind, params)
    if not secrets.compare_digest(params.get("state", ""), state):
        log.warning("a sign-in answer with another state was refused")
        raise SignInFailed(
            "The answer from the browser was not for this sign-in.",
            "Nothing was connected: its check value (state) did not match. Try again.",
            code="state_mismatch",
        )
    if not params.get("code"):
        raise SignInFailed("The provider sent no sign-in code back.", code="no_code")
    return await asyncio.to_thread(flow.finish, params)

"""Fake Google: OAuth 2.0 for installed apps and the subset of the Gmail API we use.

Sources whose request and response shapes it follows (read 2026-12-03):

- https://developers.google.com/identity/protocols/oauth2/native-app (loopback
  redirect, PKCE S256, the authorization and token requests and their errors)
- https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
  and #offline (token response, refresh grant, ``invalid_grant``, revocation)
- https://developers.google.com/workspace/gmail/api/reference/rest/v1/users/getProfile
- https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send
  (``raw`` base64url, ``threadId``; media upload ``/upload/...?uploadType=media``, 35 MB)
- https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list
  and /get (``format``, ``metadataHeaders``), users.threads/get, users.history/list
- https://developers.google.com/workspace/gmail/api/guides/threads (thread criteria)
- https://developers.google.com/workspace/gmail/api/guides/sync (an out-of-date
  ``startHistoryId`` answers 404)
- https://developers.google.com/workspace/gmail/api/guides/handle-errors (error JSON;
  401 ``authError``; 403 ``userRateLimitExceeded``; 429 ``rateLimitExceeded``)
- https://developers.google.com/workspace/gmail/api/reference/quota (units per method,
  15,000 units per user per minute) and https://support.google.com/a/answer/166852
  (2,000 messages a day, recipients per message)

Subset: the endpoints above, query terms ``rfc822msgid:``, ``in:``/``label:`` and
``is:unread``. Anything else answers 501 naming what is missing. Consent is automatic
(as :attr:`GoogleFake.consenting_user`); :attr:`GoogleFake.authorize_outcome` turns it
into ``access_denied`` or a redirect carrying the wrong ``state``.

Fault endpoints: ``oauth.token``, ``gmail.profile``, ``gmail.send``,
``gmail.messages.list``, ``gmail.messages.get``, ``gmail.threads.get``,
``gmail.history.list`` (mailbox: the user's address).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email.message import EmailMessage
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

import jwt
from fastapi import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.fakes.faults import (
    AcceptedMessage,
    Fault,
    HTTPFake,
    Reply,
    addresses,
    parse_message,
)
from tests.fakes.gmail import (
    GmailMessage,
    Mailbox,
    google_error,
    matches,
    pad,
    page,
    query_terms,
    resource,
)
from tests.fakes.oauth import CodeProblem, TokenStore, authorization_problem, is_loopback
from tests.fakes.tls import LocalCA

__all__ = [
    "DEFAULT_CLIENT_ID",
    "GmailMessage",
    "GoogleFake",
    "google_error",
    "running",
    "running_async",
]

DEFAULT_CLIENT_ID = "salesos-desktop.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "fake-desktop-secret"  # a desktop client's secret is not secret
SCOPE_SEND = "https://www.googleapis.com/auth/gmail.send"
SCOPE_READ = "https://www.googleapis.com/auth/gmail.readonly"
_ALL_MAIL = "https://mail.google.com/"
_G = "https://www.googleapis.com/auth/gmail."
_SEND_SCOPES = {_ALL_MAIL, _G + "send", _G + "compose", _G + "modify"}
_READ_SCOPES = {_ALL_MAIL, _G + "readonly", _G + "modify", _G + "metadata"}
_PROFILE_SCOPES = _READ_SCOPES | {_G + "compose"}
_KNOWN_SCOPES = (
    {_ALL_MAIL, "openid", "email", "profile", "https://www.googleapis.com/auth/userinfo.email"}
    | {_G + s for s in ("send", "compose", "modify", "readonly", "metadata", "labels")}
    | {
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/calendar.events",
    }
)
_UNITS = {"gmail.profile": 1, "gmail.send": 100, "gmail.messages.list": 5,
          "gmail.messages.get": 5, "gmail.threads.get": 10, "gmail.history.list": 2}  # fmt: skip
MAX_RAW_BYTES = 35 * 1024 * 1024


def _oauth_error(code: int, error: str, description: str) -> Reply:
    return Reply(JSONResponse({"error": error, "error_description": description}, code))


_CODE_ERRORS = {
    CodeProblem.UNKNOWN: ("invalid_grant", "Malformed auth code."),
    CodeProblem.USED: ("invalid_grant", "Bad Request"),
    CodeProblem.EXPIRED: ("invalid_grant", "Bad Request"),
    CodeProblem.WRONG_CLIENT: ("invalid_grant", "Bad Request"),
    CodeProblem.REDIRECT_MISMATCH: ("redirect_uri_mismatch", "Bad Request"),
    CodeProblem.MISSING_VERIFIER: ("invalid_grant", "Missing code verifier."),
    CodeProblem.BAD_VERIFIER: ("invalid_grant", "Invalid code verifier."),
}


class GoogleFake(HTTPFake):
    """The fake Google server and the controls a test turns.

    Args:
        users: The Google accounts that exist (each has a mailbox).
        tls: Serve HTTPS with the test CA (oauthlib refuses an ``http`` token URI
            unless ``OAUTHLIB_INSECURE_TRANSPORT`` is set).
        seed: Seeds the fault queue.
    """

    name = "fake-google"

    def __init__(
        self,
        users: tuple[str, ...] = ("alice@example.com",),
        *,
        tls: bool | LocalCA = False,
        seed: int = 0,
    ) -> None:
        super().__init__(tls=tls, seed=seed)
        self.clients: dict[str, str | None] = {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        self.mailboxes: dict[str, Mailbox] = {}
        for user in users:
            self.add_user(user)
        self.consenting_user = users[0]
        """Who signs in and consents when the browser reaches the authorization page."""
        self.authorize_outcome: Literal["consent", "access_denied", "wrong_state"] = "consent"
        self.tokens = TokenStore("4/fake-", "1//fake-", "ya29.fake-")
        """Codes, grants and access tokens (``tokens.access_token_lifetime`` sets how long
        new access tokens live; ``tokens.revoke``/``expire_access_tokens`` end them)."""
        self.quota_units_per_minute = 15_000
        self.daily_send_limit = 2_000
        self.max_recipients = 100
        self._history_id = 1000
        self._routes()

    # ------------------------------------------------------------ test controls

    @property
    def access_token_lifetime(self) -> int:
        """Seconds a new access token lives (``expires_in``)."""
        return self.tokens.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self.tokens.access_token_lifetime = seconds

    def add_user(self, email: str) -> None:
        """Creates the Google account ``email`` with an empty mailbox."""
        with self.lock:
            self.mailboxes.setdefault(email.lower(), Mailbox(email.lower()))

    def add_client(self, client_id: str, client_secret: str | None) -> None:
        """Registers an OAuth client (``None``: a client without a secret)."""
        self.clients[client_id] = client_secret

    def client_config(self, client_id: str = DEFAULT_CLIENT_ID) -> dict[str, Any]:
        """Returns:
        The ``installed`` client config ``InstalledAppFlow.from_client_config`` takes."""
        return {"installed": {
            "client_id": client_id, "client_secret": self.clients[client_id],
            "auth_uri": f"{self.base_url}/o/oauth2/v2/auth", "token_uri": f"{self.base_url}/token",
            "redirect_uris": ["http://127.0.0.1", "http://localhost"],
        }}  # fmt: skip

    def issue_tokens(self, user: str, scopes: str = f"{SCOPE_SEND} {SCOPE_READ}") -> dict[str, Any]:
        """Grants ``scopes`` to the default client for ``user`` without the browser.

        Returns:
            The token response (``access_token``, ``refresh_token``, …).
        """
        return self._grant(DEFAULT_CLIENT_ID, user.lower(), scopes)

    def revoke(self, refresh_token: str | None = None, *, user: str | None = None) -> None:
        """Revokes one refresh token, or every grant of ``user`` (and their access tokens)."""
        self.tokens.revoke(refresh_token, user=user)

    def expire_access_tokens(self) -> None:
        """Makes every access token issued so far expired, now."""
        self.tokens.expire_access_tokens()

    def expire_history(self, user: str) -> None:
        """Makes every history id issued so far for ``user`` too old (404 from history.list)."""
        with self.lock:
            self.mailboxes[user.lower()].history_floor = self._history_id + 1

    def deliver(self, user: str, raw: bytes | EmailMessage) -> GmailMessage:
        """Delivers an inbound message (a reply) into ``user``'s INBOX, threaded by its
        ``In-Reply-To``/``References``; the history id advances."""
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        with self.lock:
            box = self.mailboxes[user.lower()]
            message = parse_message(data)
            thread = box.thread_for(message)
            return box.store(data, message, thread, ["INBOX", "UNREAD"], self._next_history_id())

    def mailbox(self, user: str) -> list[GmailMessage]:
        """Returns:
        ``user``'s messages, oldest first."""
        with self.lock:
            return list(self.mailboxes[user.lower()].messages.values())

    def fault_response(self, fault: Fault, default_code: int) -> Response:
        code = fault.code or default_code
        if isinstance(fault.body, dict):
            return JSONResponse(fault.body, code, _retry(fault.retry_after))
        return google_error(code, fault.body, retry_after=fault.retry_after)

    def concurrency_response(self) -> Response:
        return google_error(429, "Too many concurrent requests for user.", retry_after=1)

    # ------------------------------------------------------------ OAuth

    def _grant(
        self, client_id: str, user: str, scope: str, *, openid: bool = False
    ) -> dict[str, Any]:
        refresh = self.tokens.new_grant(client_id, user, scope)
        answer = self._access_answer(refresh) | {"refresh_token": refresh}
        if openid:
            now = int(time.time())
            claims = {"iss": "https://accounts.google.com", "aud": client_id, "sub": _sub(user),
                      "email": user, "email_verified": True, "iat": now, "exp": now + 3600}  # fmt: skip
            answer["id_token"] = jwt.encode(
                claims, "fake-google-id-token-signing-key-not-secret", algorithm="HS256"
            )
        return answer

    def _access_answer(self, refresh: str) -> dict[str, Any]:
        token, _ = self.tokens.new_access(refresh)
        return {"access_token": token, "expires_in": self.tokens.access_token_lifetime,
                "scope": self.tokens.grants[refresh].scope, "token_type": "Bearer"}  # fmt: skip

    def _authorize(self, request: Request) -> Response:
        q = dict(request.query_params)
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients:
            return HTMLResponse("Error 401: invalid_client. The OAuth client was not found.", 401)
        if not is_loopback(redirect_uri):
            return HTMLResponse("Error 400: redirect_uri_mismatch", 400)

        def back(**params: str) -> Response:
            if "state" in q:
                tamper = "code" in params and self.authorize_outcome == "wrong_state"
                params["state"] = q["state"] + ("-tampered" if tamper else "")
            return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", 302)

        problem = authorization_problem(q)
        unknown = set(q.get("scope", "").split()) - _KNOWN_SCOPES
        if problem is None and unknown:
            problem = "invalid_scope", f"Some requested scopes were invalid: {sorted(unknown)}"
        if problem:
            return back(error=problem[0], error_description=problem[1])
        if self.authorize_outcome == "access_denied":
            return back(error="access_denied")
        code = self.tokens.new_code(client_id, redirect_uri, q, self.consenting_user.lower())
        return back(code=code, scope=q["scope"])

    def _token(self, form: dict[str, str], authorization: str | None) -> Response:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            with contextlib.suppress(binascii.Error, ValueError):
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id not in self.clients:
            raise _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if self.clients[client_id] is not None and secret != self.clients[client_id]:
            raise _oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = self.tokens.redeem(
                form.get("code", ""), client_id, form.get("redirect_uri"), form.get("code_verifier")
            )
            if isinstance(code, CodeProblem):
                raise _oauth_error(400, *_CODE_ERRORS[code])
            openid = "openid" in code.scope.split()
            return JSONResponse(self._grant(client_id, code.user, code.scope, openid=openid))
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token", "")
            grant = self.tokens.grant(refresh, client_id)
            if grant is None or grant.revoked or grant.expires_at is not None:
                raise _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return JSONResponse(self._access_answer(refresh))
        raise _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _bearer(self, request: Request, user_id: str, allowed: set[str]) -> Mailbox:
        header = request.headers.get("authorization", "")
        access = self.tokens.valid_access(header[7:]) if header[:7].lower() == "bearer " else None
        if access is None:
            raise Reply(google_error(401, "Request had invalid authentication credentials. Expected "
                                     "OAuth 2 access token, login cookie or other valid "
                                     "authentication credential."))  # fmt: skip
        if not access.scopes & allowed:
            raise Reply(google_error(403, "Request had insufficient authentication scopes.",
                                     "insufficientPermissions", "global"))  # fmt: skip
        if user_id not in ("me", access.user):
            raise Reply(
                google_error(403, f"Delegation denied for {access.user}", "forbidden", "global")
            )
        return self.mailboxes[access.user]

    def _charge(self, box: Mailbox, endpoint: str) -> None:
        now = time.time()
        while box.spent and box.spent[0][0] < now - 60:
            box.spent.popleft()
        units = _UNITS[endpoint]
        if sum(u for _, u in box.spent) + units > self.quota_units_per_minute:
            raise Reply(google_error(403, retry_after=box.spent[0][0] + 60 - now))
        box.spent.append((now, units))

    # ------------------------------------------------------------ Gmail

    def _send(self, box: Mailbox, raw: bytes, thread_id: str | None) -> Response:
        if len(raw) > MAX_RAW_BYTES:
            raise Reply(google_error(413, f"Message too large: {len(raw)} bytes (max 35 MB)."))
        message = parse_message(raw)
        recipients = addresses(message, "To", "Cc", "Bcc")
        if not recipients:
            raise Reply(google_error(400, "Recipient address required"))
        if len(recipients) > self.max_recipients:
            raise Reply(
                google_error(
                    400, f"Too many recipients: {len(recipients)} (max {self.max_recipients})"
                )
            )
        now = time.time()
        while box.sends and box.sends[0] < now - 86_400:
            box.sends.popleft()
        if len(box.sends) >= self.daily_send_limit:
            retry = box.sends[0] + 86_400 - now
            raise Reply(google_error(429, "User-rate limit exceeded (Mail sending)", "rateLimitExceeded",
                                     "usageLimits", retry_after=retry))  # fmt: skip
        if thread_id is not None and thread_id not in box.threads:
            raise Reply(google_error(404))
        thread = box.thread_for(message, thread_id) if thread_id else box.thread_for(message)
        if message.get("Message-ID") is None:
            message["Message-ID"] = f"<fake-{secrets.token_hex(12)}@mail.gmail.com>"
            raw = message.as_bytes()
        box.sends.append(now)
        stored = box.store(raw, message, thread, ["SENT"], self._next_history_id())
        self.recorder.record_accepted(AcceptedMessage(
            "gmail", box.email, stored.message_id, tuple(recipients), message, raw, stored.id, box.email))  # fmt: skip
        return JSONResponse(
            {"id": stored.id, "threadId": stored.thread_id, "labelIds": stored.label_ids}
        )

    def _next_history_id(self) -> int:
        self._history_id += 1
        return self._history_id

    def _gmail_route(
        self,
        endpoint: str,
        scopes: set[str],
        handler: Callable[[Mailbox, Request, bytes], Response],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            box = self._bearer(request, request.path_params["user_id"], scopes)
            body = await request.body()

            def accept() -> Response:
                self._charge(box, endpoint)
                return handler(box, request, body)

            return await self.exchange(request, endpoint, box.email, accept)

        return route

    def _profile(self, box: Mailbox, request: Request, body: bytes) -> Response:
        return JSONResponse({"emailAddress": box.email, "messagesTotal": len(box.messages),
                             "threadsTotal": len(box.threads), "historyId": str(self._history_id)})  # fmt: skip

    def _send_json(self, box: Mailbox, request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body)
            raw = base64.urlsafe_b64decode(pad(payload["raw"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise Reply(google_error(400, "'raw' RFC822 payload message string or uploading message "
                                     "via /upload/* URL required")) from None  # fmt: skip
        return self._send(box, raw, payload.get("threadId"))

    def _send_media(self, box: Mailbox, request: Request, body: bytes) -> Response:
        if request.query_params.get("uploadType") != "media":
            raise Reply(google_error(501, "Only uploadType=media is in the fake's subset."))
        if request.headers.get("content-type", "").split(";")[0].strip() != "message/rfc822":
            raise Reply(google_error(400, "Media type must be message/rfc822", "badContent"))
        return self._send(box, body, None)

    def _get(self, box: Mailbox, request: Request, body: bytes) -> Response:
        if (stored := box.messages.get(request.path_params["id"])) is None:
            raise Reply(google_error(404))
        return JSONResponse(resource(stored, request.query_params))

    def _get_thread(self, box: Mailbox, request: Request, body: bytes) -> Response:
        if (ids := box.threads.get(thread_id := request.path_params["id"])) is None:
            raise Reply(google_error(404))
        messages = [box.messages[i] for i in ids]
        return JSONResponse({"id": thread_id, "historyId": str(messages[-1].history_id),
                             "messages": [resource(m, request.query_params) for m in messages]})  # fmt: skip

    def _list(self, box: Mailbox, request: Request, body: bytes) -> Response:
        params = request.query_params
        terms = query_terms(params.get("q", ""))
        labels = params.getlist("labelIds")
        found = [m for m in reversed(box.messages.values()) if matches(m, terms, labels)]
        items, token = page(found, params, 100)
        answer: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if items:
            answer["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in items]
        if token:
            answer["nextPageToken"] = token
        return JSONResponse(answer)

    def _history(self, box: Mailbox, request: Request, body: bytes) -> Response:
        params = request.query_params
        start = params.get("startHistoryId", "")
        if not start.isdigit():
            raise Reply(google_error(400, "Invalid startHistoryId"))
        if int(start) < box.history_floor:
            raise Reply(google_error(404))
        label = params.get("labelId")
        types = set(params.getlist("historyTypes")) or {"messageAdded"}
        if not types <= {"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"}:
            raise Reply(google_error(400, f"Invalid historyTypes: {sorted(types)}"))
        records = [(h, box.messages[mid]) for h, mid in box.history if h > int(start)
                   and "messageAdded" in types and (not label or label in box.messages[mid].label_ids)]  # fmt: skip
        items, token = page(records, params, 100)
        answer: dict[str, Any] = {"historyId": str(self._history_id)}
        if items:
            answer["history"] = [{"id": str(h), "messages": [{"id": m.id, "threadId": m.thread_id}],
                                "messagesAdded": [{"message": {"id": m.id, "threadId": m.thread_id,
                                                               "labelIds": m.label_ids}}]}
                                 for h, m in items]  # fmt: skip
        if token:
            answer["nextPageToken"] = token
        return JSONResponse(answer)

    def _routes(self) -> None:
        app = self.app

        @app.get("/o/oauth2/v2/auth")
        async def authorize(request: Request) -> Response:
            return self._authorize(request)

        @app.post("/token")
        async def token(request: Request) -> Response:
            if not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                raise _oauth_error(
                    400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
                )
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            client = form.get("client_id", "?")
            return await self.exchange(request, "oauth.token", client,
                                       lambda: self._token(form, request.headers.get("authorization")))  # fmt: skip

        @app.post("/revoke")
        async def revoke(request: Request) -> Response:
            token = (
                request.query_params.get("token")
                or parse_qs((await request.body()).decode()).get("token", [""])[0]
            )
            if token in self.tokens.grants:
                self.revoke(token)
                return JSONResponse({})
            if self.tokens.valid_access(token):
                self.tokens.access[token].expires_at = 0
                return JSONResponse({})
            raise _oauth_error(400, "invalid_token", "Token expired or revoked")

        gmail = "/gmail/v1/users/{user_id}"
        for method, path, endpoint, scopes, handler in (
            ("GET", f"{gmail}/profile", "gmail.profile", _PROFILE_SCOPES, self._profile),
            ("POST", f"{gmail}/messages/send", "gmail.send", _SEND_SCOPES, self._send_json),
            ("POST", f"/upload{gmail}/messages/send", "gmail.send", _SEND_SCOPES, self._send_media),
            ("GET", f"{gmail}/messages", "gmail.messages.list", _READ_SCOPES, self._list),
            ("GET", f"{gmail}/messages/{{id}}", "gmail.messages.get", _READ_SCOPES, self._get),
            ("GET", f"{gmail}/threads/{{id}}", "gmail.threads.get", _READ_SCOPES, self._get_thread),
            ("GET", f"{gmail}/history", "gmail.history.list", _READ_SCOPES, self._history),
        ):
            app.add_api_route(path, self._gmail_route(endpoint, scopes, handler), methods=[method])

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def unimplemented(request: Request, path: str) -> Response:
            return google_error(
                501, f"{request.method} /{path} is not in the fake Google's subset."
            )


def _retry(seconds: float | None) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(seconds)))} if seconds is not None else {}


def _sub(user: str) -> str:
    return str(int(hashlib.sha256(user.encode()).hexdigest()[:15], 16))


@contextlib.contextmanager
def running(users: tuple[str, ...] = ("alice@example.com",), *, tls: bool | LocalCA = False,
            seed: int = 0) -> Iterator[GoogleFake]:  # fmt: skip
    """Serves a fake Google on loopback for the ``with`` block.

    Yields:
        The fake (``.base_url``, ``.recorder``, ``.faults`` and its controls).
    """
    with GoogleFake(users, tls=tls, seed=seed) as fake:
        yield fake


@contextlib.asynccontextmanager
async def running_async(users: tuple[str, ...] = ("alice@example.com",), *, tls: bool | LocalCA = False,
                        seed: int = 0) -> AsyncIterator[GoogleFake]:  # fmt: skip
    """:func:`running` for async tests (starts and stops off the event loop)."""
    async with GoogleFake(users, tls=tls, seed=seed).serving() as fake:
        yield fake

"""What the fake Google and the fake Microsoft identity platform share: the checks of an
authorization request from a desktop app (RFC 8252 loopback redirect, PKCE S256,
``state``), the authorization codes, grants and access tokens they issue, and a
scripted "system browser" that drives the real loopback flow in tests.

Each fake maps the problems found here to its own documented errors.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import html
import re
import secrets
import ssl
import threading
import time
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

__all__ = [
    "AccessToken", "AuthorizationCode", "CodeProblem", "Grant", "ScriptedBrowser", "TokenStore",
    "authorization_problem", "form_post_page", "is_loopback", "s256",
]  # fmt: skip

_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|\[::1\]|localhost)(:\d{1,5})?(/[^?#]*)?$")


def is_loopback(redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` is a loopback redirect a desktop app may use
    (``http://127.0.0.1:<port>/…``, ``http://[::1]:<port>``, ``http://localhost:<port>``)."""
    return bool(_LOOPBACK.match(redirect_uri))


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization_problem(params: Mapping[str, str]) -> tuple[str, str] | None:
    """Checks what every authorization request of ours must carry once its client and
    redirect URI are known good.

    Returns:
        ``(error, description)`` to send back to the redirect URI, or ``None``.
    """
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be 'code'."
    if not params.get("scope", "").split():
        return "invalid_request", "Missing required parameter: scope"
    if not params.get("state"):
        return "invalid_request", "Missing required parameter: state"
    if not params.get("code_challenge"):
        return "invalid_request", "Missing required parameter: code_challenge (PKCE)"
    if params.get("code_challenge_method") != "S256":
        return "invalid_request", "code_challenge_method must be S256."
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", params["code_challenge"]):
        return "invalid_request", "code_challenge is not a base64url SHA-256."
    return None


def form_post_page(redirect_uri: str, params: Mapping[str, str]) -> str:
    """The page of ``response_mode=form_post``: a form that posts ``params`` to the
    redirect URI (a browser submits it on load; :class:`ScriptedBrowser` does too)."""
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
        for k, v in params.items()
    )
    return (f'<html><body onload="document.forms[0].submit()"><form method="post" '
            f'action="{html.escape(redirect_uri)}">{fields}</form></body></html>')  # fmt: skip


def _form_of(page: str) -> tuple[str, dict[str, str]] | None:
    action = re.search(r'<form method="post" action="([^"]*)"', page)
    if action is None:
        return None
    fields = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"/>', page)
    return html.unescape(action.group(1)), {html.unescape(k): html.unescape(v) for k, v in fields}


class CodeProblem(enum.Enum):
    """Why an authorization code cannot be redeemed."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    WRONG_CLIENT = "wrong_client"
    REDIRECT_MISMATCH = "redirect_mismatch"
    MISSING_VERIFIER = "missing_verifier"
    BAD_VERIFIER = "bad_verifier"


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    user: str
    expires_at: float
    nonce: str | None = None
    used: bool = False


@dataclass
class Grant:
    """What a refresh token stands for."""

    client_id: str
    user: str
    scope: str
    revoked: bool = False
    expires_at: float | None = None


@dataclass
class AccessToken:
    user: str
    scopes: frozenset[str]
    expires_at: float
    refresh_token: str | None


class TokenStore:
    """Codes, grants and access tokens of one fake identity provider. Thread-safe."""

    def __init__(self, code_prefix: str, refresh_prefix: str, access_prefix: str) -> None:
        self._lock = threading.RLock()
        self._prefixes = code_prefix, refresh_prefix, access_prefix
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, AccessToken] = {}
        self.access_token_lifetime = 3599
        self.code_lifetime = 600.0

    def new_code(
        self, client_id: str, redirect_uri: str, params: Mapping[str, str], user: str
    ) -> str:
        code = self._prefixes[0] + secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = AuthorizationCode(
                client_id, redirect_uri, params["code_challenge"], params["scope"], user,
                time.time() + self.code_lifetime, params.get("nonce"),
            )  # fmt: skip
        return code

    def redeem(
        self, code: str, client_id: str | None, redirect_uri: str | None, verifier: str | None
    ) -> AuthorizationCode | CodeProblem:
        """Redeems ``code`` once (a failed attempt also burns it, as the providers do)."""
        with self._lock:
            found = self.codes.get(code)
            if found is None:
                return CodeProblem.UNKNOWN
            if found.used:
                return CodeProblem.USED
            found.used = True
            if found.expires_at < time.time():
                return CodeProblem.EXPIRED
            if found.client_id != client_id:
                return CodeProblem.WRONG_CLIENT
            if found.redirect_uri != redirect_uri:
                return CodeProblem.REDIRECT_MISMATCH
            if not verifier:
                return CodeProblem.MISSING_VERIFIER
            if s256(verifier) != found.challenge:
                return CodeProblem.BAD_VERIFIER
            return found

    def new_grant(self, client_id: str, user: str, scope: str) -> str:
        """Returns:
        A new refresh token."""
        token = self._prefixes[1] + secrets.token_urlsafe(24)
        with self._lock:
            self.grants[token] = Grant(client_id, user, scope)
        return token

    def new_access(self, refresh_token: str) -> tuple[str, AccessToken]:
        """Returns:
        A new access token for the grant of ``refresh_token``."""
        token = self._prefixes[2] + secrets.token_urlsafe(32)
        with self._lock:
            grant = self.grants[refresh_token]
            expires = time.time() + self.access_token_lifetime
            self.access[token] = AccessToken(
                grant.user, frozenset(grant.scope.split()), expires, refresh_token
            )
            return token, self.access[token]

    def grant(self, refresh_token: str, client_id: str | None) -> Grant | None:
        """Returns:
        The grant of ``refresh_token`` if it is ``client_id``'s (the caller tells a
        revoked or expired one by its fields)."""
        with self._lock:
            grant = self.grants.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                return None
            return grant

    def valid_access(self, token: str) -> AccessToken | None:
        with self._lock:
            access = self.access.get(token)
            return access if access is not None and access.expires_at > time.time() else None

    def revoke(self, refresh_token: str | None = None, *, user: str | None = None) -> None:
        """Revokes one refresh token, or every grant of ``user``; their access tokens die too."""
        with self._lock:
            for token, grant in self.grants.items():
                if token == refresh_token or (user is not None and grant.user == user.lower()):
                    grant.revoked = True
            for access in self.access.values():
                owner = self.grants.get(access.refresh_token or "")
                if owner is not None and owner.revoked:
                    access.expires_at = 0

    def expire_refresh_tokens(self, user: str | None = None) -> None:
        """Makes refresh tokens (of ``user``, or all) expired, e.g. after inactivity."""
        with self._lock:
            for grant in self.grants.values():
                if user is None or grant.user == user.lower():
                    grant.expires_at = 0

    def expire_access_tokens(self) -> None:
        """Makes every access token issued so far expired, now."""
        with self._lock:
            for access in self.access.values():
                access.expires_at = 0


class ScriptedBrowser(webbrowser.BaseBrowser):
    """A "system browser" for the OAuth tests: ``open(url)`` follows the authorization
    URL's redirects with ``httpx`` on a thread, ending at the app's loopback listener.

    :meth:`register` it and pass its name as ``browser=`` to
    ``InstalledAppFlow.run_local_server`` (or wherever the app calls ``webbrowser``),
    exactly as a real browser is chosen.

    Args:
        verify: What ``httpx`` verifies TLS with (``LocalCA.client_context()`` for the
            HTTPS fakes).
    """

    def __init__(self, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__("salesos-scripted-browser")
        self.verify = verify
        self.pages: list[httpx.Response] = []
        self.errors: list[Exception] = []
        self._threads: list[threading.Thread] = []

    def register(self) -> str:
        """Returns:
        The name ``webbrowser.get`` knows it by."""
        webbrowser.register(self.name, None, self)
        return self.name

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self._threads.append(thread)
        thread.start()
        return True

    def _visit(self, url: str) -> None:
        try:
            with httpx.Client(verify=self.verify, follow_redirects=True, timeout=10) as client:
                page = client.get(url)
                if (form := _form_of(page.text)) is not None:
                    page = client.post(form[0], data=form[1])
                self.pages.append(page)
        except Exception as exc:
            self.errors.append(exc)

    def wait(self, timeout: float = 10) -> httpx.Response:
        """Returns:
        The last page the browser ended on (raises what a visit raised)."""
        for thread in self._threads:
            thread.join(timeout)
        if self.errors:
            raise self.errors[-1]
        return self.pages[-1]

    def redirect_of(self, url: str) -> dict[str, str]:
        """Visits ``url`` without following its redirect.

        Returns:
            The parameters the browser would hand the redirect URI (``code``/``state`` or
            ``error``), from the redirect's query or a ``form_post`` page.
        """
        with httpx.Client(verify=self.verify, timeout=10) as client:
            response = client.get(url)
        if response.status_code == 200 and (form := _form_of(response.text)) is not None:
            return form[1]
        if response.status_code != 302:
            raise AssertionError(f"no redirect: {response.status_code} {response.text[:200]}")
        query = urlsplit(response.headers["location"]).query
        return {k: v[0] for k, v in parse_qs(query).items()}

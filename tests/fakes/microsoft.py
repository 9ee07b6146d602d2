"""Fake Microsoft: the identity platform (v2.0 endpoints) and the subset of Microsoft
Graph mail we use, served over HTTPS with the test CA (``msal`` wants an ``https``
authority; it is not patched).

Sources whose request and response shapes it follows (read 2026-12-03):

- https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
  (authorize and token requests, PKCE, refresh, the error JSON with ``error_codes``,
  ``timestamp``, ``trace_id``, ``correlation_id``)
- https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc (discovery)
- https://learn.microsoft.com/entra/identity-platform/reference-error-codes (AADSTS
  50011, 50148, 50173, 54005, 70000, 70008, 700016, 700082, 900144, 90002)
- https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference and
  ``client_info`` as ``msal`` decodes it (base64url JSON ``uid``/``utid``)
- https://learn.microsoft.com/graph/api/user-get (``/me``)
- https://learn.microsoft.com/graph/api/user-sendmail (JSON and MIME forms: MIME is
  ``Content-Type: text/plain`` with the base64 message; 202 with no body; 4 MB per
  request, larger needs an upload session, which is outside the subset)
- https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
  (4 concurrent requests per mailbox: 429 ``ApplicationThrottled``
  "MailboxConcurrency"; ``Retry-After``) and Exchange Online's 30 messages a minute
- :mod:`tests.fakes.graph` for the message resource, listing and delta shapes

Fault endpoints: ``identity.token`` (mailbox: the client id), ``graph.me``,
``graph.sendMail``, ``graph.messages.list``, ``graph.messages.get``, ``graph.delta``
(mailbox: the user's address). Anything outside the subset answers 501.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

import jwt
from fastapi import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.fakes.faults import AcceptedMessage, Fault, HTTPFake, Reply, addresses, parse_message
from tests.fakes.graph import (
    GraphMailbox,
    GraphMessage,
    folder_of,
    graph_error,
    message_filter,
    passes,
    render,
    selected,
)
from tests.fakes.oauth import (
    CodeProblem,
    TokenStore,
    authorization_problem,
    form_post_page,
    is_loopback,
)
from tests.fakes.tls import LocalCA

__all__ = ["DEFAULT_CLIENT_ID", "MicrosoftFake", "running", "running_async"]

DEFAULT_CLIENT_ID = "5f1c8b7e-0a2d-4e8f-9b3c-1d2e3f4a5b6c"
SCOPES = ["Mail.Send", "Mail.Read", "User.Read"]
"""What the app asks for (``msal`` adds ``openid profile offline_access``)."""
MAX_REQUEST_BYTES = 4 * 1024 * 1024
_GRAPH_PREFIX = "https://graph.microsoft.com/"
_CODE_ERRORS = {
    CodeProblem.UNKNOWN: (70000, "Provided grant is invalid or malformed."),
    CodeProblem.USED: (54005, "OAuth2 Authorization code was already redeemed, please retry "
                              "with a new valid code or use an existing refresh token."),
    CodeProblem.EXPIRED: (70008, "The provided authorization code or refresh token has expired "
                                 "due to inactivity. Send a new interactive authorization request "
                                 "for this user and resource."),
    CodeProblem.WRONG_CLIENT: (70000, "Provided grant is invalid or malformed."),
    CodeProblem.REDIRECT_MISMATCH: (50011, "The redirect URI specified in the request does not "
                                           "match the redirect URI used to obtain the code."),
    CodeProblem.MISSING_VERIFIER: (900144, "The request body must contain the following "
                                           "parameter: 'code_verifier'."),
    CodeProblem.BAD_VERIFIER: (50148, "The code_verifier does not match the code_challenge "
                                      "supplied in the authorization request for PKCE."),
}  # fmt: skip


def aad_error(status: int, error: str, code: int, description: str) -> JSONResponse:
    """The identity platform's error JSON."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return JSONResponse({
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
                             f"Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code], "timestamp": stamp, "trace_id": trace,
        "correlation_id": correlation, "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }, status)  # fmt: skip


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class MicrosoftFake(HTTPFake):
    """The fake identity platform and Graph, and the controls a test turns.

    Args:
        users: The work accounts of the tenant (each has a mailbox).
        seed: Seeds the fault queue.
    """

    name = "fake-microsoft"

    def __init__(
        self,
        users: tuple[str, ...] = ("bob@contoso.example",),
        *,
        tls: bool | LocalCA = True,
        seed: int = 0,
    ) -> None:
        super().__init__(tls=tls, seed=seed, max_concurrent=4)
        self.tenant_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, "contoso.example"))
        self.tenant_names = {"common", "organizations", self.tenant_id, "contoso.example"}
        self.clients = {DEFAULT_CLIENT_ID}
        self.users: dict[str, GraphMailbox] = {}
        self.object_ids: dict[str, str] = {}
        for user in users:
            self.add_user(user)
        self.consenting_user = users[0]
        """Who signs in and consents when the browser reaches the authorization page."""
        self.authorize_outcome: Literal["consent", "access_denied", "wrong_state"] = "consent"
        self.tokens = TokenStore("M.C5_fake.", "0.AXfake.", "eyJ0eXAiOiJKV1Qi.fake.")
        self.sends_per_minute: int | None = 30
        self.max_recipients = 500
        self.delta_gone_code: Literal["SyncStateNotFound", "resyncRequired"] = "SyncStateNotFound"
        self._sequence = 0
        self._routes()

    # ------------------------------------------------------------ test controls

    @property
    def access_token_lifetime(self) -> int:
        """Seconds a new access token lives (``expires_in``)."""
        return self.tokens.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self.tokens.access_token_lifetime = seconds

    def authority(self, tenant: str = "organizations") -> str:
        """Returns:
        The authority URL ``msal`` takes (``instance_discovery=False``)."""
        return f"{self.base_url}/{tenant}"

    def add_user(self, address: str) -> None:
        with self.lock:
            key = address.lower()
            self.users.setdefault(key, GraphMailbox(key))
            self.object_ids.setdefault(key, str(uuid.uuid5(uuid.NAMESPACE_URL, key)))

    def issue_tokens(
        self, user: str, scopes: str = "Mail.Send Mail.Read User.Read"
    ) -> dict[str, Any]:
        """Grants ``scopes`` to the default client for ``user`` without the browser."""
        refresh = self.tokens.new_grant(DEFAULT_CLIENT_ID, user.lower(), scopes)
        return self._token_answer(refresh, None) | {"refresh_token": refresh}

    def revoke(self, refresh_token: str | None = None, *, user: str | None = None) -> None:
        """Revokes grants (AADSTS50173 on refresh); their access tokens stop working."""
        self.tokens.revoke(refresh_token, user=user)

    def expire_access_tokens(self) -> None:
        self.tokens.expire_access_tokens()

    def expire_refresh_tokens(self, user: str | None = None) -> None:
        """Refresh tokens expire as after inactivity (AADSTS700082)."""
        self.tokens.expire_refresh_tokens(user)

    def expire_delta_tokens(self, user: str) -> None:
        """Every delta and skip token issued so far for ``user``'s Inbox answers 410."""
        with self.lock:
            self.users[user.lower()].delta_generation += 1

    def deliver(self, user: str, raw: bytes | EmailMessage) -> GraphMessage:
        """Delivers an inbound message (a reply) into ``user``'s Inbox, in the conversation
        of the message its ``In-Reply-To``/``References`` name."""
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        with self.lock:
            self._sequence += 1
            return self.users[user.lower()].store(
                "inbox", parse_message(data), data, self._sequence
            )

    def mailbox(self, user: str, folder: str | None = None) -> list[GraphMessage]:
        """Returns:
        ``user``'s messages in ``folder`` (``"sentitems"``, ``"inbox"``, all), newest first."""
        with self.lock:
            return self.users[user.lower()].in_folder(folder)

    def fault_response(self, fault: Fault, default_code: int) -> Response:
        status = fault.code or default_code
        retry = fault.retry_after
        if retry is None and status in (429, 503, 504):
            retry = 1
        if isinstance(fault.body, dict):
            headers = {"Retry-After": str(max(1, round(retry)))} if retry is not None else {}
            return JSONResponse(fault.body, status, headers)
        return graph_error(status, message=fault.body, retry_after=retry)

    def concurrency_response(self) -> Response:
        return graph_error(429, "ApplicationThrottled",
                           "Application is over its MailboxConcurrency limit.", retry_after=1)  # fmt: skip

    # ------------------------------------------------------------ identity platform

    def _tenant(self, tenant: str) -> None:
        if tenant not in self.tenant_names:
            raise Reply(aad_error(400, "invalid_tenant", 90002,
                                  f"Tenant '{tenant}' not found. Check to make sure you have the "
                                  "correct tenant ID and are signing into the correct cloud."))  # fmt: skip

    def _discovery(self, tenant: str) -> Response:
        self._tenant(tenant)
        base = f"{self.base_url}/{tenant}"
        issuer_tenant = "{tenantid}" if tenant in ("common", "organizations") else self.tenant_id
        return JSONResponse({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"], "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{self.base_url}/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username",
                                 "name", "tid", "ver", "oid"],
            "tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        })  # fmt: skip

    def _authorize(self, request: Request, tenant: str) -> Response:
        self._tenant(tenant)
        q = dict(request.query_params)
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients:
            return HTMLResponse(f"AADSTS700016: Application with identifier '{client_id}' was not "
                                "found in the directory.", 400)  # fmt: skip
        if not is_loopback(redirect_uri):
            return HTMLResponse("AADSTS50011: The redirect URI specified in the request does not "
                                "match the redirect URIs configured for the application.", 400)  # fmt: skip

        def back(**params: str) -> Response:
            if "state" in q:
                tamper = "code" in params and self.authorize_outcome == "wrong_state"
                params["state"] = q["state"] + ("-tampered" if tamper else "")
            if q.get("response_mode") == "form_post":
                return HTMLResponse(form_post_page(redirect_uri, params))
            return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", 302)

        problem = authorization_problem(q)
        if problem:
            return back(error=problem[0], error_description=f"AADSTS900144: {problem[1]}")
        if self.authorize_outcome == "access_denied":
            return back(error="access_denied", error_description="AADSTS65004: User declined to "
                        "consent to access the app.")  # fmt: skip
        code = self.tokens.new_code(client_id, redirect_uri, q, self.consenting_user.lower())
        return back(code=code, client_info=self._client_info(self.consenting_user.lower()),
                    session_state=str(uuid.uuid4()))  # fmt: skip

    def _client_info(self, user: str) -> str:
        return _b64url(json.dumps({"uid": self.object_ids[user], "utid": self.tenant_id}).encode())

    def _token_answer(self, refresh: str, nonce: str | None) -> dict[str, Any]:
        token, access = self.tokens.new_access(refresh)
        grant = self.tokens.grants[refresh]
        answer: dict[str, Any] = {
            "token_type": "Bearer", "scope": grant.scope,
            "expires_in": self.tokens.access_token_lifetime,
            "ext_expires_in": self.tokens.access_token_lifetime, "access_token": token,
            "client_info": self._client_info(access.user),
        }  # fmt: skip
        if "openid" in grant.scope.split():
            now = int(time.time())
            claims = {
                "aud": grant.client_id, "iss": f"{self.base_url}/{self.tenant_id}/v2.0",
                "iat": now, "nbf": now, "exp": now + 3600, "name": access.user.split("@")[0].title(),
                "oid": self.object_ids[access.user], "preferred_username": access.user,
                "sub": _b64url(self.object_ids[access.user].encode())[:43],
                "tid": self.tenant_id, "ver": "2.0",
            } | ({"nonce": nonce} if nonce else {})  # fmt: skip
            answer["id_token"] = jwt.encode(
                claims, "fake-entra-id-token-signing-key-not-secret", algorithm="HS256"
            )
        return answer

    def _token(self, tenant: str, form: dict[str, str]) -> Response:
        self._tenant(tenant)
        client_id = form.get("client_id")
        if client_id not in self.clients:
            raise Reply(aad_error(400, "unauthorized_client", 700016,
                                  f"Application with identifier '{client_id}' was not found in "
                                  f"the directory '{tenant}'."))  # fmt: skip
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = self.tokens.redeem(form.get("code", ""), client_id, form.get("redirect_uri"),
                                      form.get("code_verifier"))  # fmt: skip
            if isinstance(code, CodeProblem):
                number, text = _CODE_ERRORS[code]
                kind = "invalid_request" if number == 900144 else "invalid_grant"
                raise Reply(aad_error(400, kind, number, text))
            refresh = self.tokens.new_grant(client_id, code.user, form.get("scope") or code.scope)
            return JSONResponse(
                self._token_answer(refresh, code.nonce) | {"refresh_token": refresh}
            )
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token", "")
            grant = self.tokens.grant(refresh, client_id)
            if grant is None:
                raise Reply(aad_error(400, "invalid_grant", 9002313,
                                      "Invalid request. Request is malformed or invalid."))  # fmt: skip
            if grant.revoked:
                raise Reply(aad_error(400, "invalid_grant", 50173,
                                      "The provided grant has expired due to it being revoked, a "
                                      "fresh auth token is needed. The user might have changed or "
                                      "reset their password."))  # fmt: skip
            if grant.expires_at is not None:
                raise Reply(aad_error(400, "invalid_grant", 700082,
                                      "The refresh token has expired due to inactivity."))  # fmt: skip
            return JSONResponse(self._token_answer(refresh, None) | {"refresh_token": refresh})
        raise Reply(aad_error(400, "unsupported_grant_type", 70003,
                              f"The app requested an unsupported grant type '{grant_type}'."))  # fmt: skip

    # ------------------------------------------------------------ Graph

    def _bearer(self, request: Request, need: str) -> GraphMailbox:
        header = request.headers.get("authorization", "")
        client_request_id = request.headers.get("client-request-id")
        token = header[7:] if header[:7].lower() == "bearer " else ""
        access = self.tokens.valid_access(token) if token else None
        if access is None:
            message = "Access token is empty." if not token else None
            raise Reply(graph_error(401, message=message, client_request_id=client_request_id))
        scopes = {s.lower().removeprefix(_GRAPH_PREFIX) for s in access.scopes}
        if not scopes & {need.lower(), need.lower().replace(".read", ".readwrite")}:
            raise Reply(graph_error(403, client_request_id=client_request_id))
        return self.users[access.user]

    def _send(self, box: GraphMailbox, request: Request, body: bytes) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if len(body) > MAX_REQUEST_BYTES:
            raise Reply(graph_error(413, message=f"The request is {len(body)} bytes; sendMail takes "
                                    "at most 4 MB (use an upload session for more)."))  # fmt: skip
        if kind == "text/plain":
            try:
                raw = base64.b64decode(b"".join(body.split()), validate=True)
            except (binascii.Error, ValueError):
                raise Reply(graph_error(400, "ErrorMimeContentInvalidBase64String",
                                        "Invalid base64 string for MIME content.")) from None  # fmt: skip
            message, save = parse_message(raw), True
        elif kind == "application/json":
            message, save = self._from_json(box, body)
            raw = message.as_bytes()
        else:
            raise Reply(graph_error(415, "UnsupportedMediaType", f"Content-Type {kind!r} is not "
                                    "supported by sendMail (application/json or text/plain)."))  # fmt: skip
        recipients = addresses(message, "To", "Cc", "Bcc")
        if not recipients or any("@" not in r for r in recipients):
            raise Reply(graph_error(400, "ErrorInvalidRecipients", "At least one recipient isn't "
                                    "valid. All recipients must be resolved before a message can "
                                    "be submitted."))  # fmt: skip
        if len(recipients) > self.max_recipients:
            raise Reply(graph_error(400, "ErrorTooManyRecipients", f"The message has {len(recipients)} "
                                    f"recipients; the limit is {self.max_recipients}."))  # fmt: skip
        now = time.time()
        box.sends[:] = [t for t in box.sends if t > now - 60]
        if self.sends_per_minute is not None and len(box.sends) >= self.sends_per_minute:
            raise Reply(graph_error(429, "TooManyRequests", "The message submission rate for this "
                                    f"mailbox exceeded {self.sends_per_minute} a minute.",
                                    retry_after=box.sends[0] + 60 - now))  # fmt: skip
        if message.get("Message-ID") is None:
            message["Message-ID"] = f"<{uuid.uuid4().hex.upper()}@fake.prod.outlook.com>"
            raw = message.as_bytes()
        box.sends.append(now)
        self._sequence += 1
        stored = box.store("sentitems", message, raw, self._sequence) if save else None
        self.recorder.record_accepted(AcceptedMessage(
            "graph", box.address, str(message["Message-ID"]).strip(), tuple(recipients), message,
            raw, stored.id if stored else None, box.address,
        ))  # fmt: skip
        return Response(status_code=202)

    def _from_json(self, box: GraphMailbox, body: bytes) -> tuple[EmailMessage, bool]:
        try:
            payload = json.loads(body)
            spec = payload["message"]
            assert isinstance(spec, dict)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise Reply(graph_error(400, "ErrorInvalidParameter",
                                    "The value of the parameter 'Message' is empty.")) from None  # fmt: skip
        message = EmailMessage()
        message["From"] = box.address
        for field, header in (("toRecipients", "To"), ("ccRecipients", "Cc"), ("bccRecipients", "Bcc"),
                              ("replyTo", "Reply-To")):  # fmt: skip
            people = [r.get("emailAddress", {}) for r in spec.get(field) or []]
            if people:
                message[header] = ", ".join(formataddr((p.get("name") or "", p.get("address") or ""))
                                            for p in people)  # fmt: skip
        message["Subject"] = spec.get("subject") or ""
        for header in spec.get("internetMessageHeaders") or []:
            if not str(header.get("name", "")).lower().startswith("x-"):
                raise Reply(graph_error(400, "InvalidInternetMessageHeader",
                                        f"The internet message header name '{header.get('name')}' "
                                        "should start with 'x-' or 'X-'."))  # fmt: skip
            message[header["name"]] = header.get("value", "")
        content = spec.get("body") or {}
        subtype = "html" if str(content.get("contentType", "text")).lower() == "html" else "plain"
        message.set_content(content.get("content", ""), subtype=subtype)
        return message, str(payload.get("saveToSentItems", True)).lower() != "false"

    def _list(self, box: GraphMailbox, request: Request, folder: str | None) -> Response:
        params = request.query_params
        unknown = {k for k in params if k.startswith("$")} - {
            "$filter",
            "$select",
            "$top",
            "$skip",
            "$orderby",
        }
        if unknown:
            raise Reply(
                graph_error(501, message=f"{sorted(unknown)} are outside the fake's subset.")
            )
        order = (params.get("$orderby") or "receivedDateTime desc").split()
        if order[0] not in ("receivedDateTime", "sentDateTime", "createdDateTime"):
            raise Reply(
                graph_error(501, message=f"$orderby {order[0]} is outside the fake's subset.")
            )
        terms = message_filter(params.get("$filter"))
        found = [m for m in box.in_folder(folder) if passes(m, terms)]
        if order[-1].lower() == "asc":
            found.reverse()
        top, skip = params.get("$top", "10"), params.get("$skip", "0")
        if not (top.isdigit() and 1 <= int(top) <= 1000 and skip.isdigit()):
            raise Reply(graph_error(400, "ErrorInvalidUrlQuery", "Invalid $top or $skip."))
        start, end = int(skip), int(skip) + int(top)
        oid = self.object_ids[box.address]
        answer: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users('{oid}')/messages",
            "value": [selected(render(m, oid), params.get("$select")) for m in found[start:end]],
        }
        if end < len(found):
            query = {k: v for k, v in params.items() if k != "$skip"} | {"$skip": str(end)}
            answer["@odata.nextLink"] = f"{self.base_url}{request.url.path}?{urlencode(query)}"
        return JSONResponse(answer)

    def _delta(self, box: GraphMailbox, request: Request, folder: str) -> Response:
        params = request.query_params
        token = params.get("$deltatoken") or params.get("$skiptoken")
        since, offset = 0, 0
        if token:
            try:
                generation, since, offset = (
                    int(p) for p in base64.urlsafe_b64decode(token + "==").split(b".")
                )
            except ValueError:
                generation = -1
            if generation != box.delta_generation:
                code = self.delta_gone_code
                raise Reply(graph_error(410, code, None if code == "SyncStateNotFound" else
                                        "The delta token is no longer valid; sync again."))  # fmt: skip
        prefer = request.headers.get("prefer", "")
        size = (
            int(prefer.split("odata.maxpagesize=")[1].split(",")[0])
            if "maxpagesize=" in prefer
            else 10
        )
        changes = [m for m in reversed(box.in_folder(folder)) if m.sequence > since]
        page = changes[offset : offset + size]
        oid = self.object_ids[box.address]
        answer: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)",
            "value": [{"@odata.type": "#microsoft.graph.message"} | selected(render(m, oid), params.get("$select"))
                      for m in page],
        }  # fmt: skip
        link = f"{self.base_url}{request.url.path}?"
        if offset + size < len(changes):
            answer["@odata.nextLink"] = link + urlencode(
                {"$skiptoken": _b64url(f"{box.delta_generation}.{since}.{offset + size}".encode())}
            )
        else:
            answer["@odata.deltaLink"] = link + urlencode(
                {"$deltatoken": _b64url(f"{box.delta_generation}.{self._sequence}.0".encode())}
            )
        headers = (
            {"Preference-Applied": f"odata.maxpagesize={size}"} if "maxpagesize=" in prefer else {}
        )
        return JSONResponse(answer, headers=headers)

    def _routes(self) -> None:
        app = self.app

        @app.get("/{tenant}/v2.0/.well-known/openid-configuration")
        async def discovery(tenant: str) -> Response:
            return self._discovery(tenant)

        @app.get("/{tenant}/oauth2/v2.0/authorize")
        async def authorize(request: Request, tenant: str) -> Response:
            return self._authorize(request, tenant)

        @app.post("/{tenant}/oauth2/v2.0/token")
        async def token(request: Request, tenant: str) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            client = form.get("client_id", "?")
            return await self.exchange(
                request, "identity.token", client, lambda: self._token(tenant, form),
                concurrency_limited=False,  # MailboxConcurrency is Exchange's, not Entra's
            )  # fmt: skip

        def graph(
            endpoint: str, need: str, handler: Callable[[GraphMailbox, Request, bytes], Response]
        ) -> Any:
            async def route(request: Request) -> Response:
                box = self._bearer(request, need)
                body = await request.body()
                return await self.exchange(
                    request, endpoint, box.address, lambda: handler(box, request, body)
                )

            return route

        def me(box: GraphMailbox, request: Request, body: bytes) -> Response:
            oid, name = self.object_ids[box.address], box.address.split("@")[0].title()
            return JSONResponse({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
                "businessPhones": [], "displayName": name, "givenName": name, "jobTitle": None,
                "mail": box.address, "mobilePhone": None, "officeLocation": None,
                "preferredLanguage": "en-US", "surname": None, "userPrincipalName": box.address, "id": oid,
            })  # fmt: skip

        def get_message(box: GraphMailbox, request: Request, body: bytes) -> Response:
            stored = box.messages.get(request.path_params["message_id"])
            if stored is None:
                raise Reply(graph_error(404))
            oid = self.object_ids[box.address]
            return JSONResponse(selected(render(stored, oid), request.query_params.get("$select")))

        v1 = "/v1.0/me"
        for method, path, endpoint, need, handler in (
            ("GET", v1, "graph.me", "User.Read", me),
            ("POST", f"{v1}/sendMail", "graph.sendMail", "Mail.Send", self._send),
            ("GET", f"{v1}/messages", "graph.messages.list", "Mail.Read",
             lambda b, r, _: self._list(b, r, None)),
            ("GET", f"{v1}/messages/{{message_id}}", "graph.messages.get", "Mail.Read", get_message),
            ("GET", f"{v1}/mailFolders/{{folder}}/messages", "graph.messages.list", "Mail.Read",
             lambda b, r, _: self._list(b, r, folder_of(r.path_params["folder"]))),
            ("GET", f"{v1}/mailFolders/{{folder}}/messages/delta", "graph.delta", "Mail.Read",
             lambda b, r, _: self._delta(b, r, folder_of(r.path_params["folder"]))),
        ):  # fmt: skip
            app.add_api_route(path, graph(endpoint, need, handler), methods=[method])

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def unimplemented(request: Request, path: str) -> Response:
            return graph_error(501, "NotImplemented", f"{request.method} /{path} is not in the fake "
                               "Microsoft's subset.")  # fmt: skip


@contextlib.contextmanager
def running(
    users: tuple[str, ...] = ("bob@contoso.example",), *, seed: int = 0
) -> Iterator[MicrosoftFake]:
    """Serves a fake Microsoft over HTTPS on loopback for the ``with`` block.

    Yields:
        The fake (``.base_url``, ``.ca_bundle``, ``.recorder``, ``.faults``, controls).
    """
    with MicrosoftFake(users, seed=seed) as fake:
        yield fake


@contextlib.asynccontextmanager
async def running_async(users: tuple[str, ...] = ("bob@contoso.example",), *,
                        seed: int = 0) -> AsyncIterator[MicrosoftFake]:  # fmt: skip
    """:func:`running` for async tests (starts and stops off the event loop)."""
    async with MicrosoftFake(users, seed=seed).serving() as fake:
        yield fake

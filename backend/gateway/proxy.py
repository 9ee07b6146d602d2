"""The gateway's ``/api/v1`` front door: check, limit, rewrite, forward.

For each request: find the owning service (404 if none); unless the route is public,
verify the access token and that its session is live (401), and apply the
per-customer rate limit (429); then forward with the path rewritten, the request id
and client address attached. In-process services are called as ASGI apps directly
(no HTTP, no copy); remote ones through httpx, streamed. Upstream failures become
502, time-outs 504, always with the JSON error body.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.gateway import routes
from backend.gateway.sessions import SessionGate
from backend.kit.errors import RateLimited, SalesOSError, Unauthorized, error_response
from backend.kit.logging import current_request_id
from backend.kit.security import Principal, TokenCodec

log = logging.getLogger(__name__)

HOP_BY_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
    b"trailers", b"transfer-encoding", b"upgrade", b"host", b"content-length",
}  # fmt: skip
_STRIPPED_INBOUND = {b"x-forwarded-for", b"x-forwarded-proto", b"x-request-id"}


class CustomerRateLimit:
    """Requests per customer per minute (sliding window counter, in this process)."""

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def check(self, customer: str) -> tuple[bool, dict[str, str]]:
        allowed = await self.limiter.hit(self.item, "customer", customer)
        stats = await self.limiter.get_window_stats(self.item, "customer", customer)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        headers = {
            "X-RateLimit-Limit": str(self.item.amount),
            "X-RateLimit-Remaining": str(max(0, stats.remaining)),
            "X-RateLimit-Reset": str(reset),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, reset))
        return allowed, headers


@dataclass
class Upstream:
    """A service: its ASGI app when in-process, or an httpx client when remote."""

    app: ASGIApp | None = None
    client: httpx.AsyncClient | None = None


class GatewayProxy:
    """The ASGI app behind ``/api/v1``."""

    def __init__(
        self,
        upstreams: dict[str, Upstream],
        table: routes.RouteTable,
        tokens: TokenCodec,
        sessions: SessionGate,
        rate_limit: CustomerRateLimit,
        timeout: float,
        sessions_service: str,
    ) -> None:
        self.upstreams = upstreams
        self.table = table
        self.tokens = tokens
        self.sessions = sessions
        self.rate_limit = rate_limit
        self.timeout = timeout
        self.sessions_service = sessions_service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        method: str = scope["method"]
        target = self.table.resolve(scope["path"])
        if target is None or target[0] not in self.upstreams:
            await error_response(404, "not_found", f"No API route {scope['path']}")(
                scope, receive, send
            )
            return
        service, inner = target
        extra_headers: dict[str, str] = {}
        if method != "OPTIONS" and not self.table.is_public(method, inner):
            try:
                _, _, extra_headers = await self.admit(scope)
            except SalesOSError as exc:
                await error_response(
                    exc.status_code, exc.code, exc.message, exc.details, exc.headers
                )(scope, receive, send)
                return
        upstream = self.upstreams[service]
        forwarded = self._forward_scope(scope, inner)
        sent_start = False

        async def send_upstream(message: Message) -> None:
            nonlocal sent_start
            if message["type"] == "http.response.start":
                sent_start = True
                if extra_headers:
                    message["headers"] = [
                        *message.get("headers", []),
                        *((k.lower().encode(), v.encode()) for k, v in extra_headers.items()),
                    ]
                if service == self.sessions_service and method != "GET" and message["status"] < 400:
                    # Sign-outs, deactivations and password changes revoke sessions:
                    # forget cached answers now (other gateways hear NOTIFY).
                    self.sessions.forget("*")
            await send(message)

        try:
            async with asyncio.timeout(self.timeout):
                if upstream.app is not None:
                    await upstream.app(forwarded, receive, send_upstream)
                else:
                    assert upstream.client is not None
                    await self._remote(upstream.client, forwarded, receive, send_upstream)
        except TimeoutError:
            if not sent_start:
                await error_response(
                    504, "gateway_timeout", f"The {service} service did not answer in time."
                )(scope, receive, send)
        except (httpx.HTTPError, OSError) as exc:
            log.warning("upstream %s failed: %s", service, exc)
            if not sent_start:
                await error_response(502, "bad_gateway", f"The {service} service is unavailable.")(
                    scope, receive, send
                )

    async def admit(self, scope: Scope) -> tuple[Principal, float, dict[str, str]]:
        """Check the caller's token, session and rate; returns who it is, until when
        the token holds, and the rate-limit headers to answer with.

        Raises:
            Unauthorized: no or bad token, or an ended session.
            RateLimited: the company is over its rate.
        """
        authorization = ""
        for key, value in scope["headers"]:
            if key == b"authorization":
                authorization = value.decode("latin-1")
                break
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "Sign in first: this request needs an access token.",
                headers={"WWW-Authenticate": 'Bearer realm="salesos"'},
            )
        principal, expires = self.tokens.verify_until(token.strip())
        if not await self.sessions.is_live(
            principal.session_id, authorization, current_request_id() or ""
        ):
            raise Unauthorized("Your session has ended; please sign in again.")
        allowed, headers = await self.rate_limit.check(str(principal.customer_id))
        if not allowed:
            raise RateLimited(
                "Too many requests for your company; slow down and retry.", headers=headers
            )
        return principal, expires, headers

    def _forward_scope(self, scope: Scope, inner: str) -> Scope:
        client = scope.get("client")
        headers = [(k, v) for k, v in scope["headers"] if k not in _STRIPPED_INBOUND]
        headers.append((b"x-request-id", (current_request_id() or "").encode()))
        if client:
            headers.append((b"x-forwarded-for", str(client[0]).encode()))
        headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode()))
        return {
            **scope,
            "path": inner,
            "raw_path": inner.encode(),
            "root_path": "",
            "headers": headers,
        }

    async def _remote(
        self, client: httpx.AsyncClient, scope: Scope, receive: Receive, send: Send
    ) -> None:
        async def body() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    break

        query = scope.get("query_string", b"").decode("latin-1")
        url = scope["path"] + (f"?{query}" if query else "")
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP]
        request = client.build_request(scope["method"], url, headers=headers, content=body())
        response = await client.send(request, stream=True)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP
                    ],
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

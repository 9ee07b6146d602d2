"""Outlook and Microsoft 365 through Microsoft Graph.

Follows https://learn.microsoft.com/graph/api/user-sendmail (the MIME form: the body
is the base64 of the RFC 2822 message with ``Content-Type: text/plain``, which keeps
our Message-ID and threading headers; 202 Accepted, no body), the Sent Items look-up
by ``internetMessageId`` (https://learn.microsoft.com/graph/api/user-list-messages,
``$filter``), ``GET /me``, and throttling
(https://learn.microsoft.com/graph/throttling, Exchange limits: 30 messages a minute,
4 concurrent requests per mailbox): 429 and 503 with ``Retry-After``.

Graph's sendMail is asynchronous: a 202 means Exchange took the message, and its copy
reaches Sent Items a little later, so an absence proves nothing until some time has
passed (:attr:`OutlookTransport.lookup_delays`).
"""

from __future__ import annotations

import base64

import httpx

from backend.email.providers.base import (
    Ambiguous,
    Credentials,
    Found,
    Handover,
    Lookup,
    Reconnect,
    Refused,
    Retry,
    Sent,
)
from backend.email.providers.http import BearerSession, OnChange, error_json, retry_after
from backend.email.providers.mime import Outgoing
from backend.email.providers.oauth import TokenEndpoint

MAX_MESSAGE_BYTES = 3 * 1024 * 1024
"""sendMail takes at most 4 MB in one request; base64 makes 3 MB of message 4 MB."""


class OutlookTransport:
    lookup_delays: tuple[float, ...] = (5.0, 30.0, 120.0, 300.0)

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        endpoint: TokenEndpoint,
        creds: Credentials,
        on_change: OnChange,
        timeout: float,
    ) -> None:
        self.base = f"{api_url}/v1.0/me"
        self.session = BearerSession(http, endpoint, creds, on_change, timeout)

    async def check(self) -> str:
        response = await self.session.call("GET", self.base)
        self._raise_for(response, sending=False)
        body = response.json()
        return str(body.get("mail") or body.get("userPrincipalName"))

    async def send(self, message: Outgoing, handover: Handover) -> Sent:
        content = base64.b64encode(message.mime(with_bcc=True))
        response = await self.session.call(
            "POST",
            f"{self.base}/sendMail",
            content=content,
            headers={"Content-Type": "text/plain"},
            handover=handover,
        )
        if response.status_code == 202 and response.headers.get("retry-after"):
            raise Ambiguous(
                "accepted_later",
                "Graph accepted the message but asked to check back later.",
                check_after=retry_after(response),
            )
        self._raise_for(response, sending=True)
        return Sent()

    async def find_sent(self, message_id: str) -> Lookup:
        quoted = message_id.replace("'", "''")
        response = await self.session.call(
            "GET",
            f"{self.base}/mailFolders/SentItems/messages",
            params={
                "$filter": f"internetMessageId eq '{quoted}'",
                "$select": "id,conversationId,internetMessageId",
                "$top": "5",
            },
        )
        self._raise_for(response, sending=False)
        items = response.json().get("value") or []
        if not items:
            return Lookup(Found.NO, detail="Sent Items has no message with this Message-ID")
        first = items[0]
        return Lookup(
            Found.YES,
            Sent(
                provider_message_id=first.get("id"), provider_thread_id=first.get("conversationId")
            ),
            detail="found in Sent Items by its internetMessageId",
        )

    def _raise_for(self, response: httpx.Response, *, sending: bool) -> None:
        status = response.status_code
        if status < 300:
            return
        error = error_json(response)
        code = str(error.get("code") or status)
        text = f"{code}: {str(error.get('message') or '')[:300]}"
        if status == 401:
            raise Reconnect("grant_revoked", f"Microsoft refused this mailbox's sign-in ({text}).")
        if status == 403:
            raise Reconnect("not_permitted", f"Microsoft does not let this mailbox send ({text}).")
        if status in (429, 503):
            raise Retry(
                "rate_limited",
                f"Microsoft asks to slow down ({text}).",
                retry_after=retry_after(response) or 30.0,
                mailbox_wide=True,
            )
        if status >= 500:
            if sending:
                raise Ambiguous("provider_error", f"Microsoft answered {status} ({text}).")
            raise Retry(
                "provider_error",
                f"Microsoft answered {status} ({text}).",
                retry_after=retry_after(response),
            )
        if status == 413:
            raise Refused("too_large", f"Microsoft refused the message as too large ({text}).")
        raise Refused("refused", f"Microsoft refused the message ({text}).")

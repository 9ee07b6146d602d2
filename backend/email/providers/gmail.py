"""Gmail through the Gmail API.

Follows https://developers.google.com/gmail/api/reference/rest/v1/users.messages/send
(``{"raw": base64url RFC 2822, "threadId"}``), users.messages.list with
``q=rfc822msgid:<id>`` (https://support.google.com/mail/answer/7190 search operators),
users.getProfile, and the documented errors
(https://developers.google.com/gmail/api/guides/handle-errors): 401 invalid
credentials, 403 ``userRateLimitExceeded``/``rateLimitExceeded``/``dailyLimitExceeded``,
429, 5xx (``backendError``: retry with backoff; the send may have been taken, so look
it up first).
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

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""Gmail's limit for a message with its attachments."""
RATE_REASONS = {"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"}


class GmailTransport:
    lookup_delays: tuple[float, ...] = (0.0, 5.0, 30.0)
    """The API's send is synchronous; the search index may lag a little."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        endpoint: TokenEndpoint,
        creds: Credentials,
        on_change: OnChange,
        timeout: float,
    ) -> None:
        self.base = f"{api_url}/gmail/v1/users/me"
        self.session = BearerSession(http, endpoint, creds, on_change, timeout)

    async def check(self) -> str:
        response = await self.session.call("GET", f"{self.base}/profile")
        self._raise_for(response, sending=False)
        return str(response.json()["emailAddress"])

    async def send(self, message: Outgoing, handover: Handover) -> Sent:
        raw = base64.urlsafe_b64encode(message.mime(with_bcc=True)).decode()
        body: dict[str, str] = {"raw": raw}
        if message.thread_id:
            body["threadId"] = message.thread_id
        response = await self.session.call(
            "POST", f"{self.base}/messages/send", json=body, handover=handover
        )
        self._raise_for(response, sending=True)
        data = response.json()
        return Sent(provider_message_id=data.get("id"), provider_thread_id=data.get("threadId"))

    async def find_sent(self, message_id: str) -> Lookup:
        response = await self.session.call(
            "GET",
            f"{self.base}/messages",
            params={
                "q": f"rfc822msgid:{message_id}",
                "maxResults": "5",
                "includeSpamTrash": "true",
            },
        )
        self._raise_for(response, sending=False)
        items = response.json().get("messages") or []
        if not items:
            return Lookup(Found.NO, detail="Gmail has no message with this Message-ID")
        first = items[0]
        return Lookup(
            Found.YES,
            Sent(provider_message_id=first.get("id"), provider_thread_id=first.get("threadId")),
            detail="found in Gmail by its Message-ID",
        )

    def _raise_for(self, response: httpx.Response, *, sending: bool) -> None:
        status = response.status_code
        if status < 300:
            return
        error = error_json(response)
        reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
        text = str(error.get("message") or f"Gmail answered {status}")[:300]
        if status == 401:
            raise Reconnect("grant_revoked", f"Gmail refused this mailbox's sign-in ({text}).")
        if status == 429 or (status == 403 and reasons & RATE_REASONS):
            raise Retry(
                "rate_limited",
                f"Gmail asks to slow down ({text}).",
                retry_after=retry_after(response) or 60.0,
                mailbox_wide=True,
            )
        if status == 403 and "dailyLimitExceeded" in reasons:
            raise Retry(
                "daily_limit",
                f"Gmail's daily sending limit is reached ({text}).",
                retry_after=retry_after(response) or 3600.0,
                mailbox_wide=True,
            )
        if status == 403:
            raise Reconnect("not_permitted", f"Gmail does not let this mailbox send ({text}).")
        if status >= 500:
            if sending:
                raise Ambiguous("provider_error", f"Gmail answered {status} ({text}).")
            raise Retry(
                "provider_error",
                f"Gmail answered {status} ({text}).",
                retry_after=retry_after(response),
            )
        if status == 413:
            raise Refused("too_large", f"Gmail refused the message as too large ({text}).")
        raise Refused("refused", f"Gmail refused the message ({text}).")

"""Refreshing OAuth access tokens on the server (the desktop got the grant).

Google (https://developers.google.com/identity/protocols/oauth2/native-app#offline)
and the Microsoft identity platform
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token)
both take ``grant_type=refresh_token`` at their token endpoint and answer
``invalid_grant`` when the grant was revoked or expired: the mailbox then needs
reconnecting. Microsoft rotates refresh tokens (a new one comes with each answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from backend.email.providers.base import Credentials, Reconnect, Retry

EARLY = timedelta(seconds=120)
"""Refresh this long before the access token expires (clocks differ, requests take time)."""

GMAIL_SCOPES = (
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.readonly",
)
"""Send, and read (the Sent-folder look-up, reply detection). ``openid email`` name the
account."""
GRAPH_SCOPES = (
    "https://graph.microsoft.com/Mail.Send",
    "https://graph.microsoft.com/Mail.Read",
    "https://graph.microsoft.com/User.Read",  # GET /me: whose mailbox it is, on connect
    "offline_access",
)


@dataclass(frozen=True)
class TokenEndpoint:
    url: str
    client_id: str
    client_secret: str = ""
    scope: str = ""
    """Microsoft wants the scopes again on a refresh; Google does not."""

    async def refresh(self, http: httpx.AsyncClient, creds: Credentials) -> None:
        """Get a new access token into ``creds``.

        Raises:
            Reconnect: the grant no longer works (revoked, expired, password changed).
            Retry: the endpoint is unreachable or failing for now.
        """
        if not creds.refresh_token:
            raise Reconnect("no_refresh_token", "The mailbox has no refresh token; reconnect it.")
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": self.client_id,
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        if self.scope:
            form["scope"] = self.scope
        try:
            response = await http.post(self.url, data=form, timeout=20)
        except httpx.HTTPError as exc:
            raise Retry(
                "token_endpoint_unreachable",
                f"The sign-in server is unreachable ({exc.__class__.__name__}).",
            ) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Retry(
                "token_endpoint_failing",
                f"The sign-in server answered {response.status_code}.",
                retry_after=_retry_after(response),
            )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            error = str(body.get("error", response.status_code))
            description = str(body.get("error_description", "")).split("\r\n")[0][:300]
            if error in (
                "invalid_grant",
                "invalid_client",
                "unauthorized_client",
                "interaction_required",
            ):
                raise Reconnect(
                    "grant_revoked",
                    f"The provider no longer accepts this mailbox's sign-in ({error}"
                    f"{': ' + description if description else ''}); reconnect it.",
                )
            raise Retry(
                "token_refresh_failed", f"The sign-in server refused the refresh ({error})."
            )
        creds.access_token = str(body["access_token"])
        if body.get("refresh_token"):
            creds.refresh_token = str(body["refresh_token"])
        creds.expires_at = datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 3600)))


def needs_refresh(creds: Credentials) -> bool:
    return (
        not creds.access_token
        or creds.expires_at is None
        or creds.expires_at - EARLY <= datetime.now(UTC)
    )


def _retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"))


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())

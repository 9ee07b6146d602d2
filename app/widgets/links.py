"""Values that act when clicked: an email opens the mail client, a phone number the
dialer, a website the browser (the system's handlers, through Qt)."""

from __future__ import annotations

from app.qt.core import QUrl
from app.qt.gui import QDesktopServices


def mail_link(address: str) -> str:
    """``ada@ex.com`` → ``mailto:ada@ex.com``."""
    return f"mailto:{address.strip()}"


def phone_link(number: str) -> str:
    """``+1 (412) 555-0141`` → ``tel:+14125550141`` (what dialers read)."""
    kept = "".join(char for char in number if char.isdigit() or char == "+")
    return f"tel:{kept}"


def web_link(domain_or_url: str) -> str:
    """``acme.com`` → ``https://acme.com``; a whole address stays as it is."""
    text = domain_or_url.strip()
    return text if "://" in text else f"https://{text}"


def open_link(url: str) -> bool:
    """Hand ``url`` to the system (mail client, dialer, browser); ``False`` if none took it."""
    return QDesktopServices.openUrl(QUrl(url))

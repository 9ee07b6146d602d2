"""The rules of the SMTP/IMAP form, without Qt: what each field must be (checked as the
user types, the same as the server checks), the usual ports for each kind of security,
and the servers most providers use.

The form changes a port by itself only while the port is still the usual one for the
security chosen before: a port the user typed stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.api.mailboxes import Security, SmtpSettings

SECURITY_CHOICES: tuple[tuple[Security, str], ...] = (
    ("starttls", "STARTTLS (usually port 587)"),
    ("tls", "TLS from the start (usually port 465)"),
    ("none", "None: unencrypted (not recommended)"),
)
IMAP_SECURITY_CHOICES: tuple[tuple[Security, str], ...] = (
    ("tls", "TLS from the start (usually port 993)"),
    ("starttls", "STARTTLS (usually port 143)"),
    ("none", "None: unencrypted (not recommended)"),
)

SMTP_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}
IMAP_PORTS: dict[str, int] = {"tls": 993, "starttls": 143, "none": 143}

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_EMAIL = re.compile(
    r"^[^@\s]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*\.[A-Za-z]+$"
)

KNOWN_SERVERS: dict[str, tuple[str, str]] = {
    "gmail.com": ("smtp.gmail.com", "imap.gmail.com"),
    "googlemail.com": ("smtp.gmail.com", "imap.gmail.com"),
    "outlook.com": ("smtp-mail.outlook.com", "outlook.office365.com"),
    "hotmail.com": ("smtp-mail.outlook.com", "outlook.office365.com"),
    "live.com": ("smtp-mail.outlook.com", "outlook.office365.com"),
    "yahoo.com": ("smtp.mail.yahoo.com", "imap.mail.yahoo.com"),
    "icloud.com": ("smtp.mail.me.com", "imap.mail.me.com"),
    "me.com": ("smtp.mail.me.com", "imap.mail.me.com"),
    "fastmail.com": ("smtp.fastmail.com", "imap.fastmail.com"),
    "zoho.com": ("smtp.zoho.com", "imap.zoho.com"),
}
"""The submission and IMAP servers of well-known providers, by the address's domain."""


def check_email(text: str) -> str:
    """What is wrong with an email address as typed (``""``: nothing)."""
    value = text.strip()
    if not value:
        return "Enter the address you send from."
    if not _EMAIL.match(value):
        return "This is not an email address (name@company.com)."
    return ""


def check_host(text: str, *, required: bool = True) -> str:
    """What is wrong with a server name as typed (``""``: nothing)."""
    value = text.strip()
    if not value:
        return "Enter the server's name, e.g. smtp.example.com." if required else ""
    if "://" in value or "/" in value:
        return "Enter the server's name only, without http:// or a path."
    if ":" in value:
        return "Enter the port in the Port field, not after the name."
    if " " in value:
        return "A server name has no spaces."
    if len(value) > 253 or not _HOST.match(value) or ".." in value:
        return "This is not a server name (letters, digits, dots and hyphens)."
    return ""


def check_port(text: str) -> str:
    """What is wrong with a port as typed (``""``: nothing)."""
    value = text.strip()
    if not value:
        return "Enter the port (587 for STARTTLS, 465 for TLS)."
    if not value.isdigit():
        return "A port is a whole number."
    if not 1 <= int(value) <= 65535:
        return "A port is between 1 and 65535."
    return ""


def check_required(text: str, what: str) -> str:
    """``"Enter the <what>."`` when ``text`` is empty."""
    return f"Enter the {what}." if not text.strip() else ""


def servers_for(email: str) -> tuple[str, str]:
    """The SMTP and IMAP servers an address most likely uses: a known provider's, else
    ``smtp.<domain>`` and ``imap.<domain>`` (``("", "")`` for no address yet)."""
    domain = email.strip().rpartition("@")[2].lower()
    if not domain or "." not in domain:
        return "", ""
    return KNOWN_SERVERS.get(domain, (f"smtp.{domain}", f"imap.{domain}"))


@dataclass
class SmtpForm:
    """What the SMTP/IMAP form holds, and the rules that tie its fields together.

    Attributes:
        email: The address sent from.
        display_name: The name recipients see.
        smtp_host: The submission server.
        smtp_port: Its port, as typed.
        smtp_security: ``starttls``, ``tls`` or ``none``.
        username: The sign-in name (the address unless the user types another).
        password: The password or app password.
        use_imap: Whether the account's IMAP server is given.
        imap_host: The IMAP server.
        imap_port: Its port, as typed.
        imap_security: How the IMAP connection is protected.
        touched: The fields the user typed in themselves (those never change by
            themselves).
    """

    email: str = ""
    display_name: str = ""
    smtp_host: str = ""
    smtp_port: str = str(SMTP_PORTS["starttls"])
    smtp_security: Security = "starttls"
    username: str = ""
    password: str = ""
    use_imap: bool = True
    imap_host: str = ""
    imap_port: str = str(IMAP_PORTS["tls"])
    imap_security: Security = "tls"
    touched: set[str] = field(default_factory=set)

    def set_email(self, email: str) -> None:
        """A new address: the user name and the servers follow it until typed in."""
        self.email = email
        smtp, imap = servers_for(email)
        if "username" not in self.touched:
            self.username = email.strip()
        if "smtp_host" not in self.touched:
            self.smtp_host = smtp
        if "imap_host" not in self.touched:
            self.imap_host = imap

    def set_smtp_security(self, security: Security) -> None:
        """New security: the port follows while it is the usual one for the old one."""
        if self.smtp_port.strip() in ("", str(SMTP_PORTS[self.smtp_security])):
            self.smtp_port = str(SMTP_PORTS[security])
        self.smtp_security = security

    def set_imap_security(self, security: Security) -> None:
        """New IMAP security: the IMAP port follows while it is the usual one."""
        if self.imap_port.strip() in ("", str(IMAP_PORTS[self.imap_security])):
            self.imap_port = str(IMAP_PORTS[security])
        self.imap_security = security

    def typed(self, name: str, value: str) -> None:
        """The user typed ``value`` in field ``name`` (it will not change by itself now)."""
        self.touched.add(name)
        setattr(self, name, value)

    def problems(self, *, with_password: bool = True) -> dict[str, str]:
        """Each field's problem (by the server's field names); empty when all is well."""
        found = {
            "email": check_email(self.email),
            "smtp_host": check_host(self.smtp_host),
            "smtp_port": check_port(self.smtp_port),
            "username": check_required(self.username, "user name"),
        }
        if with_password:
            found["password"] = check_required(self.password, "password or app password")
        if self.use_imap:
            found["imap_host"] = check_host(self.imap_host)
            found["imap_port"] = check_port(self.imap_port)
        return {name: text for name, text in found.items() if text}

    def problem_of(self, name: str) -> str:
        """The problem of one field (``""``: none), for checking as the user goes."""
        return self.problems().get(name, "")

    def settings(self) -> SmtpSettings:
        """What ``POST /mailboxes`` is sent (check :meth:`problems` first).

        Raises:
            ValueError: A field has a problem.
        """
        problems = self.problems()
        if problems:
            raise ValueError(f"the form has problems: {sorted(problems)}")
        return SmtpSettings(
            email=self.email.strip(),
            display_name=self.display_name.strip(),
            smtp_host=self.smtp_host.strip(),
            smtp_port=int(self.smtp_port),
            smtp_security=self.smtp_security,
            username=self.username.strip(),
            password=self.password,
            imap_host=self.imap_host.strip() if self.use_imap else None,
            imap_port=int(self.imap_port) if self.use_imap else None,
            imap_security=self.imap_security if self.use_imap else None,
        )

    def changes_from(self, settings: SmtpSettings) -> dict[str, object]:
        """The settings of ``PATCH /mailboxes/{id}`` that differ from ``settings`` (a
        mailbox being reconnected), the password always."""
        new = self.settings()
        changes: dict[str, object] = {"password": new.password}
        for name in ("display_name", "smtp_host", "smtp_port", "smtp_security", "username"):
            if getattr(new, name) != getattr(settings, name):
                changes[name] = getattr(new, name)
        if new.imap_host and (
            (new.imap_host, new.imap_port, new.imap_security)
            != (settings.imap_host, settings.imap_port, settings.imap_security)
        ):
            changes.update(
                imap_host=new.imap_host, imap_port=new.imap_port, imap_security=new.imap_security
            )
        return changes

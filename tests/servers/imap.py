"""A real IMAP server for the tests: Debian's dovecot, started under a folder of its own.

Each :class:`IMAPServer` writes its own ``dovecot.conf`` (nothing under ``/etc`` is
read or changed), listens on 127.0.0.1 on two free ports — IMAP with STARTTLS and
IMAPS — with the test CA's certificate, keeps Maildirs and its log in its folder, and
authenticates against a ``passwd-file`` of test users. Every user has the special-use
folders ``Sent`` (``\\Sent``), ``Drafts`` and ``Trash``.

It runs as root (dovecot's own ``dovecot``/``dovenull`` users for its processes, mail
owned by ``nobody``, in a folder under ``/tmp`` that those users can reach — root's
``mktemp -d`` folders are 0700 and pytest's are under one) and as a normal user
(every process as that user). The helpers speak IMAP to it (``imaplib``: LOGIN,
APPEND, ``UID SEARCH HEADER``) rather than writing Maildir files behind its back.

When dovecot is missing, :meth:`IMAPServer.start` raises :class:`DovecotMissing`
naming the package (``make test`` installs it when run as root).
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Self

from tests.fakes.faults import parse_message
from tests.fakes.tls import LocalCA, local_ca

__all__ = ["DovecotMissing", "IMAPServer", "dovecot_binary", "running"]

Security = Literal["imaps", "starttls", "plain"]
INSTALL_HINT = "apt-get install dovecot-imapd"


class DovecotMissing(RuntimeError):
    """dovecot is not installed on this machine."""


def dovecot_binary(path: str | None = None) -> str:
    """Finds dovecot on ``path`` (default: ``PATH`` plus the sbin folders it lives in).

    Returns:
        The path of the ``dovecot`` executable.

    Raises:
        DovecotMissing: Naming the package to install.
    """
    if path is None:
        path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    found = shutil.which("dovecot", path=path)
    if found is None:
        raise DovecotMissing(
            "The IMAP tests run a real dovecot, which is not installed. Install it with "
            f"`{INSTALL_HINT}` (as root; `make test` does this itself when run as root)."
        )
    return found


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class IMAPServer:
    """One dovecot instance.

        Args:
            users: Login → password (logins are e-mail addresses).
            tls: The CA whose server certificate dovecot presents (default :func:`local_ca`).
            plaintext_auth: Allow LOGIN on a connection without TLS (refused otherwise, as
                ``auth_failure_delay = 200 msecs
    disable_plaintext_auth = yes`` does).
            host: The loopback address to listen on. dovecot treats a client at its own
                address as secure and lets it LOGIN in plain text whatever the settings; on
                ``127.0.0.2`` the client comes from 127.0.0.1, so a plain LOGIN is refused as
                a remote server would refuse it (the test certificate covers both).
    """

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        *,
        tls: LocalCA | None = None,
        plaintext_auth: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.users = dict(users or {"alice@example.com": "app-password"})
        self.tls = tls or local_ca()
        self.plaintext_auth = plaintext_auth
        self.host = host
        self.port = self.tls_port = 0
        self.folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``imap://127.0.0.1:<port>`` (STARTTLS port; IMAPS is :attr:`tls_port`)."""
        return f"imap://{self.host}:{self.port}"

    @property
    def log(self) -> str:
        """dovecot's log so far (for a failing test's message)."""
        path = self.folder / "dovecot.log" if self.folder else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    # ------------------------------------------------------------ users and helpers

    def add_user(self, login: str, password: str) -> None:
        """Adds a user (dovecot re-reads the passwd-file when it changes)."""
        self.users[login] = password
        if self.folder is not None:
            self._write_users()
        if self._process is not None:
            # dovecot looks at a passwd-file at most once a second: a reload makes
            # its auth process read the new one at once.
            self._process.send_signal(signal.SIGHUP)

    def connect(self, login: str, password: str | None = None, *, security: Security = "imaps",
                timeout: float = 10) -> imaplib.IMAP4:  # fmt: skip
        """Returns:
        An ``imaplib`` connection, logged in as ``login``.

        Raises:
            imaplib.IMAP4.error: When the login is refused.
        """
        context = self.tls.client_context()
        client: imaplib.IMAP4
        if security == "imaps":
            client = imaplib.IMAP4_SSL(
                self.host, self.tls_port, ssl_context=context, timeout=timeout
            )
        else:
            client = imaplib.IMAP4(self.host, self.port, timeout=timeout)
            if security == "starttls":
                client.starttls(ssl_context=context)
        try:
            client.login(login, password if password is not None else self.users[login])
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    @contextlib.contextmanager
    def session(self, login: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection for the ``with`` block (logged out after)."""
        client = self.connect(login)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, login: str, folder: str, raw: bytes, flags: str = r"(\Seen)") -> None:
        """APPENDs ``raw`` to ``login``'s ``folder`` (how SMTP providers file sent mail)."""
        with self.session(login) as client:
            status, detail = client.append(_quote(folder), flags, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} failed: {detail!r}")

    def deliver(self, login: str, raw: bytes | EmailMessage) -> None:
        """Puts an inbound message (a reply) into ``login``'s INBOX, unseen."""
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        self.append(login, "INBOX", data, "()")

    def search_message_id(self, login: str, message_id: str, folder: str = "Sent") -> list[int]:
        """Returns:
        The UIDs in ``folder`` whose ``Message-ID`` header contains ``message_id``
        (``UID SEARCH HEADER Message-ID``, the lookup the send worker makes)."""
        with self.session(login) as client:
            client.select(_quote(folder), readonly=True)
            status, data = client.uid("SEARCH", "HEADER", "Message-ID", _quote(message_id))
            if status != "OK":
                raise RuntimeError(f"SEARCH failed: {data!r}")
            return [int(uid) for uid in (data[0] or b"").split()]

    def messages(self, login: str, folder: str = "Sent") -> list[EmailMessage]:
        """Returns:
        The messages of ``login``'s ``folder``, oldest first."""
        with self.session(login) as client:
            client.select(_quote(folder), readonly=True)
            status, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            found = []
            for item in data if status == "OK" else []:
                if isinstance(item, tuple):
                    found.append(parse_message(item[1]))
            return found

    # ------------------------------------------------------------ lifecycle

    def _identity(self) -> tuple[str, str, str, int, int]:
        """(internal user, its group, login user, mail uid, mail gid) for dovecot's processes."""
        if os.geteuid() == 0:
            nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            return "dovecot", "dovecot", "dovenull", nobody, nogroup
        me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        return me, group, me, os.getuid(), os.getgid()

    def _write_users(self) -> None:
        assert self.folder is not None
        _, _, _, uid, gid = self._identity()
        lines = [f"{login}:{{PLAIN}}{password}:{uid}:{gid}::{self.folder / 'mail' / login}::\n"
                 for login, password in self.users.items()]  # fmt: skip
        path = self.folder / "users"
        before = path.stat().st_mtime if path.exists() else 0.0
        fresh = path.with_suffix(".new")
        fresh.write_text("".join(lines))
        os.chmod(fresh, 0o644)
        # dovecot reloads a passwd-file whose mtime changed (in whole seconds).
        stamp = max(time.time(), before + 1)
        os.utime(fresh, (stamp, stamp))
        fresh.replace(path)

    def _config(self, internal: str, group: str, login_user: str, uid: int) -> str:
        assert self.folder is not None
        dh = Path("/usr/share/dovecot/dh.pem")
        # Unprivileged, dovecot cannot chroot its login and anvil processes.
        chroot = "" if os.geteuid() == 0 else "chroot ="
        return f"""\
protocols = imap
listen = {self.host}
base_dir = {self.folder / "run"}
state_dir = {self.folder / "state"}
instance_name = salesos-test-{self.port}
log_path = {self.folder / "dovecot.log"}
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {min(uid, 100)}
mail_location = maildir:~/Maildir
mail_privileged_group =
ssl = yes
ssl_cert = <{self.tls.cert_chain}
ssl_key = <{self.tls.private_key}
{f"ssl_dh = <{dh}" if dh.exists() else ""}
ssl_min_protocol = TLSv1.2
auth_failure_delay = 1 secs
disable_plaintext_auth = {"no" if self.plaintext_auth else "yes"}
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.folder / "users"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.folder / "users"}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service anvil {{
  {chroot}
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.tls_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

    def start(self) -> None:
        """Writes the configuration and starts dovecot (returns once it greets).

        Raises:
            DovecotMissing: When dovecot is not installed.
            RuntimeError: When it does not start (with its log).
        """
        binary = dovecot_binary()
        internal, group, login_user, uid, gid = self._identity()
        # A short path (unix socket names are limited to 108 bytes) that the mail user
        # can traverse: /tmp is 1777 and the folder is made 0755.
        self.folder = Path(tempfile.mkdtemp(prefix="salesos-dovecot-", dir="/tmp"))
        os.chmod(self.folder, 0o755)
        mail = self.folder / "mail"
        mail.mkdir()
        os.chown(mail, uid, gid)
        self.port, self.tls_port = _free_port(self.host), _free_port(self.host)
        self._write_users()
        config = self.folder / "dovecot.conf"
        config.write_text(self._config(internal, group, login_user, uid))
        self._process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self._process.poll() is None:
            if "Fatal:" in self.log:
                break
            if self._greets():
                return
            time.sleep(0.05)
        output = b""
        if self._process.poll() is not None and self._process.stdout is not None:
            output = self._process.stdout.read()
        problem = f"dovecot did not start: {output.decode(errors='replace')}{self.log}"
        self.stop()
        raise RuntimeError(problem)

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), 0.5) as sock:
                return sock.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        """Stops the dovecot this object started and removes its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # The master and every process it forked share the group it leads (its own
            # session): stopping them together skips the master's one-second wind-down.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(
    users: Mapping[str, str] | None = None, *, plaintext_auth: bool = False, host: str = "127.0.0.1"
) -> Iterator[IMAPServer]:
    """Runs a dovecot for the ``with`` block.

    Yields:
        The server (``.host``, ``.port`` (STARTTLS), ``.tls_port`` (IMAPS), helpers).
    """
    with IMAPServer(users, plaintext_auth=plaintext_auth, host=host) as server:
        yield server

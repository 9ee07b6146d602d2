"""A local certificate authority for the servers the tests run over TLS.

One CA per test process (``trustme``), with one server certificate valid for
``127.0.0.1``, ``::1`` and ``localhost``. Its files live in a temporary folder
that is readable by the system users a server may drop to when the tests run as
root (dovecot's ``dovenull``), and is removed at interpreter exit.

Clients trust it through :attr:`LocalCA.ca_bundle` (a PEM path: ``httpx``'s
``verify=ssl_context``, ``requests``' ``verify=path``, ``msal``'s ``verify=path``,
``aiosmtplib``'s ``tls_context``, ``imaplib``'s ``ssl_context``) or
:meth:`LocalCA.client_context`.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme

__all__ = ["LocalCA", "local_ca"]


@dataclass(frozen=True)
class LocalCA:
    """The test CA and the one server identity it issued, as files and SSL contexts.

    Attributes:
        ca_bundle: PEM file of the CA certificate (what clients trust).
        cert_chain: PEM file of the server certificate followed by the CA's.
        private_key: PEM file of the server's private key.
    """

    ca: trustme.CA
    server: trustme.LeafCert
    ca_bundle: Path
    cert_chain: Path
    private_key: Path

    def server_context(self) -> ssl.SSLContext:
        """Returns:
        A new server-side context presenting the server certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Returns:
        A new client-side context that trusts this CA only (hostname checked)."""
        return ssl.create_default_context(cafile=str(self.ca_bundle))


@functools.cache
def local_ca() -> LocalCA:
    """The process-wide test CA (created on first use).

    Returns:
        The CA and its files.
    """
    ca = trustme.CA(organization_name="SalesOS tests")
    server = ca.issue_cert("127.0.0.1", "127.0.0.2", "::1", "localhost")
    folder = Path(tempfile.mkdtemp(prefix="salesos-tls-"))
    atexit.register(shutil.rmtree, folder, True)
    # mkdtemp makes it 0700; servers that drop privileges (dovecot's login processes)
    # only need the files their master reads as root, but a non-root dovecot reads
    # them as the current user, so 0755/0644 serves both. The key is test-only.
    os.chmod(folder, 0o755)
    ca_bundle = folder / "ca.pem"
    cert_chain = folder / "server-chain.pem"
    private_key = folder / "server-key.pem"
    ca.cert_pem.write_to_path(str(ca_bundle))
    with cert_chain.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    server.private_key_pem.write_to_path(str(private_key))
    for path in (ca_bundle, cert_chain, private_key):
        os.chmod(path, 0o644)
    return LocalCA(ca, server, ca_bundle, cert_chain, private_key)

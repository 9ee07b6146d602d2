"""Secrets at rest: provider tokens and mailbox passwords, encrypted in the database.

A :class:`SecretBox` encrypts with AES-256-GCM (``cryptography``) under a key derived
from ``SALESOS_SECRET_KEY`` by HKDF-SHA256. Each ciphertext is stored beside the id of
the key that made it (:class:`Sealed`), so the secret key can rotate: put the old one
in ``SALESOS_PREVIOUS_SECRET_KEYS`` and set a new ``SALESOS_SECRET_KEY``; what was
sealed under the old key still opens, and is sealed again under the new one the next
time it is written (a token refresh does that within the hour). The row's id is bound
to its ciphertext as associated data, so a ciphertext copied to another row does not
open there.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"salesos secrets at rest v1"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed value cannot be opened: its key is not configured, or it was altered."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext (nonce + AES-GCM output) and the id of the key that sealed it."""

    key_id: str
    ciphertext: bytes


def _derive(secret: str) -> tuple[str, bytes]:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return hashlib.sha256(key).hexdigest()[:12], key


class SecretBox:
    """Seals and opens secrets of one purpose (``context``: e.g. ``"email.mailbox"``).

    Args:
        secret_key: The current ``SALESOS_SECRET_KEY``.
        previous_keys: Keys that sealed values still stored (rotation).
    """

    def __init__(self, secret_key: str, previous_keys: tuple[str, ...] = ()) -> None:
        self.key_id, self._key = _derive(secret_key)
        self._keys = dict(_derive(k) for k in previous_keys)
        self._keys[self.key_id] = self._key

    def seal(self, value: dict[str, Any], *, context: str, row: str) -> Sealed:
        """Encrypt a JSON-able mapping for the row ``row`` under the current key."""
        nonce = os.urandom(_NONCE_BYTES)
        data = json.dumps(value, separators=(",", ":")).encode()
        sealed = AESGCM(self._key).encrypt(nonce, data, f"{context}:{row}".encode())
        return Sealed(self.key_id, nonce + sealed)

    def open(self, sealed: Sealed, *, context: str, row: str) -> dict[str, Any]:
        """Decrypt what :meth:`seal` made for the same ``context`` and ``row``.

        Raises:
            SecretUnreadable: the key id is unknown here, or the ciphertext was altered
                or belongs to another row.
        """
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise SecretUnreadable(
                f"sealed under key {sealed.key_id}, which is neither SALESOS_SECRET_KEY nor "
                "in SALESOS_PREVIOUS_SECRET_KEYS"
            )
        nonce, body = sealed.ciphertext[:_NONCE_BYTES], sealed.ciphertext[_NONCE_BYTES:]
        try:
            data = AESGCM(key).decrypt(nonce, body, f"{context}:{row}".encode())
        except InvalidTag as exc:
            raise SecretUnreadable("the sealed value was altered or belongs elsewhere") from exc
        value: dict[str, Any] = json.loads(data)
        return value

    def is_current(self, sealed: Sealed) -> bool:
        """Whether ``sealed`` is under the current key (else: seal it again)."""
        return sealed.key_id == self.key_id

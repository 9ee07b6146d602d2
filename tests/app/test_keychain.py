"""Saved sign-ins go to the OS keyring, and only to a keyring that really keeps them."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from app.keychain import Keychain, keyring_usable
from tests.app.support import MemoryKeyring


class PlainTextish(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]  # "not recommended", like a plain-text file


class TestKeychain:
    async def test_save_load_forget(self, memory_keyring: MemoryKeyring) -> None:
        chain = Keychain()
        assert await chain.available()
        await chain.save("https://sales.example.com", "a@b.co", "token-1")
        await chain.save("https://sales.example.com", "a@b.co", "token-2")  # replaces
        assert memory_keyring.secrets == {
            ("SalesOS (https://sales.example.com)", "a@b.co"): "token-2"
        }
        assert await chain.load("https://sales.example.com", "a@b.co") == "token-2"
        assert await chain.load("this-computer", "a@b.co") is None
        await chain.forget("https://sales.example.com", "a@b.co")
        await chain.forget("https://sales.example.com", "a@b.co")  # nothing there: fine
        assert memory_keyring.secrets == {}
        chain.close()

    async def test_without_a_keyring_nothing_is_kept_and_nothing_fails(self) -> None:
        keyring.set_keyring(fail.Keyring())
        chain = Keychain()
        assert not await chain.available()
        await chain.save("this-computer", "a@b.co", "token")
        assert await chain.load("this-computer", "a@b.co") is None
        await chain.forget("this-computer", "a@b.co")
        chain.close()

    @pytest.mark.parametrize(
        ("backend", "usable"),
        [
            (MemoryKeyring(), True),
            (PlainTextish(), False),
            (fail.Keyring(), False),
            (null.Keyring(), False),
        ],
        ids=["recommended", "not-recommended", "fail", "null"],
    )
    def test_which_keyrings_count(self, backend: KeyringBackend, usable: bool) -> None:
        assert keyring_usable(backend) is usable

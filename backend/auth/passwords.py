"""Password hashing (argon2id, OWASP parameters) and the password policy."""

from __future__ import annotations

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from backend.kit.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3
"""zxcvbn's scale 0-4; 3 is "safely unguessable: moderate protection from an offline
slow-hash attack" (its authors' reading), what OWASP asks a strength meter for."""
ESTIMATE_CHARS = 64
"""zxcvbn's cost grows with length; a longer password is at least as strong as its
first 64 characters."""

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (~28 ms here).
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

# At most one hash per core at a time: a burst of logins queues here instead of
# starving the machine (a thread pool, not a semaphore: it serves every event loop).
_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's ranked list of the 30,000 most common passwords (maintained upstream).
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


# A hash of a random password: verifying against it when the email is unknown
# costs the same as a real verification (no timing oracle).
_DUMMY_HASH = HASHER.hash(os.urandom(16).hex())


def check_policy(
    password: str, field: str = "body.password", user_inputs: tuple[str, ...] = ()
) -> None:
    """Length 8..128, not one of the most common passwords, and hard enough to guess
    by zxcvbn's estimate (patterns, repeats, sequences, dictionary words, and what the
    user's name, email and company give away). The password is judged, and kept,
    exactly as typed.

    Raises:
        ValidationFailed: naming ``field``, with what makes it guessable and a hint.
    """
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.for_field(field, f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.for_field(field, f"must be at most {MAX_LENGTH} characters")
    if password.lower() in _common_passwords():
        raise ValidationFailed.for_field(
            field, "is one of the most common passwords; choose a less guessable one"
        )
    inputs = [part for value in user_inputs for part in value.lower().replace("@", " ").split()]
    estimate = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=[*inputs, "salesos"])
    if estimate["score"] < MIN_SCORE:
        feedback = estimate["feedback"]
        warning = str(feedback.get("warning") or "").rstrip(".")
        hint = " ".join(feedback.get("suggestions") or ["Add another word or two."])
        reason = f" ({warning.lower()})" if warning else ""
        raise ValidationFailed.for_field(field, f"is too easy to guess{reason}. {hint}")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_POOL, HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with ``password_hash=None`` burn the same time and say no."""
    target = password_hash or _DUMMY_HASH
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(_POOL, HASHER.verify, target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)

"""Password hashes: argon2id at OWASP's parameters, older scrypt hashes still accepted.

New hashes are ``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`` (OWASP Password Storage
Cheat Sheet: 19 MiB, 2 passes, 1 lane; ~20 ms on one core, 19 MiB of the web function's
512 MB). Hashes written before argon2id — ``scrypt$n=16384,r=8,p=1$<salt>$<hash>``, the
first-login passwords of earlier CSV imports — still verify, and ``needs_rehash`` says
so: a successful sign-in stores the password again at today's parameters.

``verify_password(password, None)`` (no such account, or one without a password) verifies
against a fixed hash of the current parameters: an unknown user costs the same hash
as a wrong password. argon2 is imported on first use: only the sign-in routes need it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

TIME_COST, MEMORY_KIB, LANES = 2, 19456, 1
MAX_PASSWORD_CHARS = 256
# The hash of a random password nobody knows, at the current parameters (a test checks
# they match): what an unknown user's sign-in is verified against.
DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$ogA7PiBa78yhRX2yxceYMQ$"
    "zNhmKW0dJIJuhzdwGjYqqVQC0eQHYNwCXszdTl6d3cg"
)
_SCRYPT_MAXMEM = 256 * 1024 * 1024


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=LANES)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``; a missing or unreadable hash costs the
    same as a real one and is False."""
    if stored is not None and stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    from argon2.exceptions import InvalidHashError, VerificationError

    candidate = stored if stored and stored.startswith("$argon2id$") else DUMMY_HASH
    try:
        matched = _hasher().verify(candidate, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and candidate is not DUMMY_HASH


def needs_rehash(stored: str) -> bool:
    """Stored with other parameters (or scheme) than today's."""
    if not stored.startswith("$argon2id$"):
        return True
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _, params, salt, digest = stored.split("$")
        values = dict(part.split("=") for part in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=_SCRYPT_MAXMEM,
        )
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)

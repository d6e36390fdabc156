"""Usernames: what every account is called at the sign-in page, besides its email.

Rule (docs/DATA.md): 3 to 32 characters of ``a-z 0-9 . _ -``, starting and ending with a
letter or digit, never an ``@`` (so a sign-in name with ``@`` is always an email).
Unique across the deployment, like emails, through a claim item written in the same
transaction as the account (store/claims.py).

An account's first choice comes from its email's local part (``Jane.Doe+x@school.edu``
→ ``jane.doe``), else from its names (``jane.doe``), else ``user``; accents are folded
to ASCII, any other character becomes a dot. When that is taken (or reserved), the next
choices append a random number: four digits for three tries, then eight.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MIN_LENGTH, MAX_LENGTH = 3, 32
_BASE_LENGTH = 23  # leaves room for a dot-free suffix of up to 8 digits
_OTHER = re.compile(r"[^a-z0-9]+")
_VALID = re.compile(r"[a-z0-9](?:[a-z0-9._-]{1,30})[a-z0-9]")
RESERVED = frozenset(
    {"admin", "administrator", "root", "support", "help", "security", "system", "coursebridge"}
)
FALLBACK = "user"


def normalize_username(text: str) -> str:
    """A typed username as it is keyed: trimmed, lower-case."""
    return text.strip().lower()


def is_valid(username: str) -> bool:
    return bool(_VALID.fullmatch(username))


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _OTHER.sub(".", ascii_text.lower()).strip(".")[:_BASE_LENGTH].strip(".")


def username_base(email: str | None, first_name: str = "", last_name: str = "") -> str:
    """The first choice for an account with this email and these names."""
    if email and "@" in email:
        local = email.rsplit("@", 1)[0].split("+", 1)[0]
        folded = _fold(local)
        if len(folded) >= MIN_LENGTH:
            return folded
    folded = _fold(f"{first_name} {last_name}")
    return folded if len(folded) >= MIN_LENGTH else FALLBACK


def candidate(base: str, attempt: int) -> str:
    """The ``attempt``-th choice (0: the base itself, unless reserved)."""
    if attempt == 0 and base not in RESERVED:
        return base
    digits = 4 if attempt <= 3 else 8
    low = 10 ** (digits - 1)
    return f"{base}{low + secrets.randbelow(9 * low)}"

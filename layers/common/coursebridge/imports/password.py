"""First-login passwords of an upload, kept only as a hash (accounts/passwords.py).

One hash per upload (random salt): every account created by that upload gets the
same first-login password anyway, and a hash per row would cost its ~20 ms per row.
"""

from __future__ import annotations

from coursebridge.accounts.passwords import hash_password, verify_password

__all__ = ["hash_password", "verify_password"]

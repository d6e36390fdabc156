"""What a launch's account resolution comes to (CONTRACT, re-exported by resolve.py)."""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.sessions import Role
from coursebridge.store.accounts import Account


@dataclass(frozen=True)
class Entered:
    """The user is signed in as ``account`` with this class role."""

    account: Account
    role: Role
    read_only: bool = False
    mentee_subs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class VerificationRequired:
    """A verification email went to ``email``; the user is in after clicking it."""

    email: str


@dataclass(frozen=True)
class TrialBlocked:
    """The org is in trial mode: no student account is created via LTI."""


AccountOutcome = Entered | VerificationRequired | TrialBlocked

"""What a launch's account resolution comes to (re-exported by resolve.py)."""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.accounts.roles import is_full_teacher
from coursebridge.sessions import Role
from coursebridge.store.accounts import Account


@dataclass(frozen=True)
class Entered:
    """The user is signed in as ``account`` with this class role."""

    account: Account
    role: Role
    read_only: bool = False
    mentee_subs: tuple[str, ...] | None = None

    @property
    def full_teacher(self) -> bool:
        return is_full_teacher(self.role, self.read_only)


@dataclass(frozen=True)
class VerificationRequired:
    """A verification email went to ``email``; the user is in after clicking it."""

    email: str


@dataclass(frozen=True)
class TrialBlocked:
    """The org is in trial mode: no student account is created via LTI."""


AccountOutcome = Entered | VerificationRequired | TrialBlocked

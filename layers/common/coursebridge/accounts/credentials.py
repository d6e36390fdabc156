"""Signing in with an email or username and a password, and choosing a new password.

One attempt, whoever types what:
1. the typed name is an email when it has an ``@``, else a username; its claim gives the
   account (one consistent GetItem, found or not);
2. one BatchGetItem reads the account (when there is one) with its failure counters —
   the account's (or, for a name that is no account, the name's) and the address's;
3. a wait or lock (accounts/lockout.py) refuses the attempt: no password is checked;
4. the failure is counted *before* the password is checked, conditionally on the
   counter read, so simultaneous attempts cannot share one allowance; a success
   clears the account's counter afterwards;
5. the password is checked against the account's hash, or — no account, no password
   yet, a first-login password already used — against a dummy hash of the same cost;
6. the whole attempt takes at least ``FLOOR_SECONDS``: an unknown name and a wrong
   password give the same page after the same time (bench/sign_in.py measures it).
A first-login password works once: the success marks it used (conditionally, so two
simultaneous sign-ins cannot both use it), and its session can only choose a new
password. An older hash is stored again at today's parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from coursebridge.accounts import password_policy
from coursebridge.accounts.lockout import ACCOUNT_RULE, ADDRESS_RULE, LockoutRule
from coursebridge.accounts.passwords import (
    MAX_PASSWORD_CHARS,
    hash_password,
    needs_rehash,
    verify_password,
)
from coursebridge.store import keys, usernames
from coursebridge.store.accounts import Account, AccountStore, normalize_email
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import AccountChanged
from coursebridge.store.sign_in_failures import (
    FailureCount,
    SignInFailureStore,
    account_counter,
    address_counter,
    name_counter,
)

FLOOR_SECONDS = 0.3
MAX_NAME_CHARS = 320
WRONG = "wrong"
WAIT = "wait"
LOCKED = "locked"


class SignInRefused(Exception):
    """``reason``: WRONG (no such name, or wrong password: one answer), WAIT or LOCKED
    (``retry_after`` seconds)."""

    def __init__(self, reason: str, retry_after: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PasswordRejected(Exception):
    """The new password breaks the policy: ``problems`` for the page."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class PasswordChangedMeanwhile(Exception):
    """Another change or reset came first: this session has ended."""


def _usable_hash(account: Account | None) -> str | None:
    """The hash a sign-in is checked against: none (the dummy's turn) for no account, no
    password yet, or a first-login password already used."""
    if account is None or (account.must_change_password and account.first_login_used_at):
        return None
    return account.password_hash


def person_of(account: Account) -> password_policy.Person:
    return password_policy.Person(
        account.email, account.username, account.first_name, account.last_name
    )


def new_password_problems(account: Account, password: str, confirm: str) -> list[str]:
    """The policy, and — while a first-login password is pending — not that one."""
    found = password_policy.problems(password, confirm, person_of(account))
    if found:
        return found
    if account.must_change_password and verify_password(password, account.password_hash):
        return [password_policy.FIRST_LOGIN]
    return []


@dataclass
class Credentials:
    accounts: AccountStore = field(default_factory=AccountStore)
    failures: SignInFailureStore = field(default_factory=SignInFailureStore)
    account_rule: LockoutRule = ACCOUNT_RULE
    address_rule: LockoutRule = ADDRESS_RULE
    clock: Callable[[], int] = now_epoch
    floor_seconds: float = FLOOR_SECONDS
    timer: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @contextmanager
    def _at_least_floor(self) -> Iterator[None]:
        started = self.timer()
        try:
            yield
        finally:
            left = started + self.floor_seconds - self.timer()
            if left > 0:
                self.sleep(left)

    def _account_id(self, name: str) -> tuple[str | None, str]:
        """The account the typed name is, and the name as it is keyed."""
        if "@" in name:
            email = normalize_email(name) or ""
            return self.accounts.account_id_for_email(email), email
        username = usernames.normalize_username(name)
        return self.accounts.account_id_for_username(username), username

    def sign_in(self, name: str, password: str, address: str) -> Account:
        """The account signed in; raises SignInRefused. ``must_change_password`` on the
        account: it signed in with its first-login password."""
        with self._at_least_floor():
            return self._sign_in(name[:MAX_NAME_CHARS], password[:MAX_PASSWORD_CHARS], address)

    def _sign_in(self, name: str, password: str, address: str) -> Account:
        account_id, keyed = self._account_id(name)
        account = self.check(account_id, keyed, password, address)
        assert account.password_hash is not None
        if account.must_change_password and not self.accounts.use_first_login(
            account.account_id, account.password_hash, self.clock()
        ):
            raise SignInRefused(WRONG)  # the other simultaneous sign-in used it
        self.failures.clear(account_counter(account.account_id))
        if not account.must_change_password and needs_rehash(account.password_hash):
            self.accounts.rehash(account.account_id, account.password_hash, hash_password(password))
        self.accounts.ensure_username(account)
        return account

    def check(self, account_id: str | None, keyed: str, password: str, address: str) -> Account:
        """Steps 2 to 5 of the module's list: the account if ``password`` is its password."""
        now = self.clock()
        principal = account_counter(account_id) if account_id else name_counter(keyed)
        from_address = address_counter(address)
        (mine, theirs), item = self.failures.read(
            [principal, from_address], keys.account(account_id) if account_id else None
        )
        self._refuse_while_waiting(mine, theirs, now)
        counted = self.account_rule.after_failure(mine, now)
        if not self.failures.reserve(principal, mine, counted, self.account_rule.expires(counted)):
            raise SignInRefused(WAIT, 1)  # another attempt on this name right now
        account = Account.from_item(item) if item else None
        if not verify_password(password, _usable_hash(account)) or account is None:
            self._count_address_failure(from_address, now)
            raise SignInRefused(WRONG)
        return account

    def _refuse_while_waiting(self, mine: FailureCount, theirs: FailureCount, now: int) -> None:
        rule, address_rule = self.account_rule, self.address_rule
        wait = max(rule.wait(mine, now), address_rule.wait(theirs, now))
        if wait:
            locked = rule.locked(mine, now) or address_rule.locked(theirs, now)
            raise SignInRefused(LOCKED if locked else WAIT, wait)

    def _count_address_failure(self, key: dict[str, str], now: int) -> None:
        rule = self.address_rule
        if self.failures.count_address_failure(key, now, rule.window) == rule.lock_at:
            self.failures.lock_address(key, now + rule.lock_seconds)

    def change_password(
        self,
        account: Account,
        current: str | None,
        password: str,
        confirm: str,
        address: str,
    ) -> int:
        """Set a password the signed-in person chose; the account's new session epoch.

        ``current``: the password now (None only for a first-login session, which proved
        it by signing in). Raises SignInRefused (wrong current password: counted like a
        sign-in), PasswordRejected or PasswordChangedMeanwhile.
        """
        if current is not None:
            with self._at_least_floor():
                name = account.username or account.email or ""
                self.check(account.account_id, name, current[:MAX_PASSWORD_CHARS], address)
            self.failures.clear(account_counter(account.account_id))
        problems = new_password_problems(account, password, confirm)
        if problems:
            raise PasswordRejected(problems)
        try:
            return self.accounts.set_password(
                account.account_id, hash_password(password), account.session_epoch
            )
        except AccountChanged:
            raise PasswordChangedMeanwhile() from None

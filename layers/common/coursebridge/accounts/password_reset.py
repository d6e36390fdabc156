"""Forgot password / set a password: an emailed, single-use link valid for 30 minutes.

Asked for by email or username. The answer is the same whether or not an account
matches, and takes the same time (at least ``FLOOR_SECONDS``, which covers the SES
call): nothing on the page or in its timing says whether an email went out. An email
goes out only to an account that holds its email address; at most ``ADDRESS_LIMIT``
an hour to one address and ``CLIENT_LIMIT`` requests an hour from one client address
count (more are answered the same, and send nothing).

Token: accounts/verification.py's signed ``<random>.<expiry>.<HMAC>``, with its own
domain (a verification or invitation token never passes for a reset one); the table
keeps only its SHA-256 (store/password_resets.py). The link's GET page shows a form
and writes nothing (mail scanners open links); its POST sets the password in one
transaction that also uses up the token, raises the account's session epoch (every
session signed in before has ended) and clears the account's failed sign-ins. This is
also how an account created by an LMS launch, which has no password, gets its first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from coursebridge.accounts.credentials import PasswordRejected, new_password_problems
from coursebridge.accounts.password_reset_email import password_reset_email
from coursebridge.accounts.passwords import hash_password
from coursebridge.accounts.sign_in_pages import reset_url
from coursebridge.accounts.verification import (
    VerificationFailed,
    expired_link,
    issue_token,
    open_emailed_token,
    token_hash,
)
from coursebridge.notify.mailer import Mailer, SendsEmail
from coursebridge.sessions import _SecretCache
from coursebridge.store import usernames
from coursebridge.store.accounts import Account, AccountStore, normalize_email
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import AccountChanged, TokenGone
from coursebridge.store.password_resets import PasswordResetStore, PendingReset
from coursebridge.store.sign_in_failures import SignInFailureStore, account_counter
from coursebridge.store.transactions import transact

logger = Logger(child=True)

LIFETIME_SECONDS = 30 * 60
ADDRESS_LIMIT = 3
CLIENT_LIMIT = 30
WINDOW_SECONDS = 3600
FLOOR_SECONDS = 0.8
_DOMAIN = b"coursebridge/password-reset/v1:"


@dataclass(frozen=True)
class ResetView:
    """What the link's page shows: whose password it sets."""

    username: str
    email: str | None
    has_password: bool


@dataclass
class PasswordResets:
    store: PasswordResetStore = field(default_factory=PasswordResetStore)
    accounts: AccountStore = field(default_factory=AccountStore)
    mailer: SendsEmail = field(default_factory=Mailer)
    secret: Callable[[], bytes] = _SecretCache.get
    clock: Callable[[], int] = now_epoch
    floor_seconds: float = FLOOR_SECONDS
    timer: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def request(self, name: str, client_address: str, base_url: str) -> None:
        """Email a link to the account ``name`` (email or username) is, if any. Answers
        nothing, in at least ``floor_seconds``, whatever happened."""
        started = self.timer()
        try:
            self._request(name.strip()[:320], client_address, base_url)
        finally:
            left = started + self.floor_seconds - self.timer()
            if left > 0:
                self.sleep(left)

    def _account(self, name: str) -> Account | None:
        if "@" in name:
            account_id = self.accounts.account_id_for_email(normalize_email(name) or "")
        else:
            account_id = self.accounts.account_id_for_username(usernames.normalize_username(name))
        return self.accounts.get(account_id, consistent=True) if account_id else None

    def _request(self, name: str, client_address: str, base_url: str) -> None:
        now = self.clock()
        if not name or not self.store.claim_client_slot(
            client_address, now, CLIENT_LIMIT, WINDOW_SECONDS
        ):
            return
        account = self._account(name)
        if account is None or not account.email:
            return  # nobody to mail: an account without an email asks its school
        if not self.store.claim_address_slot(account.email, now, ADDRESS_LIMIT, WINDOW_SECONDS):
            logger.warning("password reset emails to this address throttled")
            return
        username = self.accounts.ensure_username(account)
        token, expires_at = issue_token(self.secret(), now, LIFETIME_SECONDS, _DOMAIN)
        pending = PendingReset(
            token_hash=token_hash(token),
            account_id=account.account_id,
            session_epoch=account.session_epoch,
            expires_at=expires_at,
            created_at=now,
        )
        self.store.put(pending)
        message = password_reset_email(
            account.email,
            account.first_name,
            username,
            reset_url(base_url, token),
            LIFETIME_SECONDS // 60,
            has_password=bool(account.password_hash),
        )
        try:
            self.mailer.send(message)
        except (ClientError, BotoCoreError) as error:
            logger.warning("password reset email not sent", extra={"error": str(error)})
            self.store.delete(pending)

    def _open(self, token: object) -> tuple[PendingReset, Account]:
        now = self.clock()
        try:
            pending = open_emailed_token(token, self.secret(), now, self.store.get, _DOMAIN)
        except VerificationFailed as failure:
            raise _link_failure(failure) from None
        account = self.accounts.get(pending.account_id, consistent=True)
        if account is None or account.session_epoch != pending.session_epoch:
            raise _link_failure(expired_link())  # the password changed since it was sent
        return pending, account

    def preview(self, token: object) -> ResetView:
        """The link's page (GET): reads only. Raises VerificationFailed."""
        _, account = self._open(token)
        username = account.username or account.email or ""
        return ResetView(username, account.email, bool(account.password_hash))

    def complete(self, token: object, password: str, confirm: str) -> Account:
        """The page's POST: set the password, use up the link. Raises VerificationFailed
        (bad, expired or used link) or PasswordRejected (the link stays usable)."""
        pending, account = self._open(token)
        problems = new_password_problems(account, password, confirm)
        if problems:
            raise PasswordRejected(problems)
        now = self.clock()
        actions = [
            pending.consume_action(now),
            self.accounts.password_update(
                account.account_id, hash_password(password), pending.session_epoch
            ),
            SignInFailureStore().clear_action(account_counter(account.account_id)),
        ]
        try:
            transact(actions)
        except (TokenGone, AccountChanged):
            raise _link_failure(expired_link()) from None
        return account


def _link_failure(failure: VerificationFailed) -> VerificationFailed:
    """The verification link's failure, in a password reset's words."""
    if failure.status == 410:
        return VerificationFailed(
            410,
            "Link expired or already used",
            "This link has expired or was already used. Ask for a new one: choose "
            "'Forgot password?' on the sign-in page.",
        )
    return VerificationFailed(
        400,
        "Invalid link",
        "This link is not valid. Open it from the email, with nothing cut off, or ask "
        "for a new one on the sign-in page.",
    )

"""Accounts and their uniqueness claims (users table: ``platform`` + ``userId``).

Items (keys: store/keys.py):
  ACCOUNT#<accountId>          / <accountId>  the account; ``email`` (lower-case) only when
                                              it holds the email, which keeps email-index sparse
  EMAIL#<email>                / <email>      claim: which account holds an email
  USERNAME#<username>          / <username>   claim: which account holds a username
  ISSUED#<schoolId>#<issuedID> / <issuedID>   claim: which account holds a school's issuedID
  LINK#<registrationId>#<sub>  / <sub>        LMS link (store/links.py)
Claims (store/claims.py) are written in the same transaction as the account, with
conditions, so two concurrent writers can never both hold one email: the GSI (eventually
consistent) is only used for look-ups, never for uniqueness. ``linkedAt`` on the account is set
by the first LMS link, so "an account with no LMS link yet" is one condition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import claims, keys, usernames
from coursebridge.store.dynamo import is_conditional_failure, new_id, now_epoch, users_table
from coursebridge.store.errors import (
    EmailAlreadyClaimed,
    IssuedIdAlreadyClaimed,
    UsernameAlreadyClaimed,
)
from coursebridge.store.transactions import transact

__all__ = [
    "Account",
    "AccountStore",
    "EmailAlreadyClaimed",
    "IssuedIdAlreadyClaimed",
    "UsernameAlreadyClaimed",
]

USERNAME_ATTEMPTS = 8  # choices tried before giving up (the 2nd onwards: random digits)


def normalize_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


class Account(Model):
    account_id: str = Field(default_factory=lambda: new_id("acc"))
    email: str | None = None
    username: str | None = None  # store/usernames.py; given when the account is created
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    is_teacher: bool = False
    orgs: set[str] = Field(default_factory=set)
    schools: set[str] = Field(default_factory=set)
    admin_schools: set[str] = Field(default_factory=set)
    issued_ids: dict[str, str] = Field(default_factory=dict)  # schoolID → issuedID
    student_id: str | None = None
    password_hash: str | None = None
    must_change_password: bool = False
    # When the first-login password was used to sign in: it never works again.
    first_login_used_at: int | None = None
    # Raised by every password change: a signed-in session of an older epoch has ended.
    session_epoch: int = 0
    source: str = "lti"
    linked_at: int | None = None  # when the first LMS link was made
    created_at: int = Field(default_factory=now_epoch)
    updated_at: int = Field(default_factory=now_epoch)

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.display_name

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **keys.account(self.account_id),
            "kind": "account",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "displayName": self.display_name,
            "isTeacher": self.is_teacher,
            "issuedIds": self.issued_ids,
            "mustChangePassword": self.must_change_password,
            "sessionEpoch": self.session_epoch,
            "source": self.source,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        # DynamoDB rejects empty sets and the sparse GSI wants no empty email.
        for attr, value in (
            ("orgs", self.orgs),
            ("schools", self.schools),
            ("adminSchools", self.admin_schools),
        ):
            if value:
                item[attr] = set(value)
        for attr, scalar in (
            ("email", self.email),
            ("username", self.username),
            ("studentId", self.student_id),
            ("passwordHash", self.password_hash),
            ("linkedAt", self.linked_at),
            ("firstLoginUsedAt", self.first_login_used_at),
        ):
            if scalar:
                item[attr] = scalar
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Account:
        return cls(
            account_id=item["userId"],
            email=item.get("email"),
            username=item.get("username"),
            first_name=item.get("firstName", ""),
            last_name=item.get("lastName", ""),
            display_name=item.get("displayName", ""),
            is_teacher=bool(item.get("isTeacher")),
            orgs=set(item.get("orgs", ())),
            schools=set(item.get("schools", ())),
            admin_schools=set(item.get("adminSchools", ())),
            issued_ids=dict(item.get("issuedIds", {})),
            student_id=item.get("studentId"),
            password_hash=item.get("passwordHash"),
            must_change_password=bool(item.get("mustChangePassword")),
            first_login_used_at=_optional_int(item.get("firstLoginUsedAt")),
            session_epoch=int(item.get("sessionEpoch", 0)),
            source=item.get("source", "lti"),
            linked_at=_optional_int(item.get("linkedAt")),
            created_at=int(item.get("createdAt", 0)),
            updated_at=int(item.get("updatedAt", 0)),
        )


def _optional_int(value: Any) -> int | None:
    return int(value) if value else None


def give_username(account: Account, attempt: int = 0) -> str:
    """Choose the account's ``attempt``-th username (store/usernames.py) and set it."""
    base = usernames.username_base(account.email, account.first_name, account.last_name)
    account.username = usernames.candidate(base, attempt)
    return account.username


class AccountStore:
    def get(self, account_id: str, consistent: bool = False) -> Account | None:
        item = (
            users_table()
            .get_item(Key=keys.account(account_id), ConsistentRead=consistent)
            .get("Item")
        )
        return Account.from_item(item) if item else None

    def issued_holder(self, school_id: str, issued_id: str) -> str | None:
        """Which account holds a school's issuedID (consistent read of the claim)."""
        item = (
            users_table()
            .get_item(
                Key=keys.issued_claim(school_id, issued_id),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return item["accountId"] if item else None

    def account_id_for_email(self, email: str) -> str | None:
        """Strongly consistent look-up through the email claim (not the GSI)."""
        key = normalize_email(email)
        if not key:
            return None
        item = users_table().get_item(Key=keys.email_claim(key), ConsistentRead=True).get("Item")
        return item["accountId"] if item else None

    def account_id_for_username(self, username: str) -> str | None:
        """Strongly consistent look-up through the username claim."""
        key = usernames.normalize_username(username)
        if not key:
            return None
        claim = users_table().get_item(Key=keys.username_claim(key), ConsistentRead=True)
        item = claim.get("Item")
        return item["accountId"] if item else None

    def claim_actions(self, account: Account) -> list[dict]:
        """TransactWriteItems actions that create ``account`` with its claims (a username
        is chosen first when it has none)."""
        if account.username is None:
            give_username(account)
        table = get_settings().users_table
        put = {"TableName": table, "Item": account.to_item(), "ConditionExpression": claims.FREE}
        return [
            {"Put": put},
            *claims.claim_actions(
                table, account.account_id, account.email, account.issued_ids, account.username
            ),
        ]

    def create(self, account: Account, extra_actions: list[dict] | None = None) -> Account:
        """Create the account and claim its email, issuedIDs and username in one transaction.

        Raises EmailAlreadyClaimed / IssuedIdAlreadyClaimed when another account holds
        one of them (or WriteConflict); nothing is written then. A taken username is
        replaced by the next choice and the transaction sent again.
        """
        account.email = normalize_email(account.email)
        extra = list(extra_actions or [])
        with_username(account, lambda: transact(self.claim_actions(account) + extra))
        return account

    def ensure_username(self, account: Account) -> str:
        """The account's username, given now (with its claim) if it has none yet: accounts
        created before usernames existed get one the first time they sign in by email."""
        if account.username:
            return account.username
        table = get_settings().users_table

        def write() -> None:
            assert account.username is not None
            update = {
                "TableName": table,
                "Key": keys.account(account.account_id),
                "UpdateExpression": "SET username = :u",
                "ConditionExpression": "attribute_exists(userId) "
                "AND attribute_not_exists(username)",
                "ExpressionAttributeValues": {":u": account.username},
            }
            claim = claims.username_claim_item(account.username, account.account_id)
            transact([{"Update": update}, claims.put_claim(table, claim)])

        give_username(account)
        with_username(account, write)
        assert account.username is not None
        return account.username

    # ------------------------------------------------------------- passwords
    def password_update(self, account_id: str, password_hash: str, seen_epoch: int) -> dict:
        """TransactWriteItems Update that sets a password the person chose: the
        first-login password is gone, and ``sessionEpoch`` goes up by one, which ends
        every session signed in before (web/signed_in.py). Refused (AccountChanged) if
        the epoch is no longer ``seen_epoch``: another change or reset came first."""
        epoch = "sessionEpoch = :seen"
        if seen_epoch == 0:  # an account written before epochs existed has none
            epoch = f"({epoch} OR attribute_not_exists(sessionEpoch))"
        return {
            "Update": {
                "TableName": get_settings().users_table,
                "Key": keys.account(account_id),
                "UpdateExpression": "SET passwordHash = :hash, mustChangePassword = :false, "
                "sessionEpoch = :next, updatedAt = :now REMOVE firstLoginUsedAt",
                "ConditionExpression": f"attribute_exists(userId) AND {epoch}",
                "ExpressionAttributeValues": {
                    ":hash": password_hash,
                    ":false": False,
                    ":next": seen_epoch + 1,
                    ":seen": seen_epoch,
                    ":now": now_epoch(),
                },
            }
        }

    def set_password(self, account_id: str, password_hash: str, seen_epoch: int) -> int:
        """Set the password (``password_update``); the account's new session epoch."""
        transact([self.password_update(account_id, password_hash, seen_epoch)])
        return seen_epoch + 1

    def use_first_login(self, account_id: str, password_hash: str, now: int) -> bool:
        """Mark the first-login password used (it never works again); False if it was
        already used or replaced meanwhile."""
        try:
            users_table().update_item(
                Key=keys.account(account_id),
                UpdateExpression="SET firstLoginUsedAt = :now",
                ConditionExpression="passwordHash = :hash AND mustChangePassword = :true "
                "AND attribute_not_exists(firstLoginUsedAt)",
                ExpressionAttributeValues={":now": now, ":hash": password_hash, ":true": True},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def rehash(self, account_id: str, old_hash: str, new_hash: str) -> None:
        """Store the same password at today's parameters, unless it changed meanwhile."""
        try:
            users_table().update_item(
                Key=keys.account(account_id),
                UpdateExpression="SET passwordHash = :new",
                ConditionExpression="passwordHash = :old",
                ExpressionAttributeValues={":new": new_hash, ":old": old_hash},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def end_sessions(self, account_id: str) -> None:
        """Sign the account out everywhere: every session's epoch is now behind."""
        users_table().update_item(
            Key=keys.account(account_id),
            UpdateExpression="ADD sessionEpoch :one",
            ConditionExpression="attribute_exists(userId)",
            ExpressionAttributeValues={":one": 1},
        )

    def grant_admin(self, account_id: str, org_id: str, school_id: str) -> None:
        """Make the account an admin of one school (and a member of its org)."""
        users_table().update_item(**_grant_admin(account_id, org_id, school_id))

    def grant_admin_action(self, account_id: str, org_id: str, school_id: str) -> dict:
        """The same grant as a TransactWriteItems Update (an accepted invitation)."""
        return {
            "Update": {
                "TableName": get_settings().users_table,
                **_grant_admin(account_id, org_id, school_id),
            }
        }


def _grant_admin(account_id: str, org_id: str, school_id: str) -> dict[str, Any]:
    return {
        "Key": keys.account(account_id),
        "UpdateExpression": "ADD adminSchools :school, orgs :org, schools :school "
        "SET updatedAt = :now",
        "ConditionExpression": "attribute_exists(userId)",
        "ExpressionAttributeValues": {
            ":school": {school_id},
            ":org": {org_id},
            ":now": now_epoch(),
        },
    }


def with_username(account: Account, write: Callable[[], None]) -> None:
    """``write()``, again with the account's next username while its current one is
    taken (bounded: ``USERNAME_ATTEMPTS`` choices)."""
    for attempt in range(1, USERNAME_ATTEMPTS + 1):
        try:
            write()
            return
        except UsernameAlreadyClaimed:
            if attempt == USERNAME_ATTEMPTS:
                raise
            give_username(account, attempt)
